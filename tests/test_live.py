"""Live updates: a published post reaches open feed pages, and only those whose reader may see it.

The site is served by a real uvicorn on the test's own event loop, so the
Server-Sent Events stream is read as a browser reads it (an ASGI transport
would wait for the endless response to finish). On PostgreSQL, events also
cross from one process to another through LISTEN/NOTIFY: two separately
built apps in this process, and an `intranet run` in another.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import uvicorn
from litestar import Litestar
from support import is_postgres

from intranet_core.app import create_app
from intranet_core.feed.service import create_post
from intranet_core.live import routes as live_routes
from intranet_core.live.backends import MemoryChannelsBackend, PostgresChannelsBackend, backend_for
from intranet_core.live.service import FeedEvent, LiveFeed, decode_event, encode_event, live_feed
from intranet_core.people.service import add_membership, create_unit
from intranet_core.plugins import gather
from intranet_core.settings import Settings
from intranet_core.testing import TEST_SECRET_KEY, sign_in

WAIT = 5.0


# --- helpers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def served(app: Litestar) -> AsyncIterator[str]:
    """``app`` served by uvicorn on this event loop (start-up and shut-down included); yields its URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on", log_level="warning",
                                           timeout_graceful_shutdown=2))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise AssertionError("uvicorn did not start")
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


class EventStream:
    """An open ``GET /feed/live``, read in the background: events and comments as they arrive."""

    def __init__(self, client: httpx.AsyncClient, path: str = "/feed/live", headers: dict[str, str] | None = None):
        self.client = client
        self.path = path
        self.headers = {"accept": "text/event-stream", **(headers or {})}
        self.events: asyncio.Queue[dict[str, str]] = asyncio.Queue()
        self.comments: list[str] = []
        self.retry: str | None = None
        self.ended = asyncio.Event()
        self.response: httpx.Response | None = None
        self._stack = contextlib.AsyncExitStack()
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> EventStream:
        self.response = await self._stack.enter_async_context(
            self.client.stream("GET", self.path, headers=self.headers, timeout=None)
        )
        assert self.response.status_code == 200, self.response.status_code
        self._task = asyncio.create_task(self._read(self.response))
        # The stream's first line (a comment) says it is subscribed.
        await self.wait_for(lambda: "live" in self.comments)
        return self

    async def __aexit__(self, *exc: Any) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._stack.aclose()

    async def _read(self, response: httpx.Response) -> None:
        event: dict[str, str] = {}
        try:
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    self.comments.append(line[1:].strip())
                elif line == "":
                    if event:
                        await self.events.put(event)
                    event = {}
                else:
                    field, _sep, value = line.partition(":")
                    if field == "retry":
                        self.retry = value.strip()
                    else:
                        event[field] = value.strip()
        finally:
            self.ended.set()

    async def wait_for(self, condition: Any, within: float = WAIT) -> None:
        deadline = time.monotonic() + within
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError("condition not met in time")
            await asyncio.sleep(0.01)

    async def next_post(self, within: float = WAIT) -> int:
        event = await asyncio.wait_for(self.events.get(), within)
        assert event["event"] == "post"
        assert event["id"] == event["data"]
        return int(event["data"])

    async def nothing_within(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            event = await asyncio.wait_for(self.events.get(), seconds)
            raise AssertionError(f"unexpected event {event}")


async def publish(app: Litestar, author_id: int, audience: list[str], title: str = "News", **fields: Any) -> int:
    """Create a post as the feed does, then announce it exactly as the feed does after its commit."""
    intranet = app.state.intranet
    post_id = await create_post(intranet, author_id=author_id, title=title, body=f"{title}: the text.",
                                audience=audience, **fields)
    await gather(intranet.hook.post_published(app=intranet, post_id=post_id, audience=audience))
    return post_id


@contextlib.asynccontextmanager
async def browser(url: str, app: Litestar, email: str, name: str, roles: Any = ()) -> AsyncIterator[Any]:
    """A signed-in HTTP client: ``(client, person)``."""
    async with httpx.AsyncClient(base_url=url, timeout=WAIT) as client:
        person = await sign_in(client, app, email, name=name, roles=roles)
        yield client, person


# --- one process ---------------------------------------------------------------------------


async def test_a_published_post_reaches_an_open_feed_page(intranet_app: Litestar) -> None:
    async with served(intranet_app) as url, browser(url, intranet_app, "editor@example.org", "Eva Editor",
                                                     roles=[("admin", None)]) as (_editor, eva), \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _rasmus):
        async with EventStream(reader) as stream:
            assert stream.response is not None
            assert stream.response.headers["content-type"].startswith("text/event-stream")
            assert stream.response.headers["cache-control"] == "no-store"
            assert stream.retry == str(live_routes.RETRY_MILLISECONDS)
            post_id = await publish(intranet_app, eva.id, ["all"], title="Live news")
            assert await stream.next_post() == post_id
        # The page then asks for the card, which is the feed's own card.
        card = await reader.get(f"/feed/card/{post_id}")
        assert card.status_code == 200
        assert card.headers["content-type"].startswith("text/html")
        assert card.headers["cache-control"] == "no-store"
        assert f'id="post-{post_id}-title"' in card.text
        assert "Live news" in card.text and 'class="card post' in card.text
        assert "data-announce=" in card.text
        # The same card as on the feed page, to the byte: reactions, comments, forms and all.
        page = await reader.get("/", headers={"accept": "text/html"})
        on_page = re.search(rf'<article id="post-{post_id}".*?</article>', page.text, re.S)
        in_card = re.search(rf'<article id="post-{post_id}".*?</article>', card.text, re.S)
        assert on_page is not None and in_card is not None
        assert in_card.group(0) == on_page.group(0)


