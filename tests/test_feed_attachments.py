"""Images and files on posts: the form, the pages, who may download them, the API, and a page's cost.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
The files are real (built in ``upload_samples``) and go through the real
multipart parser, CSRF check, sniffer, disk and database.
"""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
import upload_samples as samples
from litestar import Litestar

from intranet_core.account.tokens import create_api_token
from intranet_core.auth.passwords import hash_password
from intranet_core.feed import attachments
from intranet_core.feed import service as feed
from intranet_core.feed.tables import Post, PostAttachment
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import create_person, create_unit
from intranet_core.testing import (
    TEST_PASSWORD,
    build_app,
    client_for,
    csrf_token_of,
    http_client,
    make_settings,
    sign_in,
)
from intranet_core.uploads import service as uploads
from intranet_core.uploads.tables import Upload

HTML = {"accept": "text/html", "accept-language": "en"}
DANISH = {"accept": "text/html", "accept-language": "da"}
MAX_BYTES = 20_000
_PASSWORD_HASH = hash_password(TEST_PASSWORD)


@pytest.fixture
def intranet_settings(tmp_path: Path, database_url_env: str) -> Any:
    """Small files are enough: the limit is 20 kB here. (No usage figures: their flush would be counted.)"""
    return make_settings(database_url_env, uploads={"directory": str(tmp_path / "uploads"), "max_bytes": MAX_BYTES},
                         usage={"enabled": False})


@pytest.fixture
def database_url_env(tmp_path: Path) -> str:
    from intranet_core.testing import database_url_for_tests

    return database_url_for_tests(tmp_path)


