"""Documents in site search: trimmed to what the searcher may read; a slow source is left out, not waited for."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import share_source, webdav_source, workzone_source
from esdh_helpers import Org, organisation
from esdh_servers import ODataServer, WebDAVServer
from litestar import Litestar


@pytest.fixture
def esdh_settings(webdav: WebDAVServer, odata: ODataServer, share: Path) -> dict[str, Any]:
    return {"search_timeout_seconds": 2.5, "sources": {
        "docs": webdav_source(webdav), "wz": workzone_source(odata), "share": share_source(share)}}


@pytest.fixture
async def org(intranet_app: Litestar, intranet_client: Any) -> AsyncIterator[Org]:
    async with contextlib.AsyncExitStack() as stack:
        yield await organisation(intranet_app, stack)


async def test_search_finds_documents_the_searcher_may_read(org: Org) -> None:
    page = await org.get("member", "/search?q=ferieplan")
    assert page.status_code == 200
    assert "Documents" in page.text
    assert "/esdh/open/wz?item=file%3A67453" in page.text  # the WorkZone case
    assert "/esdh/open/wz?item=record%3A900" in page.text  # and its document
    assert "/esdh/open/docs?item=%2FGuides%2FFerieplan%202027.docx" in page.text  # WebDAV
    assert "/esdh/open/share?item=%2FGuides%2FFerieplan%202027.docx" in page.text  # the file share
    hidden = await org.get("member", "/search?q=budget")
    assert "Budget 2027" not in hidden.text
    assert "2027 hemmeligt.xlsx" in (await org.get("admin", "/search?q=budget")).text
    assert "record%3A902" not in (await org.get("member", "/search?q=lønforhandling")).text
    assert "record%3A902" in (await org.get("editor", "/search?q=lønforhandling")).text


async def test_one_kind_of_result_shows_documents_only(org: Org) -> None:
    page = await org.get("member", "/search?q=vagtplan&kind=documents")
    assert page.status_code == 200 and "for juleferien" in page.text


async def test_a_slow_source_is_left_out_of_search(org: Org, odata: ODataServer) -> None:
    odata.state.delay = 6.0
    page = await org.get("member", "/search?q=ferieplan")
    assert page.status_code == 200
    assert "/esdh/open/wz" not in page.text  # WorkZone did not answer in time
    assert "/esdh/open/docs?item=%2FGuides%2FFerieplan%202027.docx" in page.text  # the others did
    odata.state.delay = 0.0


async def test_a_broken_source_is_left_out_of_search(org: Org, odata: ODataServer, webdav: WebDAVServer) -> None:
    odata.state.garbage = True
    webdav.stop()
    page = await org.get("member", "/search?q=ferieplan")
    assert page.status_code == 200
    assert "/esdh/open/share?item=%2FGuides%2FFerieplan%202027.docx" in page.text
    assert "/esdh/open/wz" not in page.text and "/esdh/open/docs" not in page.text
