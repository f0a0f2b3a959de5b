"""Fixtures of the onboarding tests; the app fixtures come from intranet_core.testing (a pytest plugin).

Each test gets the core, the surveys plugin and this plugin only, on a fresh
database: a SQLite file, or the PostgreSQL named by
``$INTRANET_TEST_DATABASE_URL``. ``test_onboarding_with_everything.py``
builds the app from every installed plugin instead.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import intranet_onboarding.plugin
import intranet_surveys.plugin
import pytest

from intranet_core.testing import Mailbox, database_url_for_tests, mail_settings, make_settings

sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("surveys", intranet_surveys.plugin), ("onboarding", intranet_onboarding.plugin)]


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                         uploads={"directory": str(tmp_path / "uploads")}, mail=mail_settings(mailbox))
