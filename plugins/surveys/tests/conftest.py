"""Fixtures of the surveys plugin's tests (the rest come from intranet_core.testing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_surveys.plugin
import pytest

from intranet_core.settings import Settings
from intranet_core.testing import database_url_for_tests, make_settings


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("surveys", intranet_surveys.plugin)]


@pytest.fixture
def surveys_settings() -> dict[str, Any]:
    """The ``[plugins.surveys]`` section; override in a test module to change it."""
    return {}


@pytest.fixture
def intranet_settings(tmp_path: Path, surveys_settings: dict[str, Any]) -> Any:
    sections: dict[str, Any] = {"site": {"default_language": "en"}, "plugins": {"surveys": surveys_settings}}
    # Tests run the rounds themselves: no scheduler doing it behind their back.
    sections["tasks"] = {"scheduler": False}
    if "uploads" in Settings.__struct_fields__:
        # Files, if anything uploads one, stay in the test's own directory.
        sections["uploads"] = {"directory": str(tmp_path / "uploads")}
    return make_settings(database_url_for_tests(tmp_path), **sections)


@pytest.fixture
def intranet(intranet_app: Any) -> Any:
    """The site object (``app.state.intranet``)."""
    return intranet_app.state.intranet


# The browser tests' fixtures (Chromium against `intranet demo`), shared with the core's.
from intranet_core.testing_browser import browser, live_site, phone  # noqa: E402, F401 - fixtures
