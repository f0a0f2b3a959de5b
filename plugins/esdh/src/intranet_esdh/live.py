"""What sources answered, kept a short while in memory, and shown even when a source is slow or down.

Nothing from a source is ever stored in the database: answers live in this
process's memory only, ``cache_seconds`` as current, and up to
``stale_seconds`` as *last known* data to show (marked as not current) while
the source does not answer.

A page never waits for a source longer than its time budget. A question not
answered by then is left running in the background (one per key, however
many pages ask at once) and fills the cache for the next page view; the
page shows the last known answer, or says the source is not answering.
While such a question is still running, other pages show the last known
answer at once; after one fails, the source is not asked the same again for
``RETRY_SECONDS``.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_ENTRIES = 10_000
RETRY_SECONDS = 10.0
"""After a failed question, the same one is not asked again for this long: pages show the last
known answer at once instead of each waiting for a source that is down."""


@dataclass(frozen=True)
class Answer(Generic[T]):
    """``value`` as the source last answered; ``stale`` when it is older than the cache time;
    ``value`` is ``None`` and ``missing`` true when nothing is known."""

    value: T | None
    stale: bool = False
    missing: bool = False
    fetched_at: float | None = None


class LiveCache:
    """A bounded in-memory cache with single-flight background refreshes."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self.entries: OrderedDict[Hashable, tuple[Any, float, float]] = OrderedDict()
        self.running: dict[Hashable, asyncio.Task[Any]] = {}
        self.failed: dict[Hashable, float] = {}
        self.max_entries = max_entries

    def _store(self, key: Hashable, value: Any) -> None:
        self.entries[key] = (value, time.monotonic(), time.time())
        self.entries.move_to_end(key)
        while len(self.entries) > self.max_entries:
            self.entries.popitem(last=False)

    def forget(self, key: Hashable) -> None:
        self.entries.pop(key, None)

    def _finished(self, key: Hashable, task: asyncio.Task[Any]) -> None:
        if self.running.get(key) is task:
            del self.running[key]
        if task.cancelled():
            return
        error = task.exception()
        if error is None:
            self.failed.pop(key, None)
            self._store(key, task.result())
        else:
            self.failed[key] = time.monotonic()
            if len(self.failed) > self.max_entries:
                self.failed.clear()
            # The type only: a source's message may name a document.
            logger.warning("document source question failed: %s", type(error).__name__)

    def _start(self, key: Hashable, fetch: Callable[[], Awaitable[Any]]) -> asyncio.Task[Any]:
        task = self.running.get(key)
        if task is None or task.done():

            async def run() -> Any:
                return await fetch()

            task = asyncio.get_running_loop().create_task(run())
            self.running[key] = task
            task.add_done_callback(lambda done: self._finished(key, done))
        return task

    async def get(self, key: Hashable, fetch: Callable[[], Awaitable[T]], *, ttl: float, stale_for: float,
                  deadline: float) -> Answer[T]:
        """The current answer, asking the source when it is older than ``ttl``, waiting until ``deadline``
        (a ``time.monotonic()`` value) at most."""
        now = time.monotonic()
        entry = self.entries.get(key)
        if entry is not None and now - entry[1] < ttl:
            return Answer(entry[0], fetched_at=entry[2])
        failed_at = self.failed.get(key)
        if failed_at is not None and now - failed_at < RETRY_SECONDS and key not in self.running:
            return self._last_known(key, stale_for)
        running = self.running.get(key)
        if running is not None and not running.done() and entry is not None:
            # Another page already waited for this question: show what is known, do not wait again.
            return self._last_known(key, stale_for)
        task = self._start(key, fetch)
        wait = max(0.0, deadline - now)
        if not task.done() and wait > 0:
            await asyncio.wait({task}, timeout=wait)
        if task.done() and not task.cancelled() and task.exception() is None:
            if key not in self.entries or self.entries[key][1] < now:
                self._store(key, task.result())
            return Answer(task.result(), fetched_at=time.time())
        return self._last_known(key, stale_for)

    def _last_known(self, key: Hashable, stale_for: float | None = None) -> Answer[Any]:
        entry = self.entries.get(key)
        if entry is not None and (stale_for is None or time.monotonic() - entry[1] < stale_for):
            return Answer(entry[0], stale=True, fetched_at=entry[2])
        return Answer(None, stale=True, missing=True)

    async def close(self) -> None:
        tasks = list(self.running.values())
        self.running.clear()
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)
