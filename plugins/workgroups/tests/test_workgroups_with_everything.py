"""The main paths again, on a site built from every installed plugin (as `intranet run` builds it).

Other plugins add audience keys, search providers, navigation, widgets and
hooks of their own; the groups must keep working, and keep their secrets,
next to them.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from intranet_workgroups.pages import service as pages
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation, png_bytes, upload_post

from intranet_core.plugins import discover_entry_points


@pytest.fixture
def intranet_plugins() -> list[Any]:
    installed = [(ep.name, ep.value) for ep in discover_entry_points()]
    if "workgroups" not in {name for name, _value in installed}:
        pytest.fail("intranet-workgroups is not installed (pip install -e plugins/workgroups)")
    return installed


async def test_groups_next_to_every_other_plugin(intranet_app: Litestar) -> None:
    assert len(intranet_app.state.intranet.plugins) > 1
    async with organisation(intranet_app) as org:
        secret = await org.group("Hidden board", visibility="secret")
        open_group = await org.group("Privacy", visibility="open")
        await org.add(secret, "bob")
        await pages.create_page(org.intranet, open_group, author_id=org.people["alice"], title="Data breach",
                                body="Call the breach line.")
        await pages.create_page(org.intranet, secret, author_id=org.people["alice"], title="Plans",
                                body="The breach plans.")
        bob, carol = await org.client("bob"), await org.client("carol")
        answer = await form_post(bob, f"/groups/{secret}/posts", {"title": "Board news", "body": "Secret words"})
        assert answer.status_code == 303
        post_id = re.search(r"#post-(\d+)$", answer.headers["location"]).group(1)  # type: ignore[union-attr]
        assert f'id="post-{post_id}"' in (await bob.get("/", headers=HTML)).text
        assert f'id="post-{post_id}"' not in (await carol.get("/", headers=HTML)).text
        assert (await carol.get(f"/posts/{post_id}", headers=HTML)).status_code == 404
        assert (await carol.get(f"/groups/{secret}", headers=HTML)).status_code == 404
        found = (await carol.get("/search?q=breach", headers=HTML)).text
        assert f"/groups/{open_group}/pages/" in found and f"/groups/{secret}/" not in found
        assert f"/groups/{secret}/pages/" in (await bob.get("/search?q=breach", headers=HTML)).text
        answer = await upload_post(bob, f"/groups/{secret}/files", {"file": ("plan.png", png_bytes(), "image/png")})
        assert answer.status_code == 303
        download = answer.headers["location"] + "/download"
        assert (await bob.get(download)).status_code == 200
        assert (await carol.get(download)).status_code == 404
        for path in ("/groups", f"/groups/{open_group}", f"/groups/{open_group}/members", "/"):
            assert (await carol.get(path, headers=HTML)).status_code == 200, path