async def test_a_reader_outside_the_audience_gets_no_event_and_no_card(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
            browser(url, intranet_app, "inside@example.org", "Ida Inside") as (inside, ida), \
            browser(url, intranet_app, "outside@example.org", "Otto Outside") as (outside, _otto):
        district = await create_unit(intranet, name="North", kind="district", parent_id=None, actor_id=None)
        await add_membership(intranet, ida.id, district, actor_id=None)
        async with EventStream(inside) as inside_stream, EventStream(outside) as outside_stream:
            post_id = await publish(intranet_app, eva.id, [f"unit:{district}"], title="For the North only")
            assert await inside_stream.next_post() == post_id
            await outside_stream.nothing_within(1.0)
            # A post to everyone still reaches both, after the one they could not see.
            open_post = await publish(intranet_app, eva.id, ["all"])
            assert await outside_stream.next_post() == open_post
            assert await inside_stream.next_post() == open_post
        assert (await inside.get(f"/feed/card/{post_id}")).status_code == 200
        # Even knowing the id, the card is refused: the same check as the permalink.
        refused = await outside.get(f"/feed/card/{post_id}")
        assert refused.status_code == 404
        assert "For the North only" not in refused.text
        assert (await outside.get(f"/posts/{post_id}")).status_code == 404


async def test_an_event_without_its_audience_still_reveals_no_card(intranet_app: Litestar) -> None:
    # An event too large for a notification travels without its audience keys:
    # every page hears the id, and the card endpoint alone decides.
    intranet = intranet_app.state.intranet
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
            browser(url, intranet_app, "outside@example.org", "Otto Outside") as (outside, _otto):
        district = await create_unit(intranet, name="South", kind="district", parent_id=None, actor_id=None)
        many_keys = [f"unit:{district}", *[f"group:{n}" for n in range(2000)]]
        assert encode_event(FeedEvent(post=1, audience=many_keys)) == b'{"post":1,"audience":null}'
        async with EventStream(outside) as stream:
            post_id = await publish(intranet_app, eva.id, many_keys, title="Secret plans")
            assert await stream.next_post() == post_id
        refused = await outside.get(f"/feed/card/{post_id}")
        assert refused.status_code == 404 and "Secret plans" not in refused.text


async def test_posts_published_while_a_page_was_not_listening_are_sent_first(intranet_app: Litestar) -> None:
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        shown = await publish(intranet_app, eva.id, ["all"], title="On the page")
        missed = [await publish(intranet_app, eva.id, ["all"], title=f"Missed {n}") for n in range(2)]
        # The page says which post it shows newest ...
        async with EventStream(reader, f"/feed/live?after={shown}") as stream:
            assert [await stream.next_post(), await stream.next_post()] == missed  # oldest first
            await stream.nothing_within(0.3)
        # ... and a reconnecting browser says which it heard of last.
        async with EventStream(reader, f"/feed/live?after={shown}", {"last-event-id": str(missed[0])}) as stream:
            assert await stream.next_post() == missed[1]
            await stream.nothing_within(0.3)


async def test_a_scheduled_post_is_not_shown_before_its_time(intranet_app: Litestar) -> None:
    import datetime

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=2)
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        async with EventStream(reader) as stream:
            post_id = await publish(intranet_app, eva.id, ["all"], title="Tomorrow's news", published_at=later)
            assert await stream.next_post() == post_id
        assert (await reader.get(f"/feed/card/{post_id}")).status_code == 404


