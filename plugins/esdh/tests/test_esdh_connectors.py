"""The shipped connectors against real peers: wsgidav, a mounted directory, and the WorkZone-style OData server."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from conftest import share_source, webdav_source, workzone_source
from esdh_servers import ODataServer, WebDAVServer
from intranet_esdh.connectors import Download, Item, Link, SourceError, Viewer
from intranet_esdh.connectors.fileshare import FileShare, FileShareSettings
from intranet_esdh.connectors.webdav import WebDAV, WebDAVSettings
from intranet_esdh.connectors.workzone import WorkZone, WorkZoneSettings
from intranet_esdh.outbound import Outbound

MEMBER = Viewer(person_id=2, email="member@example.org", keys=("all", "unit:3"))
ADMIN = Viewer(person_id=1, email="admin@example.org", keys=("all", "role:admin"))
EDITOR = Viewer(person_id=3, email="editor@example.org", keys=("all", "unit:3", "role:editor"))


@pytest.fixture
async def outbound() -> AsyncIterator[Outbound]:
    client = Outbound()
    yield client
    await client.aclose()


def dav(server: WebDAVServer, outbound: Outbound, **extra: Any) -> WebDAV:
    return WebDAV("docs", msgspec.convert(webdav_source(server, **extra), WebDAVSettings), outbound)


def wz(server: ODataServer, outbound: Outbound, **extra: Any) -> WorkZone:
    return WorkZone("wz", msgspec.convert(workzone_source(server, **extra), WorkZoneSettings), outbound)


async def read_all(download: Download) -> bytes:
    assert download.chunks is not None
    return b"".join([chunk async for chunk in download.chunks])


# --- WebDAV -----------------------------------------------------------------------------------


async def test_webdav_lists_folders_and_reads_properties(webdav: WebDAVServer, outbound: Outbound) -> None:
    connector = dav(webdav, outbound)
    root = await connector.children("/", MEMBER)
    assert [(i.kind, i.title) for i in root] == [("folder", "Guides"), ("folder", "Ledelse")]
    guides = await connector.children("/Guides", MEMBER)
    assert [i.id for i in guides] == ["/Guides/Ferieplan 2027.docx", "/Guides/Vagtplan jul.pdf"]
    plan = await connector.metadata("/Guides/Ferieplan 2027.docx", MEMBER)
    assert plan is not None and plan.kind == "document" and plan.title == "Ferieplan 2027.docx"
    assert plan.size == len(b"PK\x03\x04 ferieplan") and plan.modified is not None
    assert await connector.metadata("/Guides/Nothing here.docx", MEMBER) is None


async def test_webdav_decides_who_may_read_from_the_access_rules(webdav: WebDAVServer, outbound: Outbound) -> None:
    connector = dav(webdav, outbound)
    budget = await connector.metadata("/Ledelse/Budget 2027 hemmeligt.xlsx", MEMBER)
    plan = await connector.metadata("/Guides/Ferieplan 2027.docx", MEMBER)
    assert budget is not None and plan is not None
    assert await connector.may_read([budget, plan], MEMBER) == {plan.id}
    assert await connector.may_read([budget, plan], ADMIN) == {plan.id, budget.id}


async def test_webdav_search_finds_names_in_readable_folders_only(webdav: WebDAVServer, outbound: Outbound) -> None:
    connector = dav(webdav, outbound)
    assert [i.title for i in await connector.search("ferieplan", MEMBER, 10)] == ["Ferieplan 2027.docx"]
    assert await connector.search("budget", MEMBER, 10) == []
    assert [i.title for i in await connector.search("budget 2027", ADMIN, 10)] == ["Budget 2027 hemmeligt.xlsx"]


async def test_webdav_streams_a_document_or_links_to_it(webdav: WebDAVServer, outbound: Outbound) -> None:
    opened = await dav(webdav, outbound).open("/Guides/Vagtplan jul.pdf", MEMBER)
    assert isinstance(opened, Download) and opened.filename == "Vagtplan jul.pdf"
    assert await read_all(opened) == b"%PDF-1.4 vagtplan"
    linked = await dav(webdav, outbound, open_url="https://files.example.org/dav").open("/Guides/Vagtplan jul.pdf",
                                                                                      MEMBER)
    assert linked == Link("https://files.example.org/dav/Guides/Vagtplan%20jul.pdf")


async def test_webdav_with_a_wrong_password_or_without_it_is_an_error(
    webdav: WebDAVServer, outbound: Outbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESDH_TEST_DAV_PASSWORD", "wrong")
    with pytest.raises(SourceError, match="refused"):
        await dav(webdav, outbound).children("/", MEMBER)
    monkeypatch.delenv("ESDH_TEST_DAV_PASSWORD")
    with pytest.raises(SourceError, match="ESDH_TEST_DAV_PASSWORD is not set"):
        await dav(webdav, outbound).children("/", MEMBER)


async def test_a_webdav_server_that_is_down_is_an_error(webdav: WebDAVServer, outbound: Outbound) -> None:
    connector = dav(webdav, outbound)
    webdav.stop()
    with pytest.raises(SourceError):
        await connector.children("/", MEMBER)


# --- the file share ---------------------------------------------------------------------------


def fileshare(path: Path, **extra: Any) -> FileShare:
    return FileShare("share", msgspec.convert(share_source(path, **extra), FileShareSettings), Outbound())


async def test_the_file_share_lists_and_streams_read_only(share: Path) -> None:
    connector = fileshare(share)
    assert [i.title for i in await connector.children("/", MEMBER)] == ["Guides", "Ledelse"]
    plan = await connector.metadata("/Guides/Ferieplan 2027.docx", MEMBER)
    assert plan is not None and plan.size == len(b"PK\x03\x04 ferieplan")
    opened = await connector.open("/Guides/Ferieplan 2027.docx", MEMBER)
    assert isinstance(opened, Download) and opened.path == share / "Guides" / "Ferieplan 2027.docx"
    found = await connector.search("2027", MEMBER, 10)
    assert [i.title for i in found] == ["Ferieplan 2027.docx"]
    assert {i.title for i in await connector.search("2027", ADMIN, 10)} == {"Ferieplan 2027.docx",
                                                                            "Budget 2027 hemmeligt.xlsx"}


async def test_the_file_share_never_leaves_its_directory(share: Path, tmp_path: Path) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("secret")
    (share / "Guides" / "link-out").symlink_to(secret)
    (share / "Guides" / "link-dir").symlink_to(tmp_path)
    connector = fileshare(share)
    for item_id in ["/../outside.txt", "/Guides/../../outside.txt", "/Guides/link-out", "/Guides/link-dir/outside.txt",
                    "/.skjult", "/Guides/\x00x", "/Guides/./Ferieplan 2027.docx"]:
        assert await connector.metadata(item_id, ADMIN) is None, item_id
        with pytest.raises(SourceError):
            await connector.open(item_id, ADMIN)
    names = [i.title for i in await connector.children("/Guides", ADMIN)]
    assert "link-out" not in names and "link-dir" not in names
    assert ".skjult" not in [i.title for i in await connector.children("/", ADMIN)]


async def test_an_unmounted_share_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not mounted"):
        await fileshare(tmp_path / "not-mounted").children("/", MEMBER)


# --- WorkZone OData ---------------------------------------------------------------------------


async def test_workzone_lists_a_case_as_the_viewer(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    case = await connector.metadata("file:67453", MEMBER)
    assert case is not None and case.kind == "case" and case.number == "2026/41-765"
    documents = await connector.children("file:67453", MEMBER)
    # member@example.org is "member" to WorkZone and may not read the salary negotiation.
    assert [d.title for d in documents] == ["Vagtplan for juleferien", "Ferieplan 2027"]
    assert documents[0].version == "3" and documents[0].number == "2026/41-765-2"
    assert documents[0].author == "Mette Nørgaard" and documents[0].modified is not None
    assert [d.title for d in await connector.children("file:67453", EDITOR)] == [
        "Vagtplan for juleferien", "Ferieplan 2027", "Lønforhandling Jens Hansen"]
    assert connector.per_viewer is True

    request = next(r for r in odata.state.requests if r["path"] == "/odata/Records")
    assert request["headers"]["onbehalfof"] == "User=member"
    assert request["headers"]["authorization"].startswith("Bearer ")
    assert request["headers"]["uselog-application"] == "intranet-esdh"
    assert "%24filter=File+eq+%2767453%27" in request["query"] or "$filter=File eq '67453'" in request["query"]
    assert "%24expand=Document" in request["query"] or "$expand=Document" in request["query"]
    # One token for every question, obtained by client credentials.
    assert odata.state.token_requests == 1


async def test_workzone_searches_records_and_files_with_contains(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    found = await connector.search("ferieplan", MEMBER, 10)
    assert {(i.kind, i.title) for i in found} == {("case", "Ferieplanlægning Aarhus 2027"),
                                                   ("document", "Ferieplan 2027")}
    assert await connector.search("lønforhandling", MEMBER, 10) == []
    paths = {r["path"] for r in odata.state.requests if "contains=" in r["query"]}
    assert paths == {"/odata/Files", "/odata/Records"}
    # Documents are looked up as Records, never through the Documents entity set.
    assert not any(r["path"].startswith("/odata/Documents") for r in odata.state.requests)


async def test_workzone_sees_a_new_version(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    before = await connector.metadata("record:900", MEMBER)
    odata.state.records["900"].version = "2"
    after = await connector.metadata("record:900", MEMBER)
    assert before is not None and after is not None and (before.version, after.version) == ("1", "2")


async def test_workzone_without_on_behalf_of_shows_only_public_permissions(
    odata: ODataServer, outbound: Outbound
) -> None:
    connector = wz(odata, outbound, on_behalf_of=False, public_read_permissions=["Alle"])
    documents = await connector.children("file:67453", MEMBER)
    assert len(documents) == 3  # the integration account sees everything...
    readable = await connector.may_read(documents, MEMBER)
    assert {d.title for d in documents if d.id in readable} == {"Vagtplan for juleferien", "Ferieplan 2027"}
    assert "onbehalfof" not in odata.state.requests[-1]["headers"]
    nobody = wz(odata, outbound, on_behalf_of=False)
    assert await nobody.may_read(documents, ADMIN) == set()


async def test_workzone_downloads_through_records_document_value(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    opened = await connector.open("record:900", MEMBER)
    assert isinstance(opened, Download) and await read_all(opened) == b"%PDF-1.4 test document\n"
    assert any(r["path"] == "/odata/Records('900')/Document/$value" for r in odata.state.requests)
    linked = await wz(odata, outbound, client_url="https://wz.example.org/client/#/{kind}/{id}").open(
        "file:67453", MEMBER)
    assert linked == Link("https://wz.example.org/client/#/file/67453")
    with pytest.raises(SourceError):
        await connector.open("record:902", MEMBER)


async def test_workzone_renews_a_rejected_token(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    await connector.metadata("record:900", MEMBER)
    odata.state.tokens.clear()  # the server forgot every token
    assert await connector.metadata("record:900", MEMBER) is not None
    assert odata.state.token_requests == 2


async def test_workzone_ids_cannot_inject_into_filters(odata: ODataServer, outbound: Outbound) -> None:
    connector = wz(odata, outbound)
    for item_id in ["record:900' or ID ne '", "file:1 or 1", "record:", "folder:900", "record:" + "9" * 65]:
        assert await connector.metadata(item_id, MEMBER) is None
        assert await connector.children(item_id, MEMBER) == []
    assert not any("or" in r["query"].split("%24filter")[-1] for r in odata.state.requests if r["query"])


async def test_workzone_token_errors_and_a_missing_secret(
    odata: ODataServer, outbound: Outbound, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ESDH_TEST_WZ_SECRET", "not-the-secret")
    with pytest.raises(SourceError, match="token endpoint answered 401"):
        await wz(odata, outbound).metadata("record:900", MEMBER)
    monkeypatch.delenv("ESDH_TEST_WZ_SECRET")
    with pytest.raises(SourceError, match="ESDH_TEST_WZ_SECRET is not set"):
        await wz(odata, outbound).metadata("record:900", MEMBER)


@pytest.mark.parametrize("trouble", ["garbage", "down", "slow"])
async def test_workzone_that_misbehaves_is_an_error(odata: ODataServer, outbound: Outbound, trouble: str) -> None:
    connector = wz(odata, outbound, timeout_seconds=0.5)
    if trouble == "garbage":
        await connector.metadata("record:900", MEMBER)  # a token first, then garbage
        odata.state.garbage = True
    elif trouble == "down":
        odata.stop()
    else:
        odata.state.delay = 2.0
    with pytest.raises(SourceError):
        await connector.children("file:67453", MEMBER)


async def test_secrets_never_reach_the_log(
    odata: ODataServer, webdav: WebDAVServer, outbound: Outbound, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("DEBUG")
    await wz(odata, outbound).children("file:67453", MEMBER)
    await dav(webdav, outbound).children("/", MEMBER)
    odata.state.garbage = True
    with pytest.raises(SourceError) as raised:
        await wz(odata, outbound).children("file:67453", MEMBER)
    token = next(iter(odata.state.tokens))
    for secret in (os.environ["ESDH_TEST_WZ_SECRET"], token, WebDAVServer.PASSWORD):
        assert secret not in caplog.text
        assert secret not in str(raised.value)


def test_items_are_plain_data() -> None:
    item = Item(id="/x", kind="document", title="X")
    assert msgspec.json.decode(msgspec.json.encode(item), type=Item) == item
