"""Fixtures of the ESDH plugin's tests (the rest come from intranet_core.testing).

Real peers: a WebDAV server (wsgidav) over a temporary directory, and an
OData server answering as WorkZone's documentation describes
(``esdh_servers.py``). Both listen on loopback, which each test's source
settings name explicitly (``allow_addresses``), as a site would have to.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import intranet_esdh.plugin
from esdh_servers import CLIENT_ID, SECRET, ODataServer, ODataState, WebDAVServer, demo_workzone

from intranet_core.testing import database_url_for_tests, make_settings

DAV_PASSWORD_ENV = "ESDH_TEST_DAV_PASSWORD"  # noqa: S105 - the name of a variable, not a password
WZ_SECRET_ENV = "ESDH_TEST_WZ_SECRET"  # noqa: S105 - the name of a variable
LOOPBACK = ["127.0.0.1/32", "::1/128"]


def make_share(root: Path) -> Path:
    """A district's files: guides for everyone, a management folder for admins only."""
    (root / "Guides").mkdir(parents=True)
    (root / "Guides" / "Ferieplan 2027.docx").write_bytes(b"PK\x03\x04 ferieplan")
    (root / "Guides" / "Vagtplan jul.pdf").write_bytes(b"%PDF-1.4 vagtplan")
    (root / "Ledelse").mkdir()
    (root / "Ledelse" / "Budget 2027 hemmeligt.xlsx").write_bytes(b"PK\x03\x04 budget")
    (root / ".skjult").write_text("hidden")
    return root


@pytest.fixture
def share(tmp_path: Path) -> Path:
    return make_share(tmp_path / "share")


@pytest.fixture
def webdav(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WebDAVServer]:
    server = WebDAVServer(make_share(tmp_path / "dav"))
    monkeypatch.setenv(DAV_PASSWORD_ENV, WebDAVServer.PASSWORD)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def odata(monkeypatch: pytest.MonkeyPatch) -> Iterator[ODataServer]:
    state = ODataState()
    demo_workzone(state)
    server = ODataServer(state)
    monkeypatch.setenv(WZ_SECRET_ENV, SECRET)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def webdav_source(server: WebDAVServer, **extra: Any) -> dict[str, Any]:
    return {"type": "webdav", "label": "Dokumentarkivet", "base_url": server.url, "username": WebDAVServer.USER,
            "password_env": DAV_PASSWORD_ENV, "allow_addresses": LOOPBACK, "timeout_seconds": 5,
            "access": [{"path": "/Ledelse", "readers": ["role:admin"]}], **extra}


def workzone_source(server: ODataServer, **extra: Any) -> dict[str, Any]:
    return {"type": "workzone", "label": "WorkZone", "base_url": server.url, "token_url": server.token_url,
            "client_id": CLIENT_ID, "client_secret_env": WZ_SECRET_ENV, "scope": "api://workzone/.default",
            "allow_addresses": LOOPBACK, "timeout_seconds": 5, **extra}


def share_source(path: Path, **extra: Any) -> dict[str, Any]:
    return {"type": "fileshare", "label": "Fællesdrev", "path": str(path),
            "access": [{"path": "/Ledelse", "readers": ["role:admin"]}], **extra}


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("esdh", intranet_esdh.plugin)]


@pytest.fixture
def esdh_settings() -> dict[str, Any]:
    """The ``[plugins.esdh]`` section; override in a test module (or request the servers there)."""
    return {}


@pytest.fixture
def intranet_settings(tmp_path: Path, esdh_settings: dict[str, Any]) -> Any:
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                         plugins={"esdh": esdh_settings})


@pytest.fixture
def intranet(intranet_app: Any) -> Any:
    return intranet_app.state.intranet
