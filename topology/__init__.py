"""Service topology: load, validate and query the dependency graph."""
