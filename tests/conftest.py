"""Fixtures of the core's tests; the rest come from intranet_core.testing (a pytest plugin)."""

from __future__ import annotations

from support import database_url  # noqa: F401 - a fixture
