"""Group pages: sanitised markdown, every version kept, differences shown escaped, restore, order, conflicts."""

from __future__ import annotations

import re

from intranet_workgroups.pages import service
from intranet_workgroups.pages.tables import Page, PageRevision
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation


def page_id_of(location: str) -> int:
    found = re.search(r"/pages/(\d+)$", location)
    assert found is not None, location
    return int(found.group(1))


async def test_history_diff_and_restore(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("District", visibility="closed")
        await org.add(group_id, "bob")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/pages", {
            "title": "Holiday plan", "body": "## Summer\n\n- Alice: week 28\n- Bob: week 30\n"})
        assert answer.status_code == 303
        page_id = page_id_of(answer.headers["location"])
        page = await alice.get(f"/groups/{group_id}/pages/{page_id}", headers=HTML)
        assert "<h2>Summer</h2>" in page.text and "<li>Alice: week 28</li>" in page.text

        bob = await org.client("bob")
        edit = await bob.get(f"/groups/{group_id}/pages/{page_id}/edit", headers=HTML)
        assert 'name="revision" value="1"' in edit.text
        answer = await form_post(bob, f"/groups/{group_id}/pages/{page_id}/edit", {
            "title": "Holiday plan", "revision": "1",
            "body": "## Summer\n\n- Alice: week 28\n- Bob: week 31 <script>alert(1)</script>\n"})
        assert answer.status_code == 303
        history = await bob.get(f"/groups/{group_id}/pages/{page_id}/history", headers=HTML)
        assert "Version 2" in history.text and "Version 1" in history.text and "Bob" in history.text
        diff = await bob.get(f"/groups/{group_id}/pages/{page_id}/history/2", headers=HTML)
        assert diff.status_code == 200
        # The change, line by line, escaped: the script is text.
        assert 'diff-del"><span class="visually-hidden">removed: </span>-- Bob: week 30' in diff.text
        assert "- Bob: week 31 &lt;script&gt;alert(1)&lt;/script&gt;" in diff.text
        assert "<script>alert(1)" not in diff.text
        shown = await bob.get(f"/groups/{group_id}/pages/{page_id}", headers=HTML)
        assert "<script>alert(1)" not in shown.text and "&lt;script&gt;" in shown.text

        # Restore version 1: a new version 3 with the old text; history is never rewritten.
        answer = await form_post(alice, f"/groups/{group_id}/pages/{page_id}/history/1/restore")
        assert answer.status_code == 303
        row = await Page.select(Page.revision, Page.body).where(Page.id == page_id).first().run()
        assert row["revision"] == 3 and "week 30" in row["body"]
        revisions = await PageRevision.select(PageRevision.number, PageRevision.restored_from).where(
            PageRevision.page == page_id
        ).order_by(PageRevision.number).run()
        assert revisions == [{"number": 1, "restored_from": None}, {"number": 2, "restored_from": None},
                             {"number": 3, "restored_from": 1}]
        history = await alice.get(f"/groups/{group_id}/pages/{page_id}/history", headers=HTML)
        assert "restored version 1" in history.text


async def test_a_stale_edit_is_refused_with_the_text_kept(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic")
        page_id = await service.create_page(org.intranet, group_id, author_id=org.people["alice"], title="Guide",
                                            body="First")
        await service.edit_page(org.intranet, group_id, page_id, author_id=org.people["alice"], title="Guide",
                                body="Second", base_revision=1)
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/pages/{page_id}/edit",
                                 {"title": "Guide", "body": "My own words", "revision": "1"})
        assert answer.status_code == 400
        assert "Someone saved the page while you were editing it." in answer.text
        assert "My own words" in answer.text and 'name="revision" value="2"' in answer.text
        assert (await Page.select(Page.body).where(Page.id == page_id).first().run())["body"] == "Second"


async def test_page_form_errors(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/pages", {"title": "", "body": "x"})
        assert answer.status_code == 400 and "Give the page a title." in answer.text
        answer = await form_post(alice, f"/groups/{group_id}/pages", {"title": "Big", "body": "x" * 100_001})
        assert answer.status_code == 400 and "at most 100,000 characters" in answer.text
        answer = await form_post(alice, f"/groups/{group_id}/pages", {"title": "X", "body": "x", "position": "1"})
        assert answer.status_code == 400
        assert await Page.count().run() == 0


async def test_order_and_delete_are_for_admins(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic")
        await org.add(group_id, "bob")
        ids = [await service.create_page(org.intranet, group_id, author_id=org.people["alice"], title=title, body="")
               for title in ("One", "Two", "Three")]
        bob = await org.client("bob")
        assert (await form_post(bob, f"/groups/{group_id}/pages/{ids[2]}/move", {"direction": "up"})).status_code == 403
        assert (await form_post(bob, f"/groups/{group_id}/pages/{ids[0]}/delete")).status_code == 403
        alice = await org.client("alice")
        assert (await form_post(alice, f"/groups/{group_id}/pages/{ids[2]}/move",
                                {"direction": "up"})).status_code == 303
        assert [p["title"] for p in await service.pages_of(group_id)] == ["One", "Three", "Two"]
        assert (await form_post(alice, f"/groups/{group_id}/pages/{ids[0]}/move",
                                {"direction": "up"})).status_code == 303
        assert [p["title"] for p in await service.pages_of(group_id)] == ["One", "Three", "Two"]
        assert (await form_post(alice, f"/groups/{group_id}/pages/{ids[0]}/delete")).status_code == 303
        assert [p["title"] for p in await service.pages_of(group_id)] == ["Three", "Two"]
        assert await PageRevision.count().where(PageRevision.page == ids[0]).run() == 0


async def test_a_page_of_another_group_is_not_found(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        mine = await org.group("Mine")
        secret = await org.group("Secret", by="sam", visibility="secret")
        hidden = await service.create_page(org.intranet, secret, author_id=org.people["sam"], title="Hidden",
                                           body="Not for Alice")
        alice = await org.client("alice")
        for path in (f"/groups/{mine}/pages/{hidden}", f"/groups/{mine}/pages/{hidden}/history",
                     f"/groups/{mine}/pages/{hidden}/history/1", f"/groups/{mine}/pages/{hidden}/edit"):
            assert (await alice.get(path, headers=HTML)).status_code == 404, path
        answer = await form_post(alice, f"/groups/{mine}/pages/{hidden}/edit",
                                 {"title": "Mine now", "body": "x", "revision": "1"})
        assert answer.status_code == 404
        assert (await Page.select(Page.title).where(Page.id == hidden).first().run())["title"] == "Hidden"
