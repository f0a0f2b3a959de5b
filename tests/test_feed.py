"""Posts: visibility, editing, soft deletion and restoring, important notices, and a feed page's cost.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
Notices and search updates are observed by wrapping the services the feed
calls (the calls go through to the real services); the database is real.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from intranet_core import hookimpl
from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password
from intranet_core.feed import service
from intranet_core.feed.tables import Post
from intranet_core.notifications import service as notifications
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import create_person, create_unit, set_active
from intranet_core.search import service as search
from intranet_core.testing import TEST_PASSWORD, csrf_token_of, http_client, make_settings, sign_in

HTML = {"accept": "text/html", "accept-language": "en"}
_PASSWORD_HASH = hash_password(TEST_PASSWORD)


@dataclass
class Calls:
    """What the feed asked of the notification and search services."""

    notices: list[dict[str, Any]] = field(default_factory=list)
    indexed: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)

    def notices_of(self, kind: str) -> list[dict[str, Any]]:
        return [n for n in self.notices if n["kind"] == kind]

    def recipients(self, kind: str) -> set[int]:
        return {r for n in self.notices_of(kind) for r in n["recipients"]}


@pytest.fixture(name="calls")
def calls_fixture(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Record the calls, then let them through to the real services."""
    seen = Calls()
    real_notify, real_index, real_remove = notifications.notify, search.index_document, search.remove_document

    async def notify(intranet: Any, **kwargs: Any) -> None:
        # Words written per language are recorded as the site's language writes them.
        language = intranet.settings.site.default_language
        seen.notices.append({k: notifications.in_language(language, v) if callable(v) else v
                             for k, v in kwargs.items()})
        await real_notify(intranet, **kwargs)

    async def index_document(**kwargs: Any) -> None:
        seen.indexed.append({**kwargs, "in_transaction": Post._meta.db.current_transaction.get() is not None})
        await real_index(**kwargs)

    async def remove_document(**kwargs: Any) -> None:
        seen.removed.append({**kwargs, "in_transaction": Post._meta.db.current_transaction.get() is not None})
        await real_remove(**kwargs)

    monkeypatch.setattr(notifications, "notify", notify)
    monkeypatch.setattr(search, "index_document", index_document)
    monkeypatch.setattr(search, "remove_document", remove_document)
    return seen


