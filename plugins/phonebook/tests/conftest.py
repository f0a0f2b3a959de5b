"""Fixtures of the phonebook's tests: an app with the core and the phonebook alone, and a small organisation.

Runs on SQLite by default and on the PostgreSQL in ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

from typing import Any

import intranet_phonebook.plugin
import pytest

from intranet_core.testing import database_url_for_tests, make_settings


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("phonebook", intranet_phonebook.plugin)]


@pytest.fixture
def intranet_settings(tmp_path: Any) -> Any:
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en", "name": "Forbundet"})


# The browser tests' fixtures (Chromium against `intranet demo`), shared with the core's.
from intranet_core.testing_browser import browser, live_site, phone  # noqa: E402, F401 - fixtures
