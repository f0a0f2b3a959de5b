"""Embeds on a workgroup's page, through the workgroups plugin's ``group_document_sources`` hook.

Runs when intranet-workgroups is installed (with every plugin); skipped when
the ESDH plugin is installed with the core alone.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import intranet_esdh.plugin
import pytest
from conftest import share_source
from esdh_helpers import Org, organisation
from litestar import Litestar

workgroups = pytest.importorskip("intranet_workgroups.plugin")


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("workgroups", workgroups), ("esdh", intranet_esdh.plugin)]


@pytest.fixture
def esdh_settings(share: Path) -> dict[str, Any]:
    return {"sources": {"share": share_source(share)}}


@pytest.fixture
async def org(intranet_app: Litestar, intranet_client: Any) -> AsyncIterator[Org]:
    async with contextlib.AsyncExitStack() as stack:
        yield await organisation(intranet_app, stack)


async def test_a_group_page_shows_its_documents_to_those_who_may_read_them(org: Org) -> None:
    from intranet_workgroups.groups import service

    group_id = await service.create_group(org.intranet, actor_id=org.people["admin"].id, name="Aarhus lokalt",
                                          description="Alt for Aarhus", kind="topic", visibility="open", unit_id=None)
    for key in ("member", "editor"):
        await service.join(org.intranet, group_id, org.people[key].id)
    page = await org.get("admin", "/esdh/pick?q=ferieplan")
    assert page.status_code == 200
    response = await org.post("admin", "/esdh/references", {"source": "share", "item": "/"})
    snippet = re.search(r"\[\[esdh:[a-z0-9]+\]\]", (await org.get("admin", response.headers["location"])).text)
    assert snippet is not None
    bad = await org.post("admin", "/admin/esdh/groups", {"group": "the group", "title": "Dokumenter",
                                                          "reference": snippet.group(0)})
    assert bad.status_code == 400 and "the group&#39;s number" in bad.text.replace("&#x27;", "&#39;")
    added = await org.post("admin", "/admin/esdh/groups", {"group": f"https://intra.example.org/groups/{group_id}",
                                                            "title": "Fællesdrevet", "reference": snippet.group(0)})
    assert added.status_code == 303

    member = await org.get("member", f"/groups/{group_id}")
    assert member.status_code == 200
    assert "Fællesdrevet" in member.text and "Guides" in member.text and "Ledelse" not in member.text
    admin = await org.get("admin", f"/groups/{group_id}")
    assert "Ledelse" in admin.text
