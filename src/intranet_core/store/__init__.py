"""A key-value store in the site's database, shared by every process.

Litestar's server-side sessions and rate limits use it, so they hold across
workers and hosts without another service.
"""
