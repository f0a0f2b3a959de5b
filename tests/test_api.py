"""``/api/v1``: the feed, posts, their files, acknowledgements, comments, reactions and notifications over a token.

The rules are the pages': what a person may not read is 404, what they may
not publish is 403; a request that does not fit the schema is 400, never 500.
"""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest
import upload_samples as samples
from litestar import Litestar
from litestar.datastructures import UploadFile

from intranet_core.account.tokens import create_api_token
from intranet_core.audit.tables import AuditEntry
from intranet_core.feed import attachments
from intranet_core.feed import service as feed
from intranet_core.feed.tables import Post, PostAttachment
from intranet_core.notifications.tables import Notification
from intranet_core.people import service as people
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import csrf_token_of, sign_in
from intranet_core.uploads import service as uploads
from intranet_core.uploads.tables import Upload

NOW = datetime.datetime.now(datetime.UTC)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class Site:
    """Two districts; Karen works in Aarhus (and may publish there), Ole in Odense."""

    def __init__(self, app: Litestar, client: httpx.AsyncClient) -> None:
        self.app = app
        self.intranet = app.state.intranet
        self.client = client

    async def setup(self) -> Site:
        intranet = self.intranet
        self.union = await people.create_unit(intranet, name="Union", kind="organisation", parent_id=None,
                                              actor_id=None)
        self.aarhus = await people.create_unit(intranet, name="Aarhus", kind="district", parent_id=self.union,
                                               actor_id=None)
        self.odense = await people.create_unit(intranet, name="Odense", kind="district", parent_id=self.union,
                                               actor_id=None)
        self.karen = (await people.create_person(intranet, actor_id=None, fields={
            "email": "karen@example.org", "name": "Karen Holm", "title": "Organiser"}, unit_id=self.aarhus)).id
        self.ole = (await people.create_person(intranet, actor_id=None, fields={
            "email": "ole@example.org", "name": "Ole Dahl"}, unit_id=self.odense)).id
        self.token = await create_api_token(intranet, self.karen, name="Phone", read_only=False)
        self.read_only = await create_api_token(intranet, self.karen, name="Calendar", read_only=True)
        self.ole_token = await create_api_token(intranet, self.ole, name="Script", read_only=False)
        return self

    async def make_editor(self, person_id: int, unit_id: int | None) -> None:
        role = await Role.select(Role.id).where(Role.name == "editor").first().run()
        assert role is not None
        await RoleAssignment.insert(RoleAssignment(person=person_id, role=role["id"], unit=unit_id)).run()

    async def post(self, title: str, audience: list[str], *, author: int | None = None, important: bool = False,
                   at: datetime.datetime | None = None) -> int:
        return await feed.create_post(self.intranet, author_id=author or self.ole, title=title, body=f"About {title}",
                                      audience=audience, important=important, published_at=at, announce=False)

    async def attach(self, post_id: int, name: str, data: bytes, kind: str = "file") -> int:
        """A file on a post, as the composer attaches it: the upload's id."""
        prepared = await uploads.prepare_upload(self.intranet, UploadFile(
            content_type="application/octet-stream", filename=name, file_data=data))
        async with self.intranet.db.transaction(write=True):
            [made] = await attachments.attach(post_id, [attachments.NewAttachment(kind=kind, prepared=prepared)],  # type: ignore[arg-type]
                                              uploader_id=self.ole)
        return made.upload.id

    async def upload(self, post_id: int, files: list[tuple[str, str, bytes]], token: str | None = None,
                     **fields: str) -> httpx.Response:
        """Files sent to a post as multipart/form-data: (field, file name, bytes)."""
        return await self.client.post(
            f"/api/v1/posts/{post_id}/attachments", headers=bearer(token or self.token), data=fields or None,
            files=[(field, (name, data, "application/octet-stream")) for field, name, data in files],
        )

    async def get(self, path: str, token: str | None = None, **params: Any) -> httpx.Response:
        return await self.client.get(path, params=params or None, headers=bearer(token or self.token))

    async def send(self, method: str, path: str, json: Any = None, token: str | None = None) -> httpx.Response:
        return await self.client.request(method, path, json=json, headers=bearer(token or self.token))


