"""Group files: versions, folders, limits of size and type, and downloads only for those who may read the group."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from intranet_workgroups.files.tables import FileVersion, Folder, GroupFile
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation, png_bytes, upload_post

from intranet_core.testing import Mailbox, database_url_for_tests, mail_settings, make_settings
from intranet_core.uploads.tables import Upload

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


def file_id_of(location: str) -> int:
    found = re.search(r"/files/(\d+)$", location)
    assert found is not None, location
    return int(found.group(1))


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    # A small limit, so that "too large" is cheap to try.
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                         uploads={"directory": str(tmp_path / "uploads")}, mail=mail_settings(mailbox),
                         plugins={"workgroups": {"max_file_bytes": 2000}})


async def test_versions_and_downloads(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("District", visibility="closed")
        await org.add(group_id, "bob")
        alice = await org.client("alice")
        answer = await upload_post(alice, f"/groups/{group_id}/files",
                                   {"file": ("ferieplan.txt", b"Uge 28: Alice\n", "text/plain")}, {"note": "First"})
        assert answer.status_code == 303, answer.text[:500]
        file_id = file_id_of(answer.headers["location"])
        bob = await org.client("bob")
        # The same name in the same folder: a new version of the file.
        answer = await upload_post(bob, f"/groups/{group_id}/files",
                                   {"file": ("ferieplan.txt", b"Uge 28: Alice\nUge 30: Bob\n", "text/plain")})
        assert answer.status_code == 303 and file_id_of(answer.headers["location"]) == file_id
        assert await GroupFile.count().run() == 1
        page = await bob.get(f"/groups/{group_id}/files/{file_id}", headers=HTML)
        assert "Version 2" in page.text and "Version 1" in page.text and "First" in page.text
        current = await bob.get(f"/groups/{group_id}/files/{file_id}/download")
        assert current.status_code == 200 and current.content == b"Uge 28: Alice\nUge 30: Bob\n"
        assert current.headers["content-type"].startswith("text/plain")
        assert current.headers["content-disposition"].startswith("attachment;")
        assert current.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in current.headers["content-security-policy"]
        assert current.headers["cache-control"] == "private, no-cache"
        first = await bob.get(f"/groups/{group_id}/files/{file_id}/versions/1/download")
        assert first.content == b"Uge 28: Alice\n"
        assert (await bob.get(f"/groups/{group_id}/files/{file_id}/versions/3/download")).status_code == 404
        listing = await bob.get(f"/groups/{group_id}/files", headers=HTML)
        assert "ferieplan.txt" in listing.text and "version 2" in listing.text
        # An explicit new version, from the file's page.
        answer = await upload_post(bob, f"/groups/{group_id}/files/{file_id}/versions",
                                   {"file": ("plan-v3.txt", b"Third\n", "text/plain")}, {"note": "Week 31"})
        assert answer.status_code == 303
        assert (await bob.get(f"/groups/{group_id}/files/{file_id}/download")).content == b"Third\n"


async def test_downloads_follow_who_may_read_the_group(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        closed = await org.group("Closed", visibility="closed")
        secret = await org.group("Secret", visibility="secret")
        open_group = await org.group("Open", visibility="open")
        await org.add(closed, "frank")
        alice = await org.client("alice")
        urls = {}
        for group_id in (closed, secret, open_group):
            answer = await upload_post(alice, f"/groups/{group_id}/files", {"file": ("a.txt", b"hello", "text/plain")})
            file_id = file_id_of(answer.headers["location"])
            urls[group_id] = [f"/groups/{group_id}/files/{file_id}", f"/groups/{group_id}/files/{file_id}/download",
                              f"/groups/{group_id}/files/{file_id}/versions/1/download"]
        carol = await org.client("carol")
        for url in urls[closed] + urls[secret]:
            assert (await carol.get(url, headers=HTML)).status_code == 404, url
        for url in urls[open_group]:
            assert (await carol.get(url, headers=HTML)).status_code == 200, url
        # A file id under another group's path is not found.
        other = urls[secret][1].replace(f"/groups/{secret}/", f"/groups/{open_group}/")
        assert (await carol.get(other)).status_code == 404
        # A former member asks again for what they had: 404.
        frank = await org.client("frank")
        assert (await frank.get(urls[closed][1])).status_code == 200
        await form_post(alice, f"/groups/{closed}/members/{org.people['frank']}/remove")
        for url in urls[closed]:
            assert (await frank.get(url, headers=HTML)).status_code == 404, url
        anonymous = await org.client("anonymous")
        assert (await anonymous.get(urls[open_group][1])).status_code in (302, 303, 401)


async def test_size_and_type_limits(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic")
        alice = await org.client("alice")
        cases = [
            (("big.txt", b"x" * 2001, "text/plain"), "too large"),
            (("evil.svg", SVG, "image/svg+xml"), "not allowed"),
            (("report.pdf", png_bytes(), "application/pdf"), "does not match"),
            (("empty.txt", b"", "text/plain"), "is empty"),
        ]
        for file, words in cases:
            answer = await upload_post(alice, f"/groups/{group_id}/files", {"file": file})
            assert answer.status_code == 400, file[0]
            assert words in answer.text, file[0]
        answer = await upload_post(alice, f"/groups/{group_id}/files", {"file": ("", b"", "text/plain")})
        assert answer.status_code == 400 and "Choose a file." in answer.text
        assert await GroupFile.count().run() == 0 and await FileVersion.count().run() == 0
        assert await Upload.count().run() == 0


async def test_folders(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic")
        await org.add(group_id, "bob")
        bob = await org.client("bob")
        answer = await form_post(bob, f"/groups/{group_id}/folders", {"name": "Guides"})
        assert answer.status_code == 303
        folder = int(answer.headers["location"].rsplit("=", 1)[1])
        answer = await form_post(bob, f"/groups/{group_id}/folders", {"name": "Guides"})
        assert answer.status_code == 400 and "already a folder of that name" in answer.text
        answer = await form_post(bob, f"/groups/{group_id}/folders", {"name": "Old", "parent": str(folder)})
        sub = int(answer.headers["location"].rsplit("=", 1)[1])
        answer = await upload_post(bob, f"/groups/{group_id}/files", {"file": ("guide.txt", b"Read me", "text/plain")},
                                   {"folder": str(folder)})
        file_id = file_id_of(answer.headers["location"])
        listing = await bob.get(f"/groups/{group_id}/files?folder={folder}", headers=HTML)
        assert "guide.txt" in listing.text and "Old" in listing.text
        assert "guide.txt" not in (await bob.get(f"/groups/{group_id}/files", headers=HTML)).text
        # The same name elsewhere is another file.
        await upload_post(bob, f"/groups/{group_id}/files", {"file": ("guide.txt", b"Other", "text/plain")})
        assert await GroupFile.count().run() == 2
        alice = await org.client("alice")
        assert (await form_post(alice, f"/groups/{group_id}/folders/{folder}/delete")).status_code == 400
        # Members delete what they brought; the admin deletes anything.
        carol_file = await upload_post(alice, f"/groups/{group_id}/files", {"file": ("admin.txt", b"A", "text/plain")})
        admins = file_id_of(carol_file.headers["location"])
        assert (await form_post(bob, f"/groups/{group_id}/files/{admins}/delete")).status_code == 403
        assert (await form_post(bob, f"/groups/{group_id}/files/{file_id}/delete")).status_code == 303
        assert (await form_post(alice, f"/groups/{group_id}/folders/{sub}/delete")).status_code == 303
        assert (await form_post(alice, f"/groups/{group_id}/folders/{folder}/delete")).status_code == 303
        assert await Folder.count().run() == 0
        # A foreign folder id is not found.
        assert (await bob.get(f"/groups/{group_id}/files?folder={folder}", headers=HTML)).status_code == 404


async def test_group_picture(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Board", visibility="secret")
        alice = await org.client("alice")
        answer = await upload_post(alice, f"/groups/{group_id}/image", {"image": ("logo.txt", b"text", "text/plain")})
        assert answer.status_code == 400 and "not allowed" in answer.text
        answer = await upload_post(alice, f"/groups/{group_id}/image",
                                   {"image": ("logo.png", png_bytes(), "image/png")})
        assert answer.status_code == 303
        picture = await alice.get(f"/groups/{group_id}/image")
        assert picture.status_code == 200 and picture.headers["content-type"] == "image/png"
        assert picture.headers["content-disposition"].startswith("inline;")
        assert f'src="/groups/{group_id}/image"' in (await alice.get(f"/groups/{group_id}", headers=HTML)).text
        carol = await org.client("carol")
        assert (await carol.get(f"/groups/{group_id}/image")).status_code == 404
        answer = await upload_post(alice, f"/groups/{group_id}/image",
                                   {"image": ("logo.png", png_bytes(3, 3), "image/png")})
        assert answer.status_code == 303
        assert await Upload.count().run() == 1
        assert (await form_post(alice, f"/groups/{group_id}/image", {"remove": "1"})).status_code == 303
        assert (await alice.get(f"/groups/{group_id}/image")).status_code == 404
        assert await Upload.count().run() == 0


async def test_files_are_found_by_those_who_may_read_them(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        secret = await org.group("Board", visibility="secret")
        alice = await org.client("alice")
        answer = await upload_post(alice, f"/groups/{secret}/files", {"file": ("budgetplan.txt", b"x", "text/plain")})
        file_id = file_id_of(answer.headers["location"])
        assert f"/groups/{secret}/files/{file_id}" in (await alice.get("/search?q=budgetplan", headers=HTML)).text
        carol = await org.client("carol")
        assert f"/groups/{secret}/files/{file_id}" not in (await carol.get("/search?q=budgetplan", headers=HTML)).text
