"""``[plugins.esdh.sources.<name>]``: a mistake stops the site with one line; secrets only from the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_esdh.plugin
import pytest
from intranet_esdh.sources import sources_of

from intranet_core.app import create_app
from intranet_core.errors import ConfigError
from intranet_core.testing import make_settings

SECRET = "do-not-print-" + "z" * 20


def build(tmp_path: Path, sources: dict[str, Any], **esdh: Any) -> Any:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", plugins={"esdh": {"sources": sources, **esdh}})
    return create_app(settings, plugins=[("esdh", intranet_esdh.plugin)])


@pytest.mark.parametrize(("sources", "message"), [
    ({"docs": {"type": "sharepoint", "base_url": "https://x.example.org/"}},
     "plugins.esdh.sources.docs.type: expected one of fileshare, webdav, workzone, got 'sharepoint'"),
    ({"docs": {"base_url": "https://x.example.org/"}}, "plugins.esdh.sources.docs.type: expected one of"),
    ({"wz": {"type": "workzone", "base_url": "https://wz.example.org/OData/", "client_secret": SECRET}},
     "plugins.esdh.sources.wz.client_secret: unknown key"),
    ({"dav": {"type": "webdav", "base_url": "https://dav.example.org/", "password": SECRET}},
     "plugins.esdh.sources.dav.password: unknown key"),
    ({"dav": {"type": "webdav", "base_url": "ftp://dav.example.org/"}},
     "plugins.esdh.sources.dav.base_url: expected an http:// or https:// URL"),
    ({"dav": {"type": "webdav", "base_url": f"https://user:{SECRET}@dav.example.org/"}},
     "plugins.esdh.sources.dav.base_url: put no user name or password in the URL"),
    ({"dav": {"type": "webdav", "base_url": "https://dav.example.org/", "allow_addresses": ["inside"]}},
     "plugins.esdh.sources.dav.allow_addresses: expected an address or network"),
    ({"dav": {"type": "webdav", "base_url": "https://dav.example.org/", "timeout_seconds": "10"}},
     "plugins.esdh.sources.dav.timeout_seconds: expected number, got str"),
    ({"dav": {"type": "webdav", "base_url": "https://dav.example.org/", "readers": ["everyone!"]}},
     "plugins.esdh.sources.dav: readers: expected audience keys"),
    ({"Docs Share": {"type": "fileshare", "path": "/srv/share"}}, "a source's name is lower-case"),
    ({"share": {"type": "fileshare", "path": "relative/share"}}, "path: expected an absolute path"),
    ({"wz": {"type": "workzone", "base_url": "https://wz.example.org/OData/", "token_url": "https://login.example/t"}},
     "client_id and client_secret_env are needed"),
])
def test_a_wrong_source_stops_the_site_with_one_line(tmp_path: Path, sources: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        build(tmp_path, sources)
    text = str(raised.value)
    assert message in text, text
    assert "\n" not in text and SECRET not in text


def test_plugin_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"plugins\.esdh: cache_seconds: expected 0 to 86400"):
        build(tmp_path, {}, cache_seconds=-1)


def test_sources_share_one_client(tmp_path: Path) -> None:
    app = build(tmp_path, {
        "docs": {"type": "webdav", "base_url": "https://dav.example.org/dav", "password_env": "X"},
        "wz": {"type": "workzone", "base_url": "https://wz.example.org/OData/", "token_url":
               "https://login.example.org/tenant/oauth2/v2.0/token", "client_id": "c", "client_secret_env": "Y"},
        "share": {"type": "fileshare", "path": "/srv/share", "label": "Fællesdrev"},
    })
    sources = sources_of(app.state.intranet)
    assert [c.name for c in sources.all()] == ["docs", "share", "wz"]
    assert sources.get("share").label == "Fællesdrev"  # type: ignore[union-attr]
    assert {id(getattr(c, "outbound", sources.outbound)) for c in sources.all()} == {id(sources.outbound)}
    # The base URL is a folder; the token endpoint is a source URL too.
    policy = sources.outbound.policy.sources
    assert str(policy["docs"].prefixes[0]) == "https://dav.example.org/dav/"
    assert [str(p) for p in policy["wz"].prefixes] == ["https://wz.example.org/OData/",
                                                       "https://login.example.org/tenant/oauth2/v2.0/token"]
