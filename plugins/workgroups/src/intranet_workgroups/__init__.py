"""Workgroups for intranet-core: local and topic groups with their own feed, pages and files."""

__version__ = "0.1.0"
