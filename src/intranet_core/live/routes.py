"""The live stream of a feed page (Server-Sent Events) and the card of one post.

``GET /feed/live`` streams ``post`` events whose data is a post id, nothing
else, and only for posts whose audience is one of the reader's. The page's
script (``static/live.js``) then fetches ``GET /feed/card/<id>``, which
answers the post's card only if the reader may see it (the same check as the
permalink) and 404 otherwise.

A stream lasts a few minutes, then ends; the browser reconnects by itself
and sends the id of the last post it was told about (``Last-Event-ID``), and
posts published in between are sent first. Bounded streams keep a restart of
the server from waiting long on open pages, and are re-authenticated each
time: a person signed out or deactivated stops receiving events.
"""

from __future__ import annotations

import datetime
import random
import time
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import ServerSentEvent, ServerSentEventMessage, Template

from intranet_core.auth.guards import requires_login
from intranet_core.feed import cards
from intranet_core.feed import service as feed
from intranet_core.live.service import LiveFeed, live_feed

STREAM_SECONDS = 300.0
"""How long one stream lasts (give or take a fifth, so pages do not reconnect all at once)."""
HEARTBEAT_SECONDS = 25.0
"""A comment line this often keeps proxies from closing a quiet stream."""
RETRY_MILLISECONDS = 3000
"""How soon the browser reconnects after a stream ends."""
KEYS_MAX_AGE_SECONDS = 60.0
"""A reader's audience keys are looked up again at most this often (after joining a unit, say)."""
CATCH_UP = 20
"""At most this many posts published while a page was not listening are sent when it reconnects."""

NO_STORE = {"Cache-Control": "no-store"}
STREAM_HEADERS = {
    "Cache-Control": "no-store",
    # nginx would otherwise hold the events back in its buffer.
    "X-Accel-Buffering": "no",
}
# Neither response is a page someone looked at (see intranet_core.usage).
NOT_A_PAGE_VIEW = {"skip_usage": True}


def _last_seen(after: int | None, last_event_id: str | None) -> int | None:
    """The newest post id the page already has: from the page (``after``) or the browser's reconnect."""
    candidates = [after] if after is not None else []
    if last_event_id and last_event_id.strip().isdigit():
        candidates.append(int(last_event_id.strip()))
    return max(candidates) if candidates else None


def _post_message(post_id: int) -> ServerSentEventMessage:
    return ServerSentEventMessage(data=str(post_id), event="post", id=post_id)


async def missed_posts(keys: list[str], after: int) -> list[int]:
    """Visible posts newer than ``after`` (by id), oldest first: the page prepends each."""
    recent = await feed.visible_post_ids(keys, before=None, limit=CATCH_UP)
    return sorted(post_id for post_id in recent if post_id > after)


async def _stream(request: Request[Any, Any, Any], live: LiveFeed, after: int | None) -> AsyncIterator[Any]:
    intranet = request.app.state.intranet
    user = request.user
    keys = await feed.feed_keys(intranet, user)
    keys_at = time.monotonic()
    sent: set[int] = set()
    lifetime = STREAM_SECONDS * random.uniform(0.8, 1.2)  # noqa: S311 - spreading reconnects, not secrecy
    # Subscribe before catching up, so that nothing published in between is lost.
    async with live.subscription(lifetime=lifetime, heartbeat=HEARTBEAT_SECONDS) as events:
        yield ServerSentEventMessage(data=None, comment="live", retry=RETRY_MILLISECONDS)
        if after is not None:
            for post_id in await missed_posts(keys, after):
                sent.add(post_id)
                yield _post_message(post_id)
        async for event in events:
            if event is None:
                yield ServerSentEventMessage(data=None, comment="ping")
                continue
            if event.post in sent:
                continue
            if not event.concerns(keys) and time.monotonic() - keys_at > KEYS_MAX_AGE_SECONDS:
                keys = await feed.feed_keys(intranet, user)
                keys_at = time.monotonic()
            if event.concerns(keys):
                sent.add(event.post)
                yield _post_message(event.post)


@get("/feed/live", name="feed_live", guards=[requires_login], include_in_schema=False, opt=NOT_A_PAGE_VIEW)
async def live_stream(request: Request[Any, Any, Any], after: FromQuery[int | None] = None) -> Response[Any]:
    """Server-Sent Events: ``event: post`` with a post id, for the reader's audiences only."""
    live = live_feed(request.app)
    if live is None:
        # 204 tells EventSource not to reconnect: the page simply stays as it is.
        return Response(content=None, status_code=204, headers=NO_STORE)
    start = _last_seen(after, request.headers.get("last-event-id"))
    return ServerSentEvent(_stream(request, live, start), headers=STREAM_HEADERS)


@get("/feed/card/{post_id:int}", name="feed_card", guards=[requires_login], include_in_schema=False,
     opt=NOT_A_PAGE_VIEW)
async def post_card(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    """One post's card, as on the feed page; 404 unless the reader may see the post now."""
    intranet = request.app.state.intranet
    user = request.user
    found = await feed.visible_post(post_id, await feed.audience_keys(intranet, user))
    if found is None:
        raise NotFoundException()
    # The card exactly as the feed page shows it (acknowledgement, reactions, comments, edit link);
    # it also counts the post as seen by the reader, as the feed page does.
    [view] = await cards.post_cards(request, [found])
    pinned_until = found.get("pinned_until")
    pinned = pinned_until is not None and pinned_until > datetime.datetime.now(datetime.UTC)
    return Template(
        "live/card.html",
        context={
            "post": view, "pinned": {post_id} if pinned else set(), "viewer_id": user.id,
            # Forms on the card (reactions) send the reader back to the feed page it was added to.
            "here": "/",
        },
        headers=NO_STORE,
    )
