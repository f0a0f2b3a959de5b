"""Channels backends: which one a site uses, and PostgreSQL LISTEN/NOTIFY that survives a lost connection.

One process (SQLite, the default) shares events in memory. On PostgreSQL
every process listens on the site's own database, so an event published by
one process reaches the open pages served by all of them, with nothing else
to install or run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import Any

import asyncpg
from litestar.channels import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend

log = logging.getLogger(__name__)

RECONNECT_MIN_S = 0.5
RECONNECT_MAX_S = 30.0

Notify = Callable[[str, str], Awaitable[Any]]


def backend_for(database_url: str, notify: Notify | None = None) -> ChannelsBackend:
    """In memory for SQLite (one process); LISTEN/NOTIFY on the site's database for PostgreSQL."""
    if database_url.startswith(("postgres://", "postgresql://")):
        return PostgresChannelsBackend(database_url, notify=notify)
    return MemoryChannelsBackend()


class PostgresChannelsBackend(ChannelsBackend):
    """LISTEN/NOTIFY on one dedicated connection per process.

    Litestar's ``AsyncPgChannelsBackend`` does the same, but stays deaf for
    good once its listening connection is lost (a database restart, a
    fail-over, an idle timeout in a pooler). Here the connection is opened
    again, with growing pauses, and listens to the same channels as before.
    Events published while it was away are not replayed: open pages catch
    up when their stream reconnects (see ``intranet_core.live.routes``).

    :param dsn: the site's ``database.url``.
    :param notify: ``await notify(channel, payload)`` sends a notification,
        e.g. through the site's connection pool; by default a short-lived
        connection is opened for each.
    """

    def __init__(self, dsn: str, *, notify: Notify | None = None) -> None:
        self._dsn = dsn
        self._notify = notify
        self._channels: set[str] = set()
        self._queue: asyncio.Queue[tuple[str, bytes]] | None = None
        self._listener: asyncpg.Connection | None = None
        self._lock = asyncio.Lock()
        self._reconnecting: asyncio.Task[None] | None = None
        self._closing = False
        self.reconnects = 0
        """How many times the listening connection was opened again (for tests and health checks)."""

    @property
    def listening(self) -> bool:
        return self._listener is not None and not self._listener.is_closed()

    @property
    def listener_pid(self) -> int | None:
        """The server process id of the listening connection."""
        return self._listener.get_server_pid() if self.listening and self._listener else None

    async def on_startup(self) -> None:
        self._closing = False
        self._lock = asyncio.Lock()
        self._queue = asyncio.Queue()
        async with self._lock:
            await self._open()

    async def on_shutdown(self) -> None:
        self._closing = True
        if self._reconnecting is not None:
            self._reconnecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reconnecting
            self._reconnecting = None
        async with self._lock:
            listener, self._listener = self._listener, None
            if listener is not None and not listener.is_closed():
                await listener.close()
        self._channels.clear()
        self._queue = None

    async def _open(self) -> None:
        connection = await asyncpg.connect(self._dsn)
        try:
            for channel in self._channels:
                await connection.add_listener(channel, self._received)
        except BaseException:
            await connection.close()
            raise
        connection.add_termination_listener(self._lost)
        self._listener = connection

    def _lost(self, connection: Any) -> None:
        if self._closing or connection is not self._listener:
            return
        log.warning("live updates: the listening database connection was lost; reconnecting")
        if self._reconnecting is None or self._reconnecting.done():
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        pause = RECONNECT_MIN_S
        while not self._closing:
            try:
                async with self._lock:
                    await self._open()
            except (TimeoutError, OSError, asyncpg.PostgresError) as exc:
                log.warning("live updates: reconnecting failed (%s); next try in %.0f s", type(exc).__name__, pause)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECONNECT_MAX_S)
            else:
                self.reconnects += 1
                log.info("live updates: listening again")
                return

    def _received(self, connection: Any, pid: int, channel: str, payload: object) -> None:
        if self._queue is not None and isinstance(payload, str):
            self._queue.put_nowait((channel, payload.encode("utf-8")))

    async def publish(self, data: bytes, channels: Iterable[str]) -> None:
        if self._queue is None:
            raise RuntimeError("the channels backend has not been started")
        payload = data.decode("utf-8")
        for channel in channels:
            if self._notify is not None:
                await self._notify(channel, payload)
                continue
            connection = await asyncpg.connect(self._dsn)
            try:
                await connection.execute("SELECT pg_notify($1, $2)", channel, payload)
            finally:
                await connection.close()

    async def subscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            for channel in set(channels) - self._channels:
                self._channels.add(channel)
                if self.listening and self._listener is not None:
                    await self._listener.add_listener(channel, self._received)

    async def unsubscribe(self, channels: Iterable[str]) -> None:
        async with self._lock:
            for channel in set(channels) & self._channels:
                self._channels.discard(channel)
                if self.listening and self._listener is not None:
                    await self._listener.remove_listener(channel, self._received)

    async def stream_events(self) -> AsyncGenerator[tuple[str, bytes], None]:
        if self._queue is None:
            raise RuntimeError("the channels backend has not been started")
        queue = self._queue
        while True:
            channel, message = await queue.get()
            queue.task_done()
            # An UNLISTEN may have been on its way while this was queued.
            if channel in self._channels:
                yield channel, message

    async def get_history(self, channel: str, limit: int | None = None) -> list[bytes]:
        raise NotImplementedError("PostgreSQL notifications keep no history")
