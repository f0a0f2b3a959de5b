"""Periodic tasks: work that plugins and the core want done every so often, by one process at a time."""
