"""Ticket systems: a Protocol, the built-in queue, and adapters to real ones."""
