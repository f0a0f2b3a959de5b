"""Uploaded files: stored once by content, sniffed, and served safely (``core.uploads``)."""