@pytest.fixture
async def site(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> Site:
    return await Site(intranet_app, intranet_client).setup()


def titles(page: dict[str, Any]) -> list[str]:
    return [item["title"] for item in page["items"]]


# --- authentication -----------------------------------------------------------------------


async def test_the_api_takes_a_token_and_answers_json_errors(site: Site, intranet_app: Litestar) -> None:
    response = await site.client.get("/api/v1/feed")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 401
    wrong = await site.client.get("/api/v1/feed", headers=bearer("itk_nope"))
    assert wrong.status_code == 401


# --- the feed --------------------------------------------------------------------------------


async def test_the_feed_shows_what_the_person_may_see_newest_first_in_keyset_pages(site: Site) -> None:
    for day in range(5):
        await site.post(f"All {day}", ["all"], at=NOW - datetime.timedelta(days=10 - day))
    await site.post("Aarhus news", [f"unit:{site.aarhus}"], at=NOW - datetime.timedelta(hours=2))
    await site.post("Union news", [f"unit:{site.union}"], at=NOW - datetime.timedelta(hours=1))
    await site.post("Odense only", [f"unit:{site.odense}"])
    await site.post("Later", ["all"], at=NOW + datetime.timedelta(days=1))

    first = await site.get("/api/v1/feed", limit=3)
    assert first.status_code == 200, first.text
    assert first.headers["cache-control"] == "no-store"
    page = first.json()
    assert titles(page) == ["Union news", "Aarhus news", "All 4"]
    assert page["items"][0]["author"] == {"id": site.ole, "name": "Ole Dahl", "title": ""}
    assert page["items"][0]["url"].startswith("/posts/")
    second = (await site.get("/api/v1/feed", limit=3, before=page["next"])).json()
    assert titles(second) == ["All 3", "All 2", "All 1"]
    last = (await site.get("/api/v1/feed", limit=3, before=second["next"])).json()
    assert titles(last) == ["All 0"] and last["next"] is None and last["pinned"] == []

    one_unit = (await site.get("/api/v1/feed", unit=site.aarhus)).json()
    assert titles(one_unit) == ["Aarhus news"]
    not_mine = (await site.get("/api/v1/feed", unit=site.odense)).json()
    assert titles(not_mine) == []


async def test_pinned_posts_come_on_the_first_page(site: Site) -> None:
    old = await site.post("Old but pinned", ["all"], at=NOW - datetime.timedelta(days=30))
    await Post.update({Post.pinned_until: NOW + datetime.timedelta(days=1)}).where(Post.id == old).run()
    for n in range(3):
        await site.post(f"New {n}", ["all"])
    page = (await site.get("/api/v1/feed", limit=2)).json()
    assert [p["title"] for p in page["pinned"]] == ["Old but pinned"]
    assert page["pinned"][0]["pinned"] is True


@pytest.mark.parametrize("params", [
    {"before": "not a cursor"}, {"before": "2026-01-01T00:00:00+00:00_99999999999"}, {"limit": 0},
    {"limit": 51}, {"limit": "x"}, {"unit": 0}, {"unit": 2**40},
    {"before": "0001-01-01T00:00:00+14:00_1"},
])
async def test_a_bad_query_is_400(site: Site, params: dict[str, Any]) -> None:
    response = await site.get("/api/v1/feed", **params)
    assert response.status_code == 400, response.text
    assert response.json()["status_code"] == 400


# --- one post ----------------------------------------------------------------------------


async def test_a_post_the_person_may_not_read_is_404(site: Site) -> None:
    mine = await site.post("Aarhus news", [f"unit:{site.aarhus}"])
    theirs = await site.post("Odense only", [f"unit:{site.odense}"])
    ok = await site.get(f"/api/v1/posts/{mine}")
    assert ok.status_code == 200 and ok.json()["title"] == "Aarhus news"
    assert ok.json()["body_html"].startswith("<p>")
    for path in (f"/api/v1/posts/{theirs}", "/api/v1/posts/999999", f"/api/v1/posts/{theirs}/comments",
                 f"/api/v1/posts/{theirs}/reactions"):
        response = await site.get(path)
        assert response.status_code == 404, path
        assert "Odense" not in response.text
    assert (await site.get(f"/api/v1/posts/{2**40}")).status_code == 400
    assert (await site.get("/api/v1/posts/0")).status_code == 400


# --- publishing ----------------------------------------------------------------------------


async def test_publishing_follows_the_composer_s_rules(site: Site) -> None:
    new = {"title": "Meeting", "body": "On **Monday**", "audience": [f"unit:{site.aarhus}"]}
    refused = await site.send("POST", "/api/v1/posts", new)
    assert refused.status_code == 403  # not an editor
    await site.make_editor(site.karen, site.aarhus)
    assert (await site.send("POST", "/api/v1/posts", {**new, "audience": ["all"]})).status_code == 403
    assert (await site.send("POST", "/api/v1/posts", {**new, "audience": [f"unit:{site.odense}"]})).status_code == 403
    for unknown in (["a" * 1000], [""], [f"unit:{site.aarhus}", "group:1"]):
        assert (await site.send("POST", "/api/v1/posts", {**new, "audience": unknown})).status_code == 403
    assert (await site.send("POST", "/api/v1/posts", new, token=site.read_only)).status_code == 403

    created = await site.send("POST", "/api/v1/posts", {**new, "important": True})
    assert created.status_code == 201, created.text
    post = created.json()
    assert (post["title"], post["important"], post["author"]["id"]) == ("Meeting", True, site.karen)
    assert "<strong>Monday</strong>" in post["body_html"]
    assert (await site.get(f"/api/v1/posts/{post['id']}")).json()["title"] == "Meeting"
    # Ole, in Odense, does not see it.
    assert (await site.get(f"/api/v1/posts/{post['id']}", token=site.ole_token)).status_code == 404
    [entry] = await AuditEntry.select().where(AuditEntry.action == "feed.post_create").run()
    assert entry["actor_id"] == site.karen and '"via": "api"' in entry["details"]


async def test_a_scheduled_post_is_the_author_s_until_it_is_published(site: Site) -> None:
    await site.make_editor(site.karen, None)
    later = (NOW + datetime.timedelta(days=2)).replace(microsecond=0)
    created = await site.send("POST", "/api/v1/posts", {
        "body": "Soon", "audience": ["all"], "publish_at": later.isoformat(), "pinned_until": "2030-01-01",
    })
    assert created.status_code == 201, created.text
    post_id = created.json()["id"]
    assert created.json()["published_at"].startswith(later.strftime("%Y-%m-%dT%H:%M:%S"))
    assert (await site.get(f"/api/v1/posts/{post_id}", token=site.ole_token)).status_code == 404
    assert titles((await site.get("/api/v1/feed")).json()) == []


@pytest.mark.parametrize("body", [
    {},
    {"body": "x"},
    {"body": "", "audience": ["all"]},
    {"body": "   ", "audience": ["all"]},
    {"body": "x", "audience": []},
    {"body": "x", "audience": ["all"], "author": 1},
    {"body": "x", "audience": ["all"], "title": "t" * 201},
    {"body": "x" * 50_001, "audience": ["all"]},
    {"body": "a\x00b", "audience": ["all"]},
    {"body": "x", "audience": ["all"], "publish_at": "tomorrow"},
    {"body": "x", "audience": ["all"], "publish_at": "9999-12-31T23:00:00-05:00"},
    {"body": "x", "audience": ["all"], "important": "yes"},
    ["not", "an", "object"],
])
async def test_a_bad_post_is_400(site: Site, body: Any) -> None:
    await site.make_editor(site.karen, None)
    response = await site.send("POST", "/api/v1/posts", body)
    assert response.status_code == 400, response.text
    assert response.json()["status_code"] == 400
    assert await Post.count().run() == 0


async def test_broken_json_is_400(site: Site) -> None:
    response = await site.client.post("/api/v1/posts", content=b"{", headers={
        **bearer(site.token), "content-type": "application/json"})
    assert response.status_code == 400


# --- images and files ------------------------------------------------------------------------


async def test_a_post_s_files_are_downloaded_by_whoever_may_see_the_post(site: Site) -> None:
    post_id = await site.post("Minutes", ["all"])
    minutes = await site.attach(post_id, "minutes.pdf", samples.pdf())
    photo = await site.attach(post_id, "photo.png", samples.png(), kind="image")
    listed = (await site.get(f"/api/v1/posts/{post_id}")).json()["attachments"]
    assert [(a["id"], a["url"], a["download_url"]) for a in listed] == [
        (minutes, f"/posts/{post_id}/files/{minutes}", f"/api/v1/posts/{post_id}/attachments/{minutes}"),
        (photo, f"/posts/{post_id}/files/{photo}", f"/api/v1/posts/{post_id}/attachments/{photo}"),
    ]

    answer = await site.get(listed[0]["download_url"])
    assert answer.status_code == 200, answer.text
    assert answer.content == samples.pdf()
    assert answer.headers["content-type"] == "application/pdf"
    assert answer.headers["content-disposition"].startswith('attachment; filename="minutes.pdf"')
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["content-security-policy"] == uploads.SANDBOX
    etag = answer.headers["etag"]
    # An image too is only ever downloaded here; a read-only token may read it.
    image = await site.get(listed[1]["download_url"], token=site.read_only)
    assert image.status_code == 200 and image.content == samples.stored(samples.png(), "image/png")
    assert image.headers["content-type"] == "image/png"
    assert image.headers["content-disposition"].startswith("attachment;")
    # A client that has the bytes gets 304, after the same check.
    again = await site.client.get(listed[0]["download_url"], headers={**bearer(site.token), "if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    other = await site.client.get(listed[0]["download_url"], headers={**bearer(site.token), "if-none-match": '"x"'})
    assert other.status_code == 200 and other.content == samples.pdf()
    assert (await site.client.get(listed[0]["download_url"])).status_code == 401


async def test_a_file_the_person_may_not_see_is_404_like_one_that_does_not_exist(site: Site) -> None:
    shown = await site.post("All", ["all"])
    shown_file = await site.attach(shown, "agenda.pdf", samples.pdf("Agenda"))
    hidden = await site.post("Odense only", [f"unit:{site.odense}"])
    hidden_file = await site.attach(hidden, "secret.pdf", samples.pdf("Odense"))
    gone = await site.post("Deleted", ["all"])
    gone_file = await site.attach(gone, "old.txt", samples.TEXT)
    await feed.delete_post(site.intranet, gone, actor_id=site.ole)
    later = await site.post("Later", ["all"], at=NOW + datetime.timedelta(days=1))
    later_file = await site.attach(later, "later.csv", samples.CSV)

    assert (await site.get(f"/api/v1/posts/{hidden}/attachments/{hidden_file}", token=site.ole_token)).status_code \
        == 200
    nothing = await site.get("/api/v1/posts/999999/attachments/999999")
    assert nothing.status_code == 404
    for path in (
        f"/api/v1/posts/{hidden}/attachments/{hidden_file}",  # outside the audience
        f"/api/v1/posts/{gone}/attachments/{gone_file}",  # a deleted post
        f"/api/v1/posts/{later}/attachments/{later_file}",  # not published yet
        f"/api/v1/posts/{shown}/attachments/{hidden_file}",  # another post's upload
        f"/api/v1/posts/{hidden}/attachments/{shown_file}",
        f"/api/v1/posts/{shown}/attachments/999999",
    ):
        answer = await site.get(path)
        assert answer.status_code == 404, path
        assert answer.json() == nothing.json(), path
    # The author keeps a scheduled post's file, not a deleted one's.
    assert (await site.get(f"/api/v1/posts/{later}/attachments/{later_file}", token=site.ole_token)).status_code \
        == 200
    assert (await site.get(f"/api/v1/posts/{gone}/attachments/{gone_file}", token=site.ole_token)).status_code \
        == 404
    # Who may moderate it keeps a deleted post's files, as on the site (where they may restore it).
    await site.make_editor(site.karen, None)
    assert (await site.get(f"/api/v1/posts/{gone}/attachments/{gone_file}")).status_code == 200
    assert (await site.get(f"/api/v1/posts/{shown}/attachments/0")).status_code == 400
    assert (await site.get(f"/api/v1/posts/{shown}/attachments/{2**40}")).status_code == 400


async def test_whoever_may_edit_a_post_attaches_files(site: Site) -> None:
    mine = await site.post("Agenda", ["all"], author=site.karen)
    first = await site.attach(mine, "photo.png", samples.png(), kind="image")
    added = await site.upload(mine, [("file", "agenda.pdf", samples.pdf("Agenda")),
                                     ("file", "notes.txt", samples.TEXT)])
    assert added.status_code == 201, added.text
    assert added.headers["cache-control"] == "no-store"
    listed = added.json()
    assert listed["post_id"] == mine
    assert [(a["filename"], a["kind"], a["content_type"]) for a in listed["items"]] == [
        ("photo.png", "image", "image/png"), ("agenda.pdf", "file", "application/pdf"),
        ("notes.txt", "file", "text/plain"),
    ]
    assert listed["items"][0]["id"] == first
    assert listed == {"post_id": mine, "items": (await site.get(f"/api/v1/posts/{mine}")).json()["attachments"]}
    for item, data in zip(listed["items"][1:], (samples.pdf("Agenda"), samples.TEXT), strict=True):
        download = await site.get(item["download_url"], token=site.ole_token)  # Ole is in the audience
        assert download.status_code == 200 and download.content == data
        assert item["size"] == len(data)
    [row] = await Post.select(Post.edited_at).where(Post.id == mine).run()
    assert row["edited_at"] is not None
    [entry] = await AuditEntry.select().where(AuditEntry.action == "feed.post_edit").run()
    assert entry["actor_id"] == site.karen and '"via": "api"' in entry["details"] and '"files": 2' in entry["details"]
    # One file is enough; it goes after the others.
    one = await site.upload(mine, [("file", "list.csv", samples.CSV)])
    assert one.status_code == 201 and one.json()["items"][-1]["filename"] == "list.csv"

    # Ole reads the post but may not edit it; Karen's Aarhus post he does not even see.
    before = await PostAttachment.count().run()
    assert (await site.upload(mine, [("file", "x.pdf", samples.pdf())], token=site.ole_token)).status_code == 403
    aarhus = await site.post("Aarhus", [f"unit:{site.aarhus}"], author=site.karen)
    assert (await site.upload(aarhus, [("file", "x.pdf", samples.pdf())], token=site.ole_token)).status_code == 404
    assert (await site.upload(mine, [("file", "x.pdf", samples.pdf())], token=site.read_only)).status_code == 403
    oles = await site.post("Ole's", ["all"])
    assert (await site.upload(oles, [("file", "x.pdf", samples.pdf())])).status_code == 403
    gone = await site.post("Deleted", ["all"], author=site.karen)
    await feed.delete_post(site.intranet, gone, actor_id=site.karen)
    assert (await site.upload(gone, [("file", "x.pdf", samples.pdf())])).status_code == 404
    assert (await site.upload(999999, [("file", "x.pdf", samples.pdf())])).status_code == 404
    assert await PostAttachment.count().run() == before
    # Who may moderate every audience of a post may attach to it, as on its edit page.
    await site.make_editor(site.karen, None)
    assert (await site.upload(oles, [("file", "x.pdf", samples.pdf())])).status_code == 201


@pytest.mark.parametrize("files", [
    [("file", "page.html", samples.HTML)],
    [("file", "agenda.pdf", samples.pdf()), ("file", "drawing.svg", samples.SVG)],
    [("file", "photo.pdf", samples.png())],
    [("file", "empty.txt", b"")],
    [("file", "", b"no name")],
    [("files", "agenda.pdf", samples.pdf())],
    [],
    [("file", f"n{n}.txt", samples.TEXT + bytes([65 + n])) for n in range(11)],
])
async def test_a_refused_file_saves_nothing(site: Site, files: list[tuple[str, str, bytes]]) -> None:
    post_id = await site.post("Agenda", ["all"], author=site.karen)
    kept = await site.attach(post_id, "minutes.pdf", samples.pdf())
    answer = await (site.upload(post_id, files) if files else site.upload(post_id, [], note="no file"))
    assert answer.status_code == 400, answer.text
    assert answer.json()["status_code"] == 400
    assert await Upload.count().run() == 1
    assert [a["id"] for a in (await site.get(f"/api/v1/posts/{post_id}")).json()["attachments"]] == [kept]
    [row] = await Post.select(Post.edited_at).where(Post.id == post_id).run()
    assert row["edited_at"] is None


async def test_every_refused_file_is_named(site: Site) -> None:
    post_id = await site.post("Agenda", ["all"], author=site.karen)
    answer = await site.upload(post_id, [("file", "page.html", samples.HTML), ("file", "agenda.pdf", samples.pdf()),
                                         ("file", "drawing.svg", samples.SVG)])
    assert answer.status_code == 400
    refused = answer.json()["extra"]
    assert [(r["key"], r["filename"]) for r in refused] == [("file", "page.html"), ("file", "drawing.svg")]
    assert all(r["message"].startswith(r["filename"]) for r in refused)
    assert await PostAttachment.count().run() == 0


async def test_a_signed_in_browser_cannot_attach_files_through_the_api(site: Site) -> None:
    """Session cookies count for nothing under /api/ (so it needs no CSRF check): 401, nothing written."""
    post_id = await site.post("Agenda", ["all"])
    await sign_in(site.client, site.app, "admin@example.org", roles=[("admin", None)])
    token = csrf_token_of((await site.client.get("/", headers={"accept": "text/html"})).text)
    for headers in ({}, {"x-csrftoken": token}):
        answer = await site.client.post(f"/api/v1/posts/{post_id}/attachments", headers=headers,
                                        files=[("file", ("agenda.pdf", samples.pdf(), "application/pdf"))])
        assert answer.status_code == 401, answer.text
    assert await Upload.count().run() == 0


# --- acknowledgements ----------------------------------------------------------------------


async def test_acknowledging_an_important_post(site: Site) -> None:
    important = await site.post("Read this", ["all"], important=True)
    plain = await site.post("Just news", ["all"])
    hidden = await site.post("Odense", [f"unit:{site.odense}"], important=True)
    response = await site.send("POST", f"/api/v1/posts/{important}/acknowledge")
    assert response.status_code == 200 and response.json() == {"post_id": important, "acknowledged": True}
    assert (await site.send("POST", f"/api/v1/posts/{important}/acknowledge")).status_code == 200  # again: fine
    assert (await site.get(f"/api/v1/posts/{important}")).json()["acknowledged"] is True
    assert (await site.send("POST", f"/api/v1/posts/{plain}/acknowledge")).status_code == 404
    assert (await site.send("POST", f"/api/v1/posts/{hidden}/acknowledge")).status_code == 404
    read_only = await site.send("POST", f"/api/v1/posts/{important}/acknowledge", token=site.read_only)
    assert read_only.status_code == 403
    assert (await feed.reach(site.intranet, important))["acknowledged"] == 1


# --- comments and reactions ------------------------------------------------------------------


async def test_comments(site: Site) -> None:
    post_id = await site.post("Summer party", ["all"])
    created = await site.send("POST", f"/api/v1/posts/{post_id}/comments", {"body": "I'll bring *cake*"})
    assert created.status_code == 201, created.text
    comment = created.json()
    assert comment["author"]["id"] == site.karen and "<em>cake</em>" in comment["body_html"]
    other = (await site.send("POST", f"/api/v1/posts/{post_id}/comments", {"body": "Me too"},
                             token=site.ole_token)).json()
    listed = (await site.get(f"/api/v1/posts/{post_id}/comments")).json()
    assert [c["body"] for c in listed["items"]] == ["I'll bring *cake*", "Me too"]
    assert (await site.get(f"/api/v1/posts/{post_id}")).json()["comment_count"] == 2

    assert (await site.send("POST", f"/api/v1/posts/{post_id}/comments", {"body": " "})).status_code == 400
    assert (await site.send("POST", f"/api/v1/posts/{post_id}/comments", {"body": "x" * 10_001})).status_code == 400
    assert (await site.send("DELETE", f"/api/v1/posts/{post_id}/comments/{other['id']}")).status_code == 403
    assert (await site.send("DELETE", f"/api/v1/posts/{post_id}/comments/{comment['id']}")).status_code == 204
    assert (await site.send("DELETE", f"/api/v1/posts/{post_id}/comments/{comment['id']}")).status_code == 404
    assert [c["body"] for c in (await site.get(f"/api/v1/posts/{post_id}/comments")).json()["items"]] == ["Me too"]


async def test_reactions_are_given_and_taken_back_idempotently(site: Site) -> None:
    post_id = await site.post("Summer party", ["all"])

    def count(state: dict[str, Any], kind: str) -> tuple[int, bool]:
        [item] = [i for i in state["items"] if i["kind"] == kind]
        return item["count"], item["mine"]

    given = await site.send("PUT", f"/api/v1/posts/{post_id}/reactions/heart")
    assert given.status_code == 200 and count(given.json(), "heart") == (1, True)
    again = await site.send("PUT", f"/api/v1/posts/{post_id}/reactions/heart")
    assert count(again.json(), "heart") == (1, True)
    await site.send("PUT", f"/api/v1/posts/{post_id}/reactions/heart", token=site.ole_token)
    assert count((await site.get(f"/api/v1/posts/{post_id}/reactions")).json(), "heart") == (2, True)
    taken = await site.send("DELETE", f"/api/v1/posts/{post_id}/reactions/heart")
    assert count(taken.json(), "heart") == (1, False)
    assert count((await site.send("DELETE", f"/api/v1/posts/{post_id}/reactions/heart")).json(), "heart") == (1, False)
    assert (await site.send("PUT", f"/api/v1/posts/{post_id}/reactions/angry")).status_code == 400
    assert (await site.send("PUT", f"/api/v1/posts/{post_id}/reactions/like", token=site.read_only)).status_code == 403


# --- notifications ----------------------------------------------------------------------------


async def test_notifications_are_the_person_s_own(site: Site) -> None:
    for n in range(3):
        await Notification.insert(Notification(
            person=site.karen, kind="feed.mention", title=f"Notice {n}", url=f"/posts/{n + 1}", text="",
            actor_id=site.ole, created_at=NOW + datetime.timedelta(seconds=n),
        )).run()
    await Notification.insert(Notification(person=site.ole, kind="feed.mention", title="Ole's", url="/",
                                           created_at=NOW)).run()
    page = (await site.get("/api/v1/notifications", limit=2)).json()
    assert [n["title"] for n in page["items"]] == ["Notice 2", "Notice 1"]
    assert page["unread"] == 3 and page["items"][0]["actor"] == "Ole Dahl"
    rest = (await site.get("/api/v1/notifications", limit=2, before=page["next"])).json()
    assert [n["title"] for n in rest["items"]] == ["Notice 0"] and rest["next"] is None

    read = await site.send("POST", f"/api/v1/notifications/{page['items'][0]['id']}/read")
    assert read.status_code == 200 and read.json() == {"unread": 2}
    oles = await Notification.select(Notification.id).where(Notification.person == site.ole).first().run()
    assert oles is not None
    assert (await site.send("POST", f"/api/v1/notifications/{oles['id']}/read")).status_code == 404
    assert (await site.send("POST", "/api/v1/notifications/read-all")).json() == {"unread": 0}
    assert (await site.get("/api/v1/notifications")).json()["unread"] == 0
    assert (await site.send("POST", "/api/v1/notifications/read-all", token=site.read_only)).status_code == 403


# --- the schema ------------------------------------------------------------------------------


async def test_every_api_operation_is_documented(site: Site) -> None:
    schema = (await site.client.get("/schema/openapi.json")).json()
    for path in ("/api/v1/feed", "/api/v1/posts", "/api/v1/posts/{post_id}", "/api/v1/posts/{post_id}/acknowledge",
                 "/api/v1/posts/{post_id}/attachments", "/api/v1/posts/{post_id}/attachments/{upload_id}",
                 "/api/v1/posts/{post_id}/comments", "/api/v1/posts/{post_id}/reactions/{kind}",
                 "/api/v1/notifications"):
        assert path in schema["paths"], path
        for operation in schema["paths"][path].values():
            assert operation["summary"] and {"401"} <= set(operation["responses"])
    for name in ("ApiPost", "FeedPage", "NewPost", "ApiComment", "Reactions", "NotificationPage", "ApiError",
                 "AttachmentList", "NewAttachments"):
        assert name in schema["components"]["schemas"], name
    assert "download_url" in schema["components"]["schemas"]["ApiAttachment"]["required"]
    download = schema["paths"]["/api/v1/posts/{post_id}/attachments/{upload_id}"]["get"]["responses"]
    assert {"200", "304", "400", "401", "404"} <= set(download) and all(r["description"] for r in download.values())
    upload = schema["paths"]["/api/v1/posts/{post_id}/attachments"]["post"]
    assert set(upload["requestBody"]["content"]) == {"multipart/form-data"}
    assert {"201", "400", "401", "403", "404", "413"} <= set(upload["responses"])
