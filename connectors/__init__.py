"""Connectors: one module per monitoring tool, each a pure ``parse`` plus its HTTP route."""