async def test_streams_send_heartbeats_and_end_after_their_lifetime(
    intranet_app: Litestar, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(live_routes, "HEARTBEAT_SECONDS", 0.1)
    monkeypatch.setattr(live_routes, "STREAM_SECONDS", 0.6)
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        async with EventStream(reader) as stream:
            await stream.wait_for(lambda: "ping" in stream.comments)
            await asyncio.wait_for(stream.ended.wait(), WAIT)
        live = live_feed(intranet_app)
        assert live is not None and not live._subscribers  # the reader left the channel


async def test_the_stream_and_the_card_need_a_signed_in_person(intranet_app: Litestar) -> None:
    async with served(intranet_app) as url, httpx.AsyncClient(base_url=url) as anonymous:
        stream = await anonymous.get("/feed/live", headers={"accept": "text/event-stream"})
        assert stream.status_code == 401  # EventSource gives up on anything but 200
        card = await anonymous.get("/feed/card/1")
        assert card.status_code == 401


async def test_without_a_running_channel_the_stream_says_no_content(intranet_app: Litestar) -> None:
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        live = intranet_app.state.pop("live_feed")
        try:
            response = await reader.get("/feed/live")
            assert response.status_code == 204  # EventSource does not come back
        finally:
            intranet_app.state["live_feed"] = live


async def test_the_feed_page_still_works_and_the_script_is_served(intranet_app: Litestar) -> None:
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        page = await reader.get("/", headers={"accept": "text/html"})
        assert page.status_code == 200 and 'data-live="/feed/live"' in page.text
        script = await reader.get("/static/core.live/live.js")
        assert script.status_code == 200
        assert "javascript" in script.headers["content-type"]
        assert "EventSource" in script.text


async def test_publishing_before_start_up_or_after_shut_down_is_harmless(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    # No channel is running outside a served app: the hook does nothing, and raises nothing.
    await gather(intranet.hook.post_published(app=intranet, post_id=1, audience=["all"]))
    live = LiveFeed(MemoryChannelsBackend())
    assert await live.publish(1, ["all"]) is False


def test_events_carry_ids_and_audience_keys_only() -> None:
    event = FeedEvent(post=7, audience=["all"])
    assert encode_event(event) == b'{"post":7,"audience":["all"]}'
    assert decode_event(b'{"post":7,"audience":["all"]}') == event
    assert decode_event(b"not json") is None
    assert event.concerns(["all", "unit:3"]) and not FeedEvent(post=7, audience=["unit:4"]).concerns(["unit:3"])
    assert FeedEvent(post=7).concerns([])


def test_the_backend_follows_the_database() -> None:
    assert isinstance(backend_for("sqlite:///x.sqlite3"), MemoryChannelsBackend)
    assert isinstance(backend_for("postgresql://u@h/db"), PostgresChannelsBackend)
    assert isinstance(backend_for("postgres://u@h/db"), PostgresChannelsBackend)


# --- several processes (PostgreSQL) --------------------------------------------------------


def needs_postgres(settings: Settings) -> None:
    if not is_postgres(settings.database.url):
        pytest.skip("LISTEN/NOTIFY needs PostgreSQL: set INTRANET_TEST_DATABASE_URL")


async def test_an_event_published_by_one_app_reaches_a_page_served_by_another(
    intranet_app: Litestar, intranet_settings: Settings
) -> None:
    needs_postgres(intranet_settings)
    # A second app on the same (already migrated) database: another "process".
    other_app = create_app(intranet_settings, plugins=[])
    async with served(intranet_app) as first_url, served(other_app) as second_url:
        async with browser(first_url, intranet_app, "editor@example.org", "Eva Editor",
                           roles=[("admin", None)]) as (_e, eva), \
                browser(second_url, other_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
            first, second = live_feed(intranet_app), live_feed(other_app)
            assert first is not None and second is not None and first is not second
            assert isinstance(second.backend, PostgresChannelsBackend)
            async with EventStream(reader) as stream:
                post_id = await publish(intranet_app, eva.id, ["all"], title="Across processes")
                assert await stream.next_post() == post_id
            assert (await reader.get(f"/feed/card/{post_id}")).status_code == 200


async def test_the_listener_reconnects_after_losing_its_connection(
    intranet_app: Litestar, intranet_settings: Settings
) -> None:
    needs_postgres(intranet_settings)
    async with served(intranet_app) as url, \
            browser(url, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
            browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
        live = live_feed(intranet_app)
        assert live is not None and isinstance(live.backend, PostgresChannelsBackend)
        backend = live.backend
        async with EventStream(reader) as stream:
            pid = backend.listener_pid
            admin = await asyncpg.connect(intranet_settings.database.url)
            try:
                await admin.execute("SELECT pg_terminate_backend($1)", pid)
            finally:
                await admin.close()
            deadline = time.monotonic() + WAIT
            while not (backend.reconnects and backend.listening):
                assert time.monotonic() < deadline, "the listener did not reconnect"
                await asyncio.sleep(0.05)
            assert backend.listener_pid != pid
            post_id = await publish(intranet_app, eva.id, ["all"], title="After a reconnect")
            assert await stream.next_post() == post_id


async def test_an_event_reaches_a_page_served_by_another_operating_system_process(
    intranet_app: Litestar, intranet_settings: Settings, tmp_path: Path
) -> None:
    needs_postgres(intranet_settings)
    port = free_port()
    config = tmp_path / "intranet.toml"
    # Only the core, as in intranet_app: installed plugins' tables are not in this database.
    config.write_text(f'secret_key = "{TEST_SECRET_KEY}"\n[database]\nurl = "{intranet_settings.database.url}"\n'
                      '[plugins]\nenabled = []\n')
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    environ["INTRANET_PLUGINS_DISABLED"] = "hello"
    log = tmp_path / "run.log"
    with log.open("wb") as output:
        process = await asyncio.create_subprocess_exec(
            str(Path(sys.executable).parent / "intranet"), "run", "--config", str(config), "--port", str(port),
            cwd=tmp_path, env=environ, stdout=output, stderr=output, start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=WAIT) as probe:
            deadline = time.monotonic() + 30
            while True:
                assert process.returncode is None, log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    if (await probe.get("/healthz")).status_code == 200:
                        break
                assert time.monotonic() < deadline, "intranet run did not start"
                await asyncio.sleep(0.2)
        async with served(intranet_app) as here, \
                browser(here, intranet_app, "editor@example.org", "Eva Editor", roles=[("admin", None)]) as (_e, eva), \
                browser(url, intranet_app, "reader@example.org", "Rasmus Reader") as (reader, _r):
            async with EventStream(reader) as stream:
                post_id = await publish(intranet_app, eva.id, ["all"], title="From another process")
                assert await stream.next_post() == post_id
            assert (await reader.get(f"/feed/card/{post_id}")).status_code == 200
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 15)
        except TimeoutError:
            process.kill()
            await process.wait()

