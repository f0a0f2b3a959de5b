"""Fixtures of the workgroups tests; the app fixtures come from intranet_core.testing (a pytest plugin).

Each test gets the core and this plugin only, on a fresh database: a SQLite
file, or the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``. The
module ``test_workgroups_with_everything.py`` builds the app from every
installed plugin instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_workgroups.plugin
import pytest

from intranet_core.testing import Mailbox, database_url_for_tests, mail_settings, make_settings


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("workgroups", intranet_workgroups.plugin)]


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    # Notices that are e-mailed at once go to a real SMTP server (aiosmtpd) of the test's own.
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                         uploads={"directory": str(tmp_path / "uploads")}, mail=mail_settings(mailbox))
