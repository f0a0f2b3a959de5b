"""Live embeds in feed posts and on the front page, through the real WebDAV and OData servers.

The story of the issue: an editor embeds a WorkZone case's documents in a
district post; a member sees them live; a new version shows after the cache
time; a document the member may not read is left out; a source that stops
leaves the last known data, marked, and the page whole.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from conftest import share_source, webdav_source, workzone_source
from esdh_helpers import Org, organisation
from esdh_servers import ODataServer, WebDAVServer
from intranet_esdh.sources import sources_of
from intranet_esdh.tables import Reference
from litestar import Litestar

from intranet_core.feed.tables import Post


@pytest.fixture
def esdh_settings(webdav: WebDAVServer, odata: ODataServer, share: Path) -> dict[str, Any]:
    return {"cache_seconds": 60, "embed_timeout_seconds": 3.0, "search_timeout_seconds": 3.0, "sources": {
        "docs": webdav_source(webdav), "wz": workzone_source(odata), "share": share_source(share)}}


@pytest.fixture
async def org(intranet_app: Litestar, intranet_client: Any) -> AsyncIterator[Org]:
    async with contextlib.AsyncExitStack() as stack:
        yield await organisation(intranet_app, stack)


def age_cache(intranet: Any, seconds: float = 3600) -> None:
    """As if the cache time had passed: every answer kept is older by ``seconds``."""
    cache = sources_of(intranet).cache
    for key, (value, at, wall) in list(cache.entries.items()):
        cache.entries[key] = (value, at - seconds, wall - seconds)
    cache.failed.clear()


async def reference(org: Org, who: str, source: str, item: str) -> str:
    response = await org.post(who, "/esdh/references", {"source": source, "item": item})
    assert response.status_code == 303, response.text
    page = await org.get(who, response.headers["location"])
    found = re.search(r'value="(\[\[esdh:[a-z0-9]+\]\])"', page.text)
    assert found is not None
    return found.group(1)


async def publish(org: Org, who: str, body: str, audience: str) -> int:
    response = await org.post(who, "/posts", {"title": "Ferie i Aarhus", "body": body, "audience": audience})
    assert response.status_code == 303, response.text
    return int(response.headers["location"].rsplit("/", 1)[1])


async def test_an_editor_embeds_a_case_and_members_see_it_live(org: Org, odata: ODataServer) -> None:
    intranet = org.intranet
    picker = await org.get("editor", "/esdh/pick?q=ferieplan")
    assert picker.status_code == 200
    assert "Ferieplanlægning Aarhus 2027" in picker.text and "Ferieplan 2027" in picker.text
    snippet = await reference(org, "editor", "wz", "file:67453")
    assert snippet == await reference(org, "editor", "wz", "file:67453")  # one code per item
    post_id = await publish(org, "editor", f"Her er sagens dokumenter:\n\n{snippet}", f"unit:{org.aarhus}")

    member = await org.get("member", "/")
    assert member.status_code == 200
    assert "Ferieplanlægning Aarhus 2027" in member.text
    assert "Vagtplan for juleferien" in member.text and "Version 3" in member.text
    assert "Ferieplan 2027" in member.text
    # WorkZone says the member may not read it: not a trace of it.
    assert "Lønforhandling" not in member.text
    editor = await org.get("editor", f"/posts/{post_id}")
    assert "Lønforhandling Jens Hansen" in editor.text

    # Nothing of it is stored: the post keeps the reference, the reference keeps the item's id.
    stored = await Post.select(Post.body, Post.body_html).where(Post.id == post_id).first().run()
    assert "Vagtplan" not in stored["body_html"] and "Vagtplan" not in stored["body"]
    assert [sorted(r) for r in await Reference.select(Reference.source, Reference.item).run()] == [
        ["item", "source"]]

    # A new version at the source: shown once the cache time has passed.
    odata.state.records["901"].version = "4"
    assert "Version 3" in (await org.get("member", "/")).text
    age_cache(intranet)
    fresh = await org.get("member", "/")
    assert "Version 4" in fresh.text and "Version 3" not in fresh.text

    # The source stops: the last known data, marked as not current; the page is whole.
    odata.stop()
    age_cache(intranet)
    stale = await org.get("member", "/")
    assert stale.status_code == 200
    assert "Vagtplan for juleferien" in stale.text and "Version 4" in stale.text
    assert "Not current: WorkZone is not answering." in stale.text
    assert "Lønforhandling" not in stale.text


async def test_a_stopped_webdav_server_marks_the_embed_stale(org: Org, webdav: WebDAVServer) -> None:
    snippet = await reference(org, "editor", "docs", "/Guides/Ferieplan 2027.docx")
    post_id = await publish(org, "editor", snippet, f"unit:{org.aarhus}")
    live = await org.get("member", f"/posts/{post_id}")
    assert "Ferieplan 2027.docx" in live.text and "Not current" not in live.text
    webdav.stop()
    age_cache(org.intranet)
    stale = await org.get("member", f"/posts/{post_id}")
    assert stale.status_code == 200
    assert "Ferieplan 2027.docx" in stale.text and "Not current: Dokumentarkivet is not answering." in stale.text
    # A page that never saw it says the source is not answering, and shows no title.
    sources_of(org.intranet).cache.entries.clear()
    unknown = await org.get("odense", "/")  # not in the audience: no post, no embed
    assert "Ferieplan 2027.docx" not in unknown.text
    never = await org.get("member", f"/posts/{post_id}")
    assert never.status_code == 200 and "Ferieplan 2027.docx" not in never.text
    assert "Dokumentarkivet is not answering right now." in never.text


async def test_a_document_the_reader_may_not_read_is_left_out_entirely(org: Org) -> None:
    budget = await reference(org, "admin", "docs", "/Ledelse/Budget 2027 hemmeligt.xlsx")
    management = await reference(org, "admin", "share", "/Ledelse")
    post_id = await publish(org, "admin", f"Budget:\n\n{budget}\n\nMappen:\n\n{management}", "all")
    member = await org.get("member", f"/posts/{post_id}")
    assert member.status_code == 200
    assert "Budget 2027" not in member.text and "Ledelse" not in member.text and "esdh-embed" not in member.text
    admin = await org.get("admin", f"/posts/{post_id}")
    assert "Budget 2027 hemmeligt.xlsx" in admin.text and admin.text.count("esdh-embed\"") + admin.text.count(
        "esdh-embed ") >= 2
    # Nor can the member get a reference to it, open it or browse it.
    assert (await org.post("editor", "/esdh/references", {"source": "docs",
                                                           "item": "/Ledelse/Budget 2027 hemmeligt.xlsx"})
            ).status_code == 404
    assert (await org.get("member", "/esdh/open/docs?item=%2FLedelse%2FBudget%202027%20hemmeligt.xlsx")
            ).status_code == 404
    assert (await org.get("member", "/esdh/browse/share?item=%2FLedelse")).status_code == 404


async def test_a_folder_embed_lists_what_the_reader_may_read(org: Org) -> None:
    root = await reference(org, "admin", "share", "/")
    post_id = await publish(org, "admin", root, "all")
    member = await org.get("member", f"/posts/{post_id}")
    assert "Guides" in member.text and "Ledelse" not in member.text
    admin = await org.get("admin", f"/posts/{post_id}")
    assert "Guides" in admin.text and "Ledelse" in admin.text


@pytest.mark.parametrize("trouble", ["slow", "garbage"])
async def test_a_slow_or_garbled_source_never_breaks_the_page(org: Org, odata: ODataServer, trouble: str) -> None:
    snippet = await reference(org, "editor", "wz", "record:901")
    post_id = await publish(org, "editor", f"Vagtplanen:\n\n{snippet}", f"unit:{org.aarhus}")
    assert "Vagtplan for juleferien" in (await org.get("member", f"/posts/{post_id}")).text
    age_cache(org.intranet)
    if trouble == "slow":
        odata.state.delay = 8.0
    else:
        odata.state.garbage = True
    page = await org.get("member", f"/posts/{post_id}")
    assert page.status_code == 200
    assert "Vagtplan for juleferien" in page.text and "Not current: WorkZone is not answering." in page.text
    odata.state.delay = 0.0


async def test_the_embed_picker_is_for_those_who_may_embed(org: Org) -> None:
    assert (await org.get("member", "/esdh/pick?q=ferieplan")).status_code == 403
    assert (await org.post("member", "/esdh/references", {"source": "wz", "item": "record:900"})).status_code == 403
    assert (await org.get("editor", "/esdh/pick")).status_code == 200
    assert (await org.post("editor", "/esdh/references", {"source": "nowhere", "item": "x"})).status_code == 404
    extra = await org.post("editor", "/esdh/references", {"source": "wz", "item": "record:900", "code": "aaaaaaaa"})
    assert extra.status_code == 400


async def test_a_front_page_box_shows_a_folder_live(org: Org) -> None:
    snippet = await reference(org, "admin", "docs", "/Guides")
    missing = await org.post("admin", "/admin/esdh/boxes", {"title": "", "reference": "[[esdh:nothing00]]"})
    assert missing.status_code == 400 and "Paste a reference" in missing.text
    response = await org.post("admin", "/admin/esdh/boxes", {"title": "Guides for alle", "reference": snippet})
    assert response.status_code == 303
    front = await org.get("member", "/")
    assert "Guides for alle" in front.text and "Vagtplan jul.pdf" in front.text


async def test_opening_documents(org: Org, intranet_app: Litestar) -> None:
    download = await org.get("member", "/esdh/open/docs?item=%2FGuides%2FVagtplan%20jul.pdf")
    assert download.status_code == 200 and download.content == b"%PDF-1.4 vagtplan"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    share = await org.get("member", "/esdh/open/share?item=%2FGuides%2FFerieplan%202027.docx")
    assert share.status_code == 200 and share.content == b"PK\x03\x04 ferieplan"
    record = await org.get("member", "/esdh/open/wz?item=record%3A900")
    assert record.status_code == 200 and record.content == b"%PDF-1.4 test document\n"
    case = await org.get("member", "/esdh/open/wz?item=file%3A67453")
    assert case.status_code == 303 and case.headers["location"].startswith("/esdh/browse/wz?item=")
    browse = await org.get("member", case.headers["location"])
    assert "Vagtplan for juleferien" in browse.text and "Lønforhandling" not in browse.text
    for path in ("/esdh/open/wz?item=record%3A902", "/esdh/open/nowhere?item=x", "/esdh/open/docs?item=%2F..%2Fx",
                 "/esdh/open/share?item=%2F..%2F..%2Fetc%2Fpasswd", "/esdh/open/wz?item=record%3A900%27"):
        assert (await org.get("member", path)).status_code == 404, path


async def test_a_source_that_is_down_when_opening_says_so(org: Org, odata: ODataServer) -> None:
    odata.stop()
    page = await org.get("member", "/esdh/open/wz?item=record%3A900")
    assert page.status_code == 502 and "WorkZone is not answering right now" in page.text
