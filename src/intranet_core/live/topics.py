"""Live updates for plugins' own pages: "something under this topic changed", told to every process.

The feed's live channel carries new posts; this carries anything else a
page wants to follow as it happens (a survey's results as answers arrive,
a counter). A topic is a plain name chosen by the plugin, prefixed with the
plugin's name (``surveys.results:7``). An event says only that the topic
changed, with a short ``data`` text (a count, an id): never content, and
never anything about who caused it. A page that hears of a change fetches
what it shows through its normal route, with its normal permission check.

In a plugin::

    from intranet_core.live import topics

    # where the change commits
    await topics.publish(app, f"kudos.wall:{wall_id}", data=str(count))

    # a route the page's script listens to (EventSource); check access first
    @get("/kudos/walls/{wall_id:int}/live", guards=[requires_login], opt=topics.NOT_A_PAGE_VIEW)
    async def wall_live(request: Request, wall_id: int) -> Response:
        ...  # 404 unless the reader may see the wall
        return topics.stream(request, f"kudos.wall:{wall_id}")

The stream sends ``event: change`` with the event's ``data``, ends after a
few minutes (the browser reconnects by itself), and answers 204 (the
browser then stops trying) while live updates are not running.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from typing import Any

from litestar import Request, Response
from litestar.response import ServerSentEvent, ServerSentEventMessage

from intranet_core.live.service import LiveFeed, live_feed

STREAM_SECONDS = 300.0
HEARTBEAT_SECONDS = 25.0
RETRY_MILLISECONDS = 3000
NOT_A_PAGE_VIEW = {"skip_usage": True}
"""``opt`` for a stream route: it is not a page someone looked at (see :mod:`intranet_core.usage`)."""
_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


async def publish(intranet: Any, topic: str, data: str = "") -> bool:
    """Tell open pages following ``topic``, in every process, that it changed; ``False`` if nobody could be told.

    Call it after the change has committed. Never raises: live updates are
    a convenience, the change itself has happened.
    """
    live = live_feed(intranet.litestar)
    if live is None:
        return False
    return await live.publish_topic(topic, data)


async def _events(live: LiveFeed, topic: str) -> AsyncIterator[ServerSentEventMessage]:
    lifetime = STREAM_SECONDS * random.uniform(0.8, 1.2)  # noqa: S311 - spreading reconnects, not secrecy
    async with live.topic_subscription(topic, lifetime=lifetime, heartbeat=HEARTBEAT_SECONDS) as events:
        yield ServerSentEventMessage(data=None, comment="live", retry=RETRY_MILLISECONDS)
        async for data in events:
            if data is None:
                yield ServerSentEventMessage(data=None, comment="ping")
            else:
                yield ServerSentEventMessage(data=data or "-", event="change")


def stream(request: Request[Any, Any, Any], topic: str) -> Response[Any]:
    """A Server-Sent Events response: ``event: change`` each time ``topic`` changes.

    Check that the reader may follow the topic before calling it.
    """
    live = live_feed(request.app)
    if live is None:
        return Response(content=None, status_code=204, headers={"Cache-Control": "no-store"})
    return ServerSentEvent(_events(live, topic), headers=_HEADERS)