@dataclass
class Site:
    """An organisation with two districts (each with a team), and people signed in on their own clients."""

    app: Litestar
    stack: contextlib.AsyncExitStack
    org: int = 0
    north: int = 0
    north_team: int = 0
    south: int = 0
    people: dict[str, PersonInfo] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def intranet(self) -> Any:
        return self.app.state.intranet

    async def person(self, key: str, unit: int | None, *, roles: tuple[tuple[str, int | None], ...] = (),
                     name: str | None = None, email: str | None = None) -> PersonInfo:
        """A person in ``unit``, signed in on a client of their own (``site.clients[key]``)."""
        email = email or f"{key}@example.org"
        await create_person(self.intranet, actor_id=None, fields={"email": email, "name": name or key.title()},
                            password_hash=_PASSWORD_HASH, unit_id=unit)
        client = await self.stack.enter_async_context(
            http_client(self.app)
        )
        person = await sign_in(client, self.app, email, roles=roles)
        self.people[key] = person
        self.clients[key] = client
        self.tokens[key] = csrf_token_of((await client.get("/", headers=HTML)).text)
        return person

    async def get(self, key: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.clients[key].get(path, headers=HTML, **kwargs)

    async def post(self, key: str, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
        return await self.clients[key].post(path, data={**(data or {}), "_csrf_token": self.tokens[key]},
                                            headers=HTML)

    async def publish(self, key: str, body: str, *, audience: list[str], title: str = "",
                      **extra: Any) -> int:
        return await service.create_post(self.intranet, author_id=self.people[key].id, title=title, body=body,
                                         audience=audience, **extra)


@pytest.fixture(name="site")
async def site_fixture(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> AsyncIterator[Site]:
    """Head office with the north district (and its team) and the south district.

    ``ann`` (north, editor there), ``bob`` (north team), ``cat`` (south) and
    ``dan`` (no unit) are signed in.
    """
    intranet = intranet_app.state.intranet
    async with contextlib.AsyncExitStack() as stack:
        s = Site(intranet_app, stack)
        s.org = await create_unit(intranet, name="Head office", kind="organisation", parent_id=None, actor_id=None)
        s.north = await create_unit(intranet, name="North", kind="district", parent_id=s.org, actor_id=None)
        s.north_team = await create_unit(intranet, name="North team", kind="team", parent_id=s.north,
                                         actor_id=None)
        s.south = await create_unit(intranet, name="South", kind="district", parent_id=s.org, actor_id=None)
        await s.person("ann", s.north, roles=(("editor", s.north),), name="Ann Andersen")
        await s.person("bob", s.north_team, name="Bob Berg")
        await s.person("cat", s.south, name="Cat Christensen")
        await s.person("dan", None, name="Dan Dahl")
        yield s


def unit(unit_id: int) -> str:
    return f"unit:{unit_id}"


def post_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="post-(\d+)"', page)]


async def audit_actions(target_id: int, target_type: str = "post") -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).where(
        (AuditEntry.target_type == target_type) & (AuditEntry.target_id == str(target_id))
    ).order_by(AuditEntry.id).run()
    return [r["action"] for r in rows]


# --- visibility ------------------------------------------------------------------------


async def test_a_post_is_seen_by_its_audience_only(site: Site) -> None:
    post_id = await site.publish("ann", "District meeting on Thursday.", audience=[unit(site.north)])
    for key in ("ann", "bob"):
        assert post_id in post_ids((await site.get(key, "/")).text)
        assert (await site.get(key, f"/posts/{post_id}")).status_code == 200
    for key in ("cat", "dan"):
        assert post_id not in post_ids((await site.get(key, "/")).text)
        assert (await site.get(key, f"/posts/{post_id}")).status_code == 404


async def test_posting_through_the_composer_indexes_the_post_in_the_same_transaction(
    site: Site, calls: Calls
) -> None:
    response = await site.post("ann", "/posts", {"title": "Hello", "body": "First **post**",
                                                  "audience": unit(site.north)})
    assert response.status_code == 303
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    [indexed] = calls.indexed
    assert indexed["kind"] == "post" and indexed["ref_id"] == post_id
    assert indexed["audience"] == [unit(site.north)] and indexed["url"] == f"/posts/{post_id}"
    assert indexed["body"] == "First post" and indexed["in_transaction"]


# --- editing -------------------------------------------------------------------------


async def test_the_author_edits_a_post_and_it_is_marked_edited(site: Site, calls: Calls) -> None:
    post_id = await site.publish("bob", "Fist draft", audience=[unit(site.north_team)], title="Draft")
    page = await site.get("bob", f"/posts/{post_id}")
    assert 'class="edited"' not in page.text
    assert (await site.get("bob", f"/posts/{post_id}/edit")).status_code == 200

    response = await site.post("bob", f"/posts/{post_id}/edit", {"title": "Final", "body": "First draft"})
    assert response.status_code == 303
    row = await Post.select(Post.title, Post.body, Post.edited_at).where(Post.id == post_id).first().run()
    assert row is not None
    assert (row["title"], row["body"]) == ("Final", "First draft") and row["edited_at"] is not None
    page = await site.get("bob", f"/posts/{post_id}")
    assert 'class="edited"' in page.text and "First draft" in page.text
    assert "feed.post_edit" in await audit_actions(post_id)
    assert calls.indexed[-1]["ref_id"] == post_id and calls.indexed[-1]["title"] == "Final"


async def test_who_may_edit_a_post(site: Site) -> None:
    post_id = await site.publish("bob", "Team news", audience=[unit(site.north_team)])
    south_editor = await site.person("sue", site.south, roles=(("editor", site.south),))
    assert south_editor
    # Another reader: refused; a moderator of the post's units (ann, editor for north): allowed.
    assert (await site.get("ann", f"/posts/{post_id}/edit")).status_code == 200
    # ann is not in the team but holds feed.moderate over it; bob's team-mate would not.
    await site.person("tim", site.north_team)
    assert (await site.get("tim", f"/posts/{post_id}/edit")).status_code == 403
    assert (await site.post("tim", f"/posts/{post_id}/edit", {"body": "mine now"})).status_code == 403
    assert (await site.post("tim", f"/posts/{post_id}/delete")).status_code == 403
    # An editor elsewhere does not even see it.
    assert (await site.post("sue", f"/posts/{post_id}/edit", {"body": "x"})).status_code == 404
    assert (await site.post("ann", f"/posts/{post_id}/edit", {"body": "Edited by the editor"})).status_code == 303
    row = await Post.select(Post.body).where(Post.id == post_id).first().run()
    assert row is not None and row["body"] == "Edited by the editor"


async def test_a_unit_moderator_may_not_edit_a_post_to_everyone(site: Site) -> None:
    admin = await site.person("adm", None, roles=(("admin", None),))
    post_id = await site.publish("adm", "For everyone", audience=["all"])
    assert admin
    assert (await site.get("ann", f"/posts/{post_id}")).status_code == 200
    assert (await site.get("ann", f"/posts/{post_id}/edit")).status_code == 403


async def test_an_edit_with_an_unknown_field_is_refused(site: Site) -> None:
    post_id = await site.publish("bob", "Mine", audience=[unit(site.north)])
    response = await site.post("bob", f"/posts/{post_id}/edit", {"body": "x", "author": str(site.people["cat"].id)})
    assert response.status_code == 400
    row = await Post.select(Post.body, Post.author).where(Post.id == post_id).first().run()
    assert row == {"body": "Mine", "author": site.people["bob"].id}


async def test_an_empty_edit_is_refused_with_the_form_again(site: Site) -> None:
    post_id = await site.publish("bob", "Mine", audience=[unit(site.north)])
    response = await site.post("bob", f"/posts/{post_id}/edit", {"title": "t", "body": "  "})
    assert response.status_code == 400
    assert "Write something in the post." in response.text


# --- deleting and restoring ----------------------------------------------------------------


async def test_a_deleted_post_is_gone_everywhere(site: Site, calls: Calls) -> None:
    post_id = await site.publish("bob", "Oops", audience=[unit(site.north)])
    other = await site.publish("bob", "Still here", audience=[unit(site.north)])
    assert (await site.post("bob", f"/posts/{post_id}/delete")).status_code == 303
    assert calls.removed == [{"kind": "post", "ref_id": post_id, "in_transaction": True}]
    for key in ("ann", "bob"):
        feed = post_ids((await site.get(key, "/")).text)
        assert post_id not in feed and other in feed
        for path in (f"/posts/{post_id}", f"/posts/{post_id}/comments", f"/posts/{post_id}/reactions",
                     f"/posts/{post_id}/edit", f"/posts/{post_id}/reach"):
            assert (await site.get(key, path)).status_code == 404, path
        assert (await site.post(key, f"/posts/{post_id}/comments", {"body": "hi"})).status_code == 404
        assert (await site.post(key, f"/posts/{post_id}/reactions", {"kind": "like"})).status_code == 404
    assert (await site.post("bob", f"/posts/{post_id}/delete")).status_code == 404
    assert await audit_actions(post_id) == ["feed.post_create", "feed.post_delete"]


async def test_only_an_administrator_lists_and_restores_deleted_posts(site: Site, calls: Calls) -> None:
    await site.person("adm", None, roles=(("admin", None),))
    post_id = await site.publish("bob", "Restore me", audience=[unit(site.north)], title="Lost")
    await site.post("bob", f"/posts/{post_id}/delete")
    # A unit editor moderates, but does not restore.
    assert (await site.get("ann", "/posts/deleted")).status_code == 403
    assert (await site.post("ann", f"/posts/{post_id}/restore")).status_code == 403
    page = await site.get("adm", "/posts/deleted")
    assert page.status_code == 200 and "Lost" in page.text and f'action="/posts/{post_id}/restore"' in page.text
    assert 'href="/posts/deleted"' in (await site.get("adm", "/")).text

    assert (await site.post("adm", f"/posts/{post_id}/restore")).status_code == 303
    assert post_id in post_ids((await site.get("bob", "/")).text)
    assert (await site.get("bob", f"/posts/{post_id}")).status_code == 200
    assert "Lost" not in (await site.get("adm", "/posts/deleted")).text
    assert await audit_actions(post_id) == ["feed.post_create", "feed.post_delete", "feed.post_restore"]
    assert calls.indexed[-1]["ref_id"] == post_id
    # Restoring what is not deleted: nothing to restore.
    assert (await site.post("adm", f"/posts/{post_id}/restore")).status_code == 404


async def test_a_post_can_be_restored_within_the_period_only(site: Site) -> None:
    await site.person("adm", None, roles=(("admin", None),))
    days = site.intranet.settings.feed.restore_days
    assert days == 30
    recent = await site.publish("bob", "Deleted lately", audience=[unit(site.north)], title="Recent")
    old = await site.publish("bob", "Deleted long ago", audience=[unit(site.north)], title="Ancient")
    for post_id in (recent, old):
        await service.delete_post(site.intranet, post_id, actor_id=site.people["bob"].id)
    now = datetime.datetime.now(datetime.UTC)
    await Post.update({Post.deleted_at: now - datetime.timedelta(days=days - 1)}).where(Post.id == recent).run()
    await Post.update({Post.deleted_at: now - datetime.timedelta(days=days, hours=1)}).where(Post.id == old).run()

    page = (await site.get("adm", "/posts/deleted")).text
    assert "Recent" in page and "Ancient" not in page
    assert (await site.post("adm", f"/posts/{old}/restore")).status_code == 404
    assert (await site.get("bob", f"/posts/{old}")).status_code == 404
    assert (await site.post("adm", f"/posts/{recent}/restore")).status_code == 303
    assert (await site.get("bob", f"/posts/{recent}")).status_code == 200


async def test_the_restore_period_comes_from_the_settings(tmp_path: Any) -> None:
    from intranet_core.testing import database_url_for_tests

    settings = make_settings(database_url_for_tests(tmp_path), feed={"restore_days": 7})
    assert settings.feed.restore_days == 7


# --- important posts -------------------------------------------------------------------------


async def test_an_important_post_notifies_everyone_in_its_audience(site: Site, calls: Calls) -> None:
    gone = await site.person("gus", site.north_team)
    await set_active(site.intranet, gone.id, False, actor_id=None)
    response = await site.post("ann", "/posts", {"title": "Read this", "body": "New procedure.",
                                                  "audience": unit(site.north), "important": "on"})
    assert response.status_code == 303
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    [notice] = calls.notices_of("feed.important")
    # The district and its team; not the author, not a deactivated person, not the south.
    assert set(notice["recipients"]) == {site.people["bob"].id}
    assert notice["url"] == f"/posts/{post_id}" and notice["actor_id"] == site.people["ann"].id
    assert "Read this" in notice["title"]


async def test_an_important_post_to_everyone_reaches_every_active_person(site: Site, calls: Calls) -> None:
    await site.person("adm", None, roles=(("admin", None),))
    await site.publish("adm", "All hands", audience=["all"], important=True)
    expected = {p.id for key, p in site.people.items() if key != "adm"}
    assert calls.recipients("feed.important") == expected


async def test_an_ordinary_post_notifies_nobody(site: Site, calls: Calls) -> None:
    await site.publish("ann", "Nothing special", audience=[unit(site.north)])
    assert calls.notices == []


async def test_plugin_audiences_are_asked_for_their_members(site: Site, calls: Calls) -> None:
    cat = site.people["cat"].id

    class Groups:
        @hookimpl
        def audience_members(self, app: Any, keys: list[str]) -> list[int]:
            return [cat] if "group:1" in keys else []

    site.intranet.pm.register(Groups(), name="test-groups")
    try:
        await site.publish("ann", "For the group", audience=["group:1"], important=True)
    finally:
        site.intranet.pm.unregister(name="test-groups")
    assert calls.recipients("feed.important") == {cat}


class _Published:
    def __init__(self) -> None:
        self.posts: list[tuple[int, list[str]]] = []

    @hookimpl
    def post_published(self, app: Any, post_id: int, audience: list[str]) -> None:
        self.posts.append((post_id, audience))


async def test_plugins_hear_of_a_post_once_when_it_goes_live(site: Site) -> None:
    listener = _Published()
    site.intranet.pm.register(listener, name="test-listener")
    try:
        now = await site.publish("ann", "Now", audience=[unit(site.north)])
        later = await site.publish("ann", "Later", audience=[unit(site.north)], published_at=datetime.datetime.now(
            datetime.UTC) + datetime.timedelta(seconds=1))
        await site.publish("ann", "Imported", audience=[unit(site.north)], announce=False)
        await site.post("ann", f"/posts/{now}/edit", {"body": "Now, edited"})
        assert listener.posts == [(now, [unit(site.north)])]
        await asyncio.sleep(1.1)
        await service.publish_due(site.intranet)
        await service.publish_due(site.intranet)
        assert listener.posts == [(now, [unit(site.north)]), (later, [unit(site.north)])]
    finally:
        site.intranet.pm.unregister(name="test-listener")


async def test_a_scheduled_important_post_is_announced_when_its_time_comes(site: Site, calls: Calls) -> None:
    moment = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=1)
    post_id = await site.publish("ann", "Coming soon", audience=[unit(site.north)], important=True,
                                 published_at=moment)
    assert calls.notices == [] and calls.indexed == []
    assert await service.publish_due(site.intranet) == []
    assert post_id not in post_ids((await site.get("bob", "/")).text)
    # Its author sees it before, marked as scheduled.
    assert "Scheduled" in (await site.get("ann", f"/posts/{post_id}")).text
    await asyncio.sleep(1.1)
    assert await service.publish_due(site.intranet) == [post_id]
    assert calls.recipients("feed.important") == {site.people["bob"].id}
    assert [i["ref_id"] for i in calls.indexed] == [post_id] and calls.indexed[0]["in_transaction"]
    # Announced once, whoever asks again.
    assert await service.publish_due(site.intranet) == []
    assert len(calls.notices_of("feed.important")) == 1


# --- the cost of a feed page ---------------------------------------------------------------


@contextlib.contextmanager
def counting_queries(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Count the statements every table runs through the engine (Piccolo's one way to the database)."""
    engine_class = type(Post._meta.db)
    counter = {"queries": 0}
    real = engine_class.run_querystring

    async def run_querystring(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter["queries"] += 1
        return await real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        # On the class: the PostgreSQL engine has slots, no instance attributes.
        patch.setattr(engine_class, "run_querystring", run_querystring)
        yield counter


async def _posts_with_conversation(site: Site, count: int) -> None:
    from intranet_core.feed import conversation

    for number in range(count):
        post_id = await site.publish("ann", f"Post number {number} for @bob", audience=[unit(site.north)],
                                     important=number % 3 == 0, announce=False)
        post = await service.visible_post(post_id, ["all", unit(site.north)])
        assert post is not None
        await conversation.add_comment(site.intranet, post, author_id=site.people["bob"].id,
                                       author_name="Bob", body=f"Comment {number}")
        await conversation.toggle_reaction(site.intranet, post_id, site.people["bob"].id, "like")
        await conversation.toggle_reaction(site.intranet, post_id, site.people["ann"].id, "heart")


async def _feed_queries(site: Site, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    await site.get("bob", "/")  # the first visit marks posts seen
    with counting_queries(monkeypatch) as counter:
        page = await site.get("bob", "/")
    assert page.status_code == 200
    return len(post_ids(page.text)), counter["queries"]


async def test_a_feed_page_costs_the_same_whatever_its_size(site: Site, monkeypatch: pytest.MonkeyPatch) -> None:
    await _posts_with_conversation(site, 5)
    shown, small = await _feed_queries(site, monkeypatch)
    assert shown == 5
    await _posts_with_conversation(site, 15)
    shown, large = await _feed_queries(site, monkeypatch)
    assert shown == 20
    assert small > 5  # the counter sees the queries
    assert large == small, f"5 posts: {small} queries, 20 posts: {large}"
    page = (await site.get("bob", "/")).text
    assert page.count("1 comment<") == 20
