"""Correlation: deduplication, root-cause grouping, flapping and the incident lifecycle."""
