"""The feed's live channel: which post was published, to whom, told to every process of the site.

An event carries a post's id and its audience keys, never its content. The
stream of a feed page forwards to the reader only the ids of posts whose
audience is one of theirs, and the page then asks for the card through the
normal visibility check (``GET /feed/card/<id>``), so nobody receives a post
they may not see.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio
import msgspec
from litestar.channels import ChannelsBackend, ChannelsPlugin, Subscriber

from intranet_core.live.backends import backend_for

log = logging.getLogger(__name__)

FEED_CHANNEL = "intranet_feed"
TOPICS_CHANNEL = "intranet_topics"
"""Events of plugins (see :mod:`intranet_core.live.topics`): a topic name and a short text."""
MAX_TOPIC_LENGTH = 200
STATE_KEY = "live_feed"
# NOTIFY payloads are limited to 8000 bytes; an event with more audience keys
# than fit goes out without them, and each page asks for the card to decide.
MAX_PAYLOAD_BYTES = 7000
SUBSCRIBER_BACKLOG = 100
_HEARTBEAT = b""


class FeedEvent(msgspec.Struct, frozen=True):
    """A post was published: ``post`` id and its audience keys (``None``: not sent, ask per reader)."""

    post: int
    audience: list[str] | None = None

    def concerns(self, keys: list[str]) -> bool:
        """Whether a reader with these audience keys may be in the post's audience."""
        return self.audience is None or not set(self.audience).isdisjoint(keys)


_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(FeedEvent).decode


class TopicEvent(msgspec.Struct, frozen=True):
    """Something under ``topic`` changed (``surveys.results:7``); ``data`` is a short text, never content."""

    topic: str
    data: str = ""


_decode_topic = msgspec.json.Decoder(TopicEvent).decode


def encode_event(event: FeedEvent) -> bytes:
    data = _encode(event)
    if len(data) > MAX_PAYLOAD_BYTES:
        data = _encode(FeedEvent(post=event.post))
    return data


def decode_event(data: bytes) -> FeedEvent | None:
    try:
        return _decode(data)
    except msgspec.DecodeError:
        return None