@dataclass
class Site:
    """North (with a team) and South; ``ann`` edits North, ``bob`` is in North's team, ``cat`` in South,
    ``mod`` moderates everywhere."""

    app: Litestar
    stack: contextlib.AsyncExitStack
    north: int = 0
    south: int = 0
    people: dict[str, PersonInfo] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def intranet(self) -> Any:
        return self.app.state.intranet

    async def person(self, key: str, unit: int | None, *, roles: tuple[tuple[str, int | None], ...] = ()) -> None:
        email = f"{key}@example.org"
        await create_person(self.intranet, actor_id=None, fields={"email": email, "name": key.title()},
                            password_hash=_PASSWORD_HASH, unit_id=unit)
        client = await self.stack.enter_async_context(http_client(self.app))
        self.people[key] = await sign_in(client, self.app, email, roles=roles)
        self.clients[key] = client
        self.tokens[key] = csrf_token_of((await client.get("/", headers=HTML)).text)

    async def get(self, key: str, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
        return await self.clients[key].get(path, headers=headers or HTML)

    async def submit(self, key: str, path: str, data: dict[str, Any], files: list[tuple[str, tuple[str, bytes]]],
                     *, headers: dict[str, str] | None = None, csrf: bool = True) -> httpx.Response:
        """A multipart form, as a browser sends it."""
        fields = {**data, **({"_csrf_token": self.tokens[key]} if csrf else {})}
        parts = [(name, (filename, content, "application/octet-stream")) for name, (filename, content) in files]
        if not parts:  # a browser sends an empty part for a file input left empty
            parts = [("images", ("", b"", "application/octet-stream"))]
        return await self.clients[key].post(path, data=fields, files=parts, headers=headers or HTML)

    async def publish(self, key: str, body: str, audience: list[str], files: list[tuple[str, str, bytes]] = (),
                      **extra: Any) -> tuple[int, list[int]]:
        """A post with images/files through the service; returns its id and its uploads' ids."""
        new = []
        for kind, name, data in files:
            prepared = await uploads.prepare_upload(self.intranet, uploads_file(name, data))
            new.append(attachments.NewAttachment(kind=kind, prepared=prepared))  # type: ignore[arg-type]
        post_id = await feed.create_post(self.intranet, author_id=self.people[key].id, title="", body=body,
                                         audience=audience, announce=False, attachments=new, **extra)
        found = (await attachments.attachments_of([post_id])).get(post_id, [])
        return post_id, [a.upload.id for a in found]


def uploads_file(name: str, data: bytes) -> Any:
    from litestar.datastructures import UploadFile

    return UploadFile(content_type="application/octet-stream", filename=name, file_data=data)


@pytest_asyncio.fixture(name="site")
async def site_fixture(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> AsyncIterator[Site]:
    intranet = intranet_app.state.intranet
    async with contextlib.AsyncExitStack() as stack:
        s = Site(intranet_app, stack)
        org = await create_unit(intranet, name="Head office", kind="organisation", parent_id=None, actor_id=None)
        s.north = await create_unit(intranet, name="North", kind="district", parent_id=org, actor_id=None)
        team = await create_unit(intranet, name="North team", kind="team", parent_id=s.north, actor_id=None)
        s.south = await create_unit(intranet, name="South", kind="district", parent_id=org, actor_id=None)
        await s.person("ann", s.north, roles=(("editor", s.north),))
        await s.person("bob", team)
        await s.person("cat", s.south)
        await s.person("mod", None, roles=(("editor", None),))
        yield s


def unit(unit_id: int) -> str:
    return f"unit:{unit_id}"


def file_urls(page: str) -> list[str]:
    return re.findall(r'(/posts/\d+/files/\d+)', page)


async def counts() -> tuple[int, int, int]:
    return int(await Post.count().run()), int(await Upload.count().run()), int(await PostAttachment.count().run())


# --- the form and the pages --------------------------------------------------------------------


async def test_a_post_with_images_and_files(site: Site) -> None:
    response = await site.submit("ann", "/posts", {
        "title": "Summer party", "body": "Photos below.\n\n![The garden](garden.png)", "audience": [unit(site.north)],
    }, [("images", ("garden.png", samples.png())), ("images", ("band.jpg", samples.jpeg())),
        ("attachments", ("Programme.pdf", samples.pdf())), ("attachments", ("Seating.xlsx", samples.xlsx()))])
    assert response.status_code == 303, response.text[:500]
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    items = (await attachments.attachments_of([post_id]))[post_id]
    assert [(a.kind, a.filename, a.position) for a in items] == [
        ("image", "garden.png", 0), ("image", "band.jpg", 1), ("file", "Programme.pdf", 2),
        ("file", "Seating.xlsx", 3)]
    garden, band, programme, seating = (a.url for a in items)

    page = (await site.get("bob", f"/posts/{post_id}")).text
    # The text shows the image it names; the other image is shown under the text.
    assert f'<img src="{garden}" alt="The garden" loading="lazy">' in page
    assert f'<img src="{band}" alt="band.jpg" loading="lazy" decoding="async">' in page
    assert page.count(f'src="{garden}"') == 1
    assert f'<a href="{programme}" download>Programme.pdf</a> <span class="muted">PDF, ' in page
    assert f'<a href="{seating}" download>Seating.xlsx</a> <span class="muted">Excel, ' in page
    feed_page = (await site.get("bob", "/")).text
    assert f'src="{band}"' in feed_page and f'href="{programme}"' in feed_page

    image = await site.get("bob", band)
    assert image.status_code == 200 and image.content == samples.stored(samples.jpeg(), "image/jpeg")
    assert image.headers["content-type"] == "image/jpeg"
    assert image.headers["content-disposition"] == "inline; filename=\"band.jpg\"; filename*=UTF-8''band.jpg"
    assert image.headers["x-content-type-options"] == "nosniff"
    assert image.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert image.headers["cache-control"].startswith("private")
    cached = await site.clients["bob"].get(band, headers={**HTML, "if-none-match": image.headers["etag"]})
    assert cached.status_code == 304 and cached.content == b""
    # The same question from someone who may not see the post: still nothing.
    assert (await site.clients["cat"].get(band, headers={"if-none-match": image.headers["etag"]})).status_code == 404
    download = await site.get("bob", f"{band}?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    document = await site.get("bob", programme)
    assert document.status_code == 200 and document.content == samples.pdf()
    assert document.headers["content-type"] == "application/pdf"
    assert document.headers["content-disposition"].startswith("attachment; filename=\"Programme.pdf\"")
    assert document.headers["x-content-type-options"] == "nosniff"
    assert document.headers["content-security-policy"] == "default-src 'none'; sandbox"


@pytest.mark.parametrize(("headers", "message"), [
    (HTML, "big.pdf: the file is too large (at most 20 kB)."),
    (DANISH, "big.pdf: filen er for stor (højst 20 kB)."),
])
async def test_a_file_one_byte_over_the_limit_shows_the_form_again(
    site: Site, headers: dict[str, str], message: str
) -> None:
    big = samples.pdf() + b"%" * (MAX_BYTES + 1 - len(samples.pdf()))
    assert len(big) == MAX_BYTES + 1
    response = await site.submit("ann", "/posts", {"title": "Kept title", "body": "Kept text",
                                                   "audience": [unit(site.north)]},
                                 [("images", ("ok.png", samples.png())), ("attachments", ("big.pdf", big))],
                                 headers=headers)
    assert response.status_code == 400
    assert message in response.text
    assert "Kept title" in response.text and "Kept text" in response.text
    assert 'enctype="multipart/form-data"' in response.text
    # Nothing half-written: no post, no upload row, no attachment row.
    assert await counts() == (0, 0, 0)
    # The image checked before the refusal waits on disk for the purge.
    root = uploads.storage_root(site.intranet)
    [left] = [p for p in root.glob("??/*")]
    old = (datetime.datetime.now() - datetime.timedelta(hours=2)).timestamp()
    import os

    os.utime(left, (old, old))
    assert await uploads.purge_orphans(site.intranet) == 1 and not left.exists()


async def test_a_file_exactly_at_the_limit_is_accepted(site: Site) -> None:
    exact = samples.pdf() + b"%" * (MAX_BYTES - len(samples.pdf()))
    response = await site.submit("ann", "/posts", {"body": "x", "audience": [unit(site.north)]},
                                 [("attachments", ("exact.pdf", exact))])
    assert response.status_code == 303
    assert await counts() == (1, 1, 1)


async def test_wrong_types_and_names_are_refused(site: Site) -> None:
    cases = [
        ([("images", ("cat.png", samples.HTML))], "cat.png: only pictures (PNG, JPEG, GIF, WebP) are shown"),
        ([("attachments", ("cat.png", samples.HTML))], "cat.png: files of this type are not allowed (text/html)."),
        ([("attachments", ("report.pdf", samples.png()))],
         "report.pdf: the file&#39;s name does not match what it contains (PNG image)."),
        ([("images", ("logo.svg", samples.SVG))], "logo.svg: only pictures"),
        ([("attachments", ("logo.svg", samples.SVG))], "logo.svg: files of this type are not allowed"),
        ([("images", ("scan.pdf", samples.pdf()))], "scan.pdf: only pictures"),
        ([("attachments", ("macro.docx", samples.docm()))], "macro.docx: files of this type are not allowed"),
    ]
    for files, message in cases:
        response = await site.submit("ann", "/posts", {"body": "x", "audience": [unit(site.north)]}, files)
        assert response.status_code == 400, message
        assert message in response.text, (message, re.findall(r'role="alert">(.*?)</div>', response.text, re.S))
        assert "Nothing was saved: choose your files again." in response.text
    assert await counts() == (0, 0, 0)


async def test_too_many_files(site: Site) -> None:
    files = [("attachments", (f"{n}.txt", f"note {n}".encode())) for n in range(11)]
    response = await site.submit("ann", "/posts", {"body": "x", "audience": [unit(site.north)]}, files)
    assert response.status_code == 400 and "At most 10 files can be added at a time." in response.text
    assert await counts() == (0, 0, 0)


async def test_a_text_error_keeps_the_files_out(site: Site) -> None:
    response = await site.submit("ann", "/posts", {"body": "", "audience": [unit(site.north)]},
                                 [("images", ("a.png", samples.png()))])
    assert response.status_code == 400 and "Write something in the post." in response.text
    assert "Nothing was saved: choose your files again." in response.text
    assert await counts() == (0, 0, 0)
    assert list(uploads.storage_root(site.intranet).glob("??/*")) == []


async def test_multipart_forms_need_the_csrf_token(site: Site) -> None:
    response = await site.submit("ann", "/posts", {"body": "x", "audience": [unit(site.north)]},
                                 [("images", ("a.png", samples.png()))], csrf=False)
    assert response.status_code == 403
    forged = await site.clients["ann"].post("/posts", data={"body": "x", "audience": [unit(site.north)],
                                                           "_csrf_token": "forged"},
                                            files=[("images", ("a.png", samples.png(), "image/png"))], headers=HTML)
    assert forged.status_code == 403
    post_id, _ids = await site.publish("ann", "Mine", [unit(site.north)])
    edit = await site.submit("ann", f"/posts/{post_id}/edit", {"body": "changed"},
                             [("attachments", ("a.pdf", samples.pdf()))], csrf=False)
    assert edit.status_code == 403
    assert await counts() == (1, 0, 0)


async def test_svg_as_an_attachment_only_when_allowed(tmp_path: Path, database_url_env: str) -> None:
    settings = make_settings(database_url_env, uploads={
        "directory": str(tmp_path / "svg-uploads"),
        "allowed_types": ["image/png", "image/svg+xml"]})
    app = await build_app(settings)
    async with client_for(app), contextlib.AsyncExitStack() as stack:
        site = Site(app, stack)
        await site.person("ann", None, roles=(("editor", None),))
        refused = await site.submit("ann", "/posts", {"body": "x", "audience": ["all"]},
                                    [("images", ("logo.svg", samples.SVG))])
        assert refused.status_code == 400 and "only pictures" in refused.text
        response = await site.submit("ann", "/posts", {"body": "Logo: ![logo](logo.svg)", "audience": ["all"]},
                                     [("attachments", ("logo.svg", samples.SVG))])
        assert response.status_code == 303
        page = (await site.get("ann", response.headers["location"])).text
        [url] = file_urls(page)
        assert f'href="{url}" download>logo.svg</a>' in page and "<img" not in page.split("<main", 1)[1]
        served = await site.get("ann", url)
        assert served.headers["content-type"] == "image/svg+xml"
        assert served.headers["content-disposition"].startswith("attachment;")
        assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
        assert served.headers["x-content-type-options"] == "nosniff"


async def test_a_form_larger_than_litestars_default_limit_gets_through(tmp_path: Path, database_url_env: str) -> None:
    """Litestar refuses bodies over 10 MB by default; the post form's limit follows [uploads]."""
    settings = make_settings(database_url_env, uploads={"directory": str(tmp_path / "big"), "max_bytes": 12_000_000,
                                                        "max_files": 1})
    app = await build_app(settings)
    async with client_for(app), contextlib.AsyncExitStack() as stack:
        site = Site(app, stack)
        await site.person("ann", None, roles=(("editor", None),))
        big = samples.pdf() + b"%" * (11_000_000 - len(samples.pdf()))
        response = await site.submit("ann", "/posts", {"body": "Big", "audience": ["all"]},
                                     [("attachments", ("big.pdf", big))])
        assert response.status_code == 303, response.text[:300]
        # Other forms keep the default limit.
        post_id = int(response.headers["location"].rsplit("/", 1)[1])
        comment = await site.clients["ann"].post(f"/posts/{post_id}/comments", headers=HTML, data={
            "body": "x" * 10_500_000, "_csrf_token": site.tokens["ann"]})
        assert comment.status_code == 413


# --- editing ------------------------------------------------------------------------------------


async def test_editing_adds_and_removes_files(site: Site) -> None:
    post_id, [photo, notes] = await site.publish("ann", "Hi", [unit(site.north)],
                                                 [("image", "photo.png", samples.png()),
                                                  ("file", "notes.txt", samples.TEXT)])
    form = (await site.get("ann", f"/posts/{post_id}/edit")).text
    assert f'name="remove" value="{notes}"' in form and 'enctype="multipart/form-data"' in form
    notes_path = uploads.file_path(site.intranet, (await uploads.get_uploads([notes]))[notes].sha256)

    response = await site.submit("ann", f"/posts/{post_id}/edit", {
        "body": "Now with the map: ![](map.png)", "remove": [str(notes), "999999"]},
        [("images", ("map.png", samples.png(seed=9)))])
    assert response.status_code == 303, response.text[:300]
    items = (await attachments.attachments_of([post_id]))[post_id]
    assert [(a.filename, a.position) for a in items] == [("photo.png", 0), ("map.png", 1)]
    assert not await Upload.exists().where(Upload.filename == "notes.txt").run()
    assert not notes_path.exists()
    row = await Post.select(Post.body_html, Post.edited_at).where(Post.id == post_id).first().run()
    assert row is not None and row["edited_at"] is not None
    assert f'src="{items[1].url}" alt="map.png"' in row["body_html"]

    # Someone who may not edit the post cannot remove its files either.
    refused = await site.submit("bob", f"/posts/{post_id}/edit", {"body": "x", "remove": [str(photo)]}, [])
    assert refused.status_code == 403
    assert await Upload.exists().where(Upload.id == photo).run()


async def test_an_edit_refused_for_a_file_changes_nothing(site: Site) -> None:
    post_id, [photo] = await site.publish("ann", "Hi", [unit(site.north)], [("image", "photo.png", samples.png())])
    response = await site.submit("ann", f"/posts/{post_id}/edit", {"body": "Changed", "remove": [str(photo)]},
                                 [("attachments", ("evil.png", samples.HTML))])
    assert response.status_code == 400 and "evil.png: files of this type are not allowed" in response.text
    row = await Post.select(Post.body, Post.edited_at).where(Post.id == post_id).first().run()
    assert row == {"body": "Hi", "edited_at": None}
    assert await counts() == (1, 1, 1)


# --- who may download -----------------------------------------------------------------------------


async def test_only_those_who_may_see_the_post_get_its_files(site: Site) -> None:
    post_id, [photo, minutes] = await site.publish("ann", "North only", [unit(site.north)], [
        ("image", "photo.png", samples.png()), ("file", "minutes.pdf", samples.pdf())])
    urls = [attachments.url_of(post_id, photo), attachments.url_of(post_id, minutes)]
    for url in urls:
        assert (await site.get("bob", url)).status_code == 200
        assert (await site.get("mod", url)).status_code == 200
        outsider = await site.get("cat", url)
        assert outsider.status_code == 404 and outsider.content != samples.png()
    # Signed out: sent to sign in (pages), 401 otherwise, as everywhere on the site.
    async with http_client(site.app) as anonymous:
        page = await anonymous.get(urls[0], headers=HTML)
        assert page.status_code == 303 and page.headers["location"].startswith("/signin")
        assert (await anonymous.get(urls[0])).status_code == 401
    # An upload of another post, asked for under this post: not found.
    other_id, [other] = await site.publish("cat", "South", [unit(site.south)], [("file", "s.pdf", samples.pdf("s"))])
    assert (await site.get("bob", attachments.url_of(post_id, other))).status_code == 404
    assert (await site.get("cat", attachments.url_of(other_id, other))).status_code == 200
    assert (await site.get("bob", f"/posts/{post_id}/files/99999999999")).status_code == 404

    await feed.delete_post(site.intranet, post_id, actor_id=site.people["ann"].id)
    for key in ("bob", "cat"):
        assert (await site.get(key, urls[1])).status_code == 404, key
    # Whoever may moderate it still sees a deleted post's files (to decide on restoring it):
    # mod everywhere, ann in North.
    assert (await site.get("mod", urls[1])).status_code == 200
    assert (await site.get("ann", urls[1])).status_code == 200
    # An author who may not moderate loses their deleted post's files like everyone else.
    own, [mine] = await site.publish("bob", "Mine", [unit(site.north)], [("file", "b.pdf", samples.pdf("b"))])
    assert (await site.get("bob", attachments.url_of(own, mine))).status_code == 200
    await feed.delete_post(site.intranet, own, actor_id=site.people["bob"].id)
    assert (await site.get("bob", attachments.url_of(own, mine))).status_code == 404
    await feed.restore_post(site.intranet, post_id, actor_id=site.people["mod"].id)
    assert (await site.get("bob", urls[1])).status_code == 200


async def test_scheduled_and_expired_posts_files(site: Site) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    earlier = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=1)
    scheduled, [a] = await site.publish("ann", "Soon", [unit(site.north)], [("file", "a.pdf", samples.pdf("a"))],
                                        published_at=later)
    expired, [b] = await site.publish("ann", "Gone", [unit(site.north)], [("file", "b.pdf", samples.pdf("b"))],
                                      published_at=earlier - datetime.timedelta(days=1), expires_at=earlier)
    for post_id, upload_id in ((scheduled, a), (expired, b)):
        url = attachments.url_of(post_id, upload_id)
        assert (await site.get("bob", url)).status_code == 404
        assert (await site.get("cat", url)).status_code == 404
        assert (await site.get("ann", url)).status_code == 200  # the author
        assert (await site.get("mod", url)).status_code == 200


async def test_a_unit_moderator_sees_only_files_of_posts_in_their_branch(site: Site) -> None:
    north_post, [n] = await site.publish("mod", "N", [unit(site.north)], [("file", "n.pdf", samples.pdf("n"))])
    mixed, [m] = await site.publish("mod", "Both", [unit(site.north), unit(site.south)],
                                    [("file", "m.pdf", samples.pdf("m"))])
    for post_id in (north_post, mixed):
        await feed.delete_post(site.intranet, post_id, actor_id=site.people["mod"].id)
    # ann edits (and moderates) North only.
    assert (await site.get("ann", attachments.url_of(north_post, n))).status_code == 200
    assert (await site.get("ann", attachments.url_of(mixed, m))).status_code == 404


# --- markdown: images only from the post's own uploads -------------------------------------------------


async def test_the_text_shows_only_the_post_s_own_images(site: Site) -> None:
    other_id, [foreign] = await site.publish("ann", "Other", [unit(site.north)],
                                             [("image", "secret.png", samples.png(seed=3))])
    foreign_url = attachments.url_of(other_id, foreign)
    body = (f"![mine](photo.png) ![tracker](https://tracker.example/pixel.png) ![theirs]({foreign_url}) "
            "![local](/static/core/logo.svg) ![data](data:image/png;base64,AAAA) ![missing](nothing.png)")
    response = await site.submit("ann", "/posts", {"body": body, "audience": [unit(site.north)]},
                                 [("images", ("photo.png", samples.png()))])
    assert response.status_code == 303
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    [own] = (await attachments.attachments_of([post_id]))[post_id]
    row = await Post.select(Post.body_html).where(Post.id == post_id).first().run()
    assert row is not None
    html = row["body_html"]
    assert re.findall(r'<img [^>]*src="([^"]+)"', html) == [own.url]
    for dropped in ("tracker.example", foreign_url, "/static/core/logo.svg", "data:", "nothing.png"):
        assert dropped not in html, dropped
    # What was dropped is left as its words.
    assert "tracker" in html and "theirs" in html
    page = (await site.get("bob", f"/posts/{post_id}")).text
    assert foreign_url not in page and "tracker.example" not in page
    # A post without images shows none, whatever its text names.
    plain, _ids = await site.publish("ann", f"![x]({own.url}) ![y]({foreign_url})", [unit(site.north)])
    plain_html = (await Post.select(Post.body_html).where(Post.id == plain).first().run() or {})["body_html"]
    assert "<img" not in plain_html


# --- the feed page and the API ------------------------------------------------------------------------


@contextlib.contextmanager
def counting_queries(monkeypatch: pytest.MonkeyPatch) -> Any:
    engine_class = type(Post._meta.db)
    counter = {"queries": 0}
    real = engine_class.run_querystring

    async def run_querystring(self: Any, *args: Any, **kwargs: Any) -> Any:
        counter["queries"] += 1
        return await real(self, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(engine_class, "run_querystring", run_querystring)
        yield counter


async def _feed_cost(site: Site, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int, int]:
    await site.get("bob", "/")  # the first visit marks posts seen
    measured = []
    # The least of two: a once-a-minute background check may fall into one of them.
    for _try in range(2):
        with counting_queries(monkeypatch) as counter:
            page = await site.get("bob", "/")
        assert page.status_code == 200
        measured.append(counter["queries"])
    return len(re.findall(r'<article id="post-', page.text)), len(set(file_urls(page.text))), min(measured)


async def test_a_feed_page_with_files_costs_the_same_whatever_its_size(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def posts(count: int, start: int) -> None:
        for number in range(start, start + count):
            await site.publish("ann", f"Post {number}", [unit(site.north)], [
                ("image", f"p{number}.png", samples.png(seed=number)),
                ("file", f"f{number}.txt", f"file {number}".encode())])

    await posts(3, 0)
    shown, files, small = await _feed_cost(site, monkeypatch)
    assert (shown, files) == (3, 6)
    await posts(12, 3)
    shown, files, large = await _feed_cost(site, monkeypatch)
    assert (shown, files) == (15, 30)
    assert small > 5 and large == small, f"3 posts: {small} queries, 15 posts: {large}"


async def test_the_api_lists_a_post_s_files(site: Site) -> None:
    post_id, [photo, minutes] = await site.publish("ann", "Hi", [unit(site.north)], [
        ("image", "photo.png", samples.png()), ("file", "minutes.pdf", samples.pdf())])
    token = await create_api_token(site.intranet, site.people["bob"].id, name="Phone", read_only=True)
    bearer = {"authorization": f"Bearer {token}"}
    answer = await site.clients["bob"].get(f"/api/v1/posts/{post_id}", headers=bearer)
    assert answer.status_code == 200
    assert answer.json()["attachments"] == [
        {"id": photo, "kind": "image", "url": attachments.url_of(post_id, photo),
         "download_url": f"/api/v1/posts/{post_id}/attachments/{photo}", "filename": "photo.png",
         "content_type": "image/png", "size": len(samples.stored(samples.png(), "image/png"))},
        {"id": minutes, "kind": "file", "url": attachments.url_of(post_id, minutes),
         "download_url": f"/api/v1/posts/{post_id}/attachments/{minutes}", "filename": "minutes.pdf",
         "content_type": "application/pdf", "size": len(samples.pdf())},
    ]
    page = await site.clients["bob"].get("/api/v1/feed", headers=bearer)
    [item] = page.json()["items"]
    assert [a["id"] for a in item["attachments"]] == [photo, minutes]
    outsider = await create_api_token(site.intranet, site.people["cat"].id, name="Phone", read_only=True)
    assert (await site.clients["cat"].get(f"/api/v1/posts/{post_id}",
                                          headers={"authorization": f"Bearer {outsider}"})).status_code == 404


async def test_a_deleted_post_erased_with_its_author_takes_its_uploads(site: Site) -> None:
    from intranet_core.personal_data.service import erase_person, leftover_references

    post_id, [photo] = await site.publish("bob", "Mine", [unit(site.north)],
                                          [("image", "me.png", samples.png(seed=5))])
    await erase_person(site.intranet, site.people["bob"].id, actor_id=None, mode="delete_content")
    assert await counts() == (0, 0, 0)
    assert await leftover_references(site.intranet, site.people["bob"].id) == {}
    assert (await site.get("ann", attachments.url_of(post_id, photo))).status_code == 404