class LiveFeed:
    """The site's live feed channel, on Litestar channels.

    Started and stopped with the site (the ``startup`` and ``shutdown``
    hooks), so it runs wherever the site's start-up runs: under uvicorn and
    in tests alike.
    """

    def __init__(self, backend: ChannelsBackend) -> None:
        self.backend = backend
        self.channels = ChannelsPlugin(
            backend=backend,
            channels=[FEED_CHANNEL, TOPICS_CHANNEL],
            # A reader whose connection stalls loses the oldest ids, not the server's memory.
            subscriber_max_backlog=SUBSCRIBER_BACKLOG,
            subscriber_backlog_strategy="dropleft",
        )
        self._subscribers: set[Subscriber] = set()
        self.started = False
        self.closing = False

    async def start(self) -> None:
        await self.channels.__aenter__()
        self.started = True

    async def stop(self) -> None:
        self.closing = True
        for subscriber in list(self._subscribers):
            subscriber.put_nowait(None)  # ends the reader's stream
        if self.started:
            self.started = False
            await self.channels.__aexit__(None, None, None)

    async def publish(self, post_id: int, audience: list[str]) -> bool:
        """Tell every process of the site that a post was published; ``False`` if that failed.

        Live updates are a convenience: a failure is logged, never raised into
        the request that published the post (which has committed already).
        """
        if not self.started:
            return False
        try:
            await self.channels.wait_published(encode_event(FeedEvent(post=post_id, audience=audience)), FEED_CHANNEL)
        except Exception as exc:
            log.warning("live updates: could not announce post %s (%s)", post_id, type(exc).__name__)
            return False
        return True

    async def publish_topic(self, topic: str, data: str = "") -> bool:
        """Tell every process of the site that something under ``topic`` changed; ``False`` if that failed.

        Like :meth:`publish`, a failure is logged and never raised.
        """
        if not self.started or not topic or len(topic) > MAX_TOPIC_LENGTH:
            return False
        payload = _encode(TopicEvent(topic=topic, data=data))
        if len(payload) > MAX_PAYLOAD_BYTES:
            payload = _encode(TopicEvent(topic=topic))
        try:
            await self.channels.wait_published(payload, TOPICS_CHANNEL)
        except Exception as exc:
            log.warning("live updates: could not announce a change of %s (%s)", topic, type(exc).__name__)
            return False
        return True

    @contextlib.asynccontextmanager
    async def topic_subscription(
        self, topic: str, *, lifetime: float, heartbeat: float
    ) -> AsyncIterator[AsyncIterator[str | None]]:
        """Each event's ``data`` under ``topic``, or ``None`` every ``heartbeat`` seconds, for ``lifetime`` seconds."""
        subscriber = await self.channels.subscribe(TOPICS_CHANNEL)
        self._subscribers.add(subscriber)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        beat = loop.create_task(self._beat(subscriber, deadline, heartbeat))
        try:
            yield self._topic_events(subscriber, deadline, topic)
        finally:
            beat.cancel()
            self._subscribers.discard(subscriber)
            with anyio.CancelScope(shield=True):
                if self.started:
                    await self.channels.unsubscribe(subscriber, TOPICS_CHANNEL)

    async def _topic_events(self, subscriber: Subscriber, deadline: float, topic: str) -> AsyncIterator[str | None]:
        loop = asyncio.get_running_loop()
        async with contextlib.aclosing(subscriber.iter_events()) as items:
            async for item in items:
                if self.closing or loop.time() >= deadline:
                    return
                if item == _HEARTBEAT:
                    yield None
                    continue
                try:
                    event = _decode_topic(item)
                except msgspec.DecodeError:
                    continue
                if event.topic == topic:
                    yield event.data

    @contextlib.asynccontextmanager
    async def subscription(
        self, *, lifetime: float, heartbeat: float
    ) -> AsyncIterator[AsyncIterator[FeedEvent | None]]:
        """Events of the feed channel for one reader: a :class:`FeedEvent`, or ``None`` every ``heartbeat`` seconds.

        The iteration ends after ``lifetime`` seconds, or when the site stops.
        """
        subscriber = await self.channels.subscribe(FEED_CHANNEL)
        self._subscribers.add(subscriber)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + lifetime
        beat = loop.create_task(self._beat(subscriber, deadline, heartbeat))
        try:
            yield self._events(subscriber, deadline)
        finally:
            beat.cancel()
            self._subscribers.discard(subscriber)
            # The reader may have gone (a cancelled request): leave the channel all the same.
            with anyio.CancelScope(shield=True):
                if self.started:
                    await self.channels.unsubscribe(subscriber, FEED_CHANNEL)

    @staticmethod
    async def _beat(subscriber: Subscriber, deadline: float, heartbeat: float) -> None:
        loop = asyncio.get_running_loop()
        while True:
            remaining = deadline - loop.time()
            await asyncio.sleep(max(0.0, min(heartbeat, remaining)))
            subscriber.put_nowait(_HEARTBEAT)  # the last one wakes the reader at the deadline
            if remaining <= heartbeat:
                return

    async def _events(self, subscriber: Subscriber, deadline: float) -> AsyncIterator[FeedEvent | None]:
        loop = asyncio.get_running_loop()
        async with contextlib.aclosing(subscriber.iter_events()) as items:
            async for item in items:
                if self.closing or loop.time() >= deadline:
                    return
                if item == _HEARTBEAT:
                    yield None
                    continue
                event = decode_event(item)
                if event is not None:
                    yield event


def live_feed(litestar_app: Any) -> LiveFeed | None:
    """The running live feed of a Litestar app (``request.app``), or ``None`` before start-up."""
    state = getattr(litestar_app, "state", None)
    feed = state.get(STATE_KEY) if state is not None else None
    return feed if isinstance(feed, LiveFeed) and feed.started else None


async def start(intranet: Any) -> LiveFeed:
    """Open the site's live feed (the ``startup`` hook)."""
    feed = LiveFeed(backend_for(intranet.settings.database.url, notify=_notify_through_pool))
    await feed.start()
    intranet.litestar.state[STATE_KEY] = feed
    return feed


async def stop(intranet: Any) -> None:
    """Close it (the ``shutdown`` hook)."""
    state = intranet.litestar.state if intranet.litestar is not None else None
    feed = state.pop(STATE_KEY, None) if state is not None else None
    if isinstance(feed, LiveFeed):
        await feed.stop()


async def _notify_through_pool(channel: str, payload: str) -> None:
    """``pg_notify`` on a connection of the site's pool, not a new one per post."""
    from piccolo.apps.migrations.tables import Migration

    await Migration.raw("SELECT pg_notify({}, {})", channel, payload).run()
