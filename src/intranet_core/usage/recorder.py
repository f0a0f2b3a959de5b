"""Counting page views: a Litestar middleware, and counts kept in memory and written every half minute.

What counts as a page view: a ``GET`` by a signed-in person, answered
``200`` with HTML, that the browser opened as a page (not a fragment a script
fetched, not a prefetch). Static files, ``/api/``, ``/healthz`` and
``/schema`` are never looked at, nor are route handlers with
``opt={"skip_usage": True}``.

What is kept: the person, the local date and hour, the device class and the
section's name, plus a count. Each process adds its counts to the same rows
(``INSERT … ON CONFLICT … DO UPDATE SET views = views + …``), so any number
of processes may record at once. At most the last half minute of counts is
lost if a process is killed.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import re
import zoneinfo
from collections import Counter
from typing import Any

from litestar import Request
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from intranet_core.people.tables import Person
from intranet_core.usage.devices import classify_device
from intranet_core.usage.service import forget_old
from intranet_core.usage.tables import UsageDay

log = logging.getLogger(__name__)

STATE_KEY = "usage_recorder"
FLUSH_SECONDS = 30.0
RETENTION_EVERY_SECONDS = 24 * 3600.0
MAX_FAILED_FLUSHES = 3
OTHER = "other"
SECTION_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,39}$")
ROWS_PER_STATEMENT = 100

Key = tuple[int, datetime.date, str, int, str]

_UPSERT = (
    'INSERT INTO usage_day (person, "day", device, "hour", section, "views") VALUES {values} '
    'ON CONFLICT (person, "day", device, "hour", section) '
    'DO UPDATE SET "views" = usage_day."views" + excluded."views"'
)


def section_name(value: Any) -> str:
    """A section name as given by the ``usage_section`` hook, or ``other`` if it is not a plain name."""
    if isinstance(value, str) and SECTION_NAME.match(value):
        return value
    return OTHER


class UsageRecorder:
    """Page views of one process, counted in memory until :meth:`flush` adds them to ``usage_day``."""

    def __init__(self, intranet: Any, *, timezone: str, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.intranet = intranet
        self.zone = zoneinfo.ZoneInfo(timezone)
        self.flush_seconds = flush_seconds
        self._counts: Counter[Key] = Counter()
        self._failures = 0
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """Page views counted but not yet written."""
        return sum(self._counts.values())

    def record(self, person_id: int, device: str, section: str, at: datetime.datetime | None = None) -> None:
        """Count one page view, at ``at`` (default now) in the site's time zone."""
        moment = (at or datetime.datetime.now(datetime.UTC)).astimezone(self.zone)
        self._counts[(person_id, moment.date(), device, moment.hour, section_name(section))] += 1

    def section_of(self, request: Request[Any, Any, Any]) -> str:
        try:
            return section_name(self.intranet.hook.usage_section(app=self.intranet, request=request))
        except Exception as exc:  # a plugin's mistake must not cost the page view
            log.warning("usage: the usage_section hook failed (%s)", type(exc).__name__)
            return OTHER

    def page_view(self, scope: Scope) -> None:
        """Count the page view of this request (already answered)."""
        request: Request[Any, Any, Any] = Request(scope)
        headers = request.headers
        device = classify_device(headers.get("user-agent"), mobile_hint=headers.get("sec-ch-ua-mobile"))
        self.record(scope["user"].id, device, self.section_of(request))

    async def flush(self) -> int:
        """Write the counts; returns how many rows were written (added to).

        On failure the counts are kept for the next try; after
        ``MAX_FAILED_FLUSHES`` failures in a row they are given up.
        """
        if not self._counts:
            return 0
        batch, self._counts = self._counts, Counter()
        try:
            written = await write_counts(self.intranet, batch)
        except Exception as exc:
            self._failures += 1
            if self._failures < MAX_FAILED_FLUSHES:
                self._counts.update(batch)
                log.warning("usage: could not write %d count(s) (%s); trying again", len(batch), type(exc).__name__)
            else:
                self._failures = 0
                log.error("usage: gave up %d count(s) after %d failures (%s)", len(batch), MAX_FAILED_FLUSHES,
                          type(exc).__name__)
            return 0
        self._failures = 0
        return written

    async def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self.flush()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        next_retention = loop.time() + RETENTION_EVERY_SECONDS
        settings = self.intranet.settings.usage
        while True:
            await asyncio.sleep(self.flush_seconds)
            await self.flush()
            if loop.time() >= next_retention:
                next_retention = loop.time() + RETENTION_EVERY_SECONDS
                await apply_retention(settings.retention_days, settings.timezone)


async def write_counts(intranet: Any, counts: Counter[Key]) -> int:
    """Add ``counts`` to ``usage_day``, in one transaction.

    People deactivated or erased since (whose rows an erasure has just
    deleted) are left out: their counts would otherwise come back.
    """
    async with intranet.db.transaction(write=True):
        person_ids = sorted({key[0] for key in counts})
        rows = await Person.select(Person.id).where(
            Person.id.is_in(person_ids) & (Person.active == True)  # noqa: E712 - SQL
        ).run()
        existing = {int(row["id"]) for row in rows}
        # In key order: two processes adding to the same rows lock them in the same order (no deadlock).
        items = sorted((key, count) for key, count in counts.items() if key[0] in existing)
        for start in range(0, len(items), ROWS_PER_STATEMENT):
            chunk = items[start:start + ROWS_PER_STATEMENT]
            values = ", ".join(["({}, {}, {}, {}, {}, {})"] * len(chunk))
            args: list[Any] = []
            for (person, day, device, hour, section), count in chunk:
                args += [person, day, device, hour, section, count]
            await UsageDay.raw(_UPSERT.format(values=values), *args).run()
    return len(items)


async def apply_retention(retention_days: int, timezone: str) -> int:
    """:func:`forget_old`, logged rather than raised: housekeeping must not stop the site."""
    try:
        deleted = await forget_old(retention_days, timezone)
    except Exception as exc:
        log.warning("usage: could not delete old usage (%s)", type(exc).__name__)
        return 0
    if deleted:
        log.info("usage: deleted %d row(s) older than %d days", deleted, retention_days)
    return deleted


def recorder_for(litestar_app: Any) -> UsageRecorder | None:
    """The running recorder of a Litestar app, or ``None`` (not started, or ``[usage] enabled = false``)."""
    state = getattr(litestar_app, "state", None)
    recorder = state.get(STATE_KEY) if state is not None else None
    return recorder if isinstance(recorder, UsageRecorder) else None


def _opened_as_page(scope: Scope) -> bool:
    headers = {key: value for key, value in scope.get("headers", []) if key.startswith((b"sec-", b"purpose"))}
    destination = headers.get(b"sec-fetch-dest")
    if destination is not None and destination != b"document":
        return False  # fetched by a script, or an image, frame, ...
    purpose = headers.get(b"sec-purpose", b"") + headers.get(b"purpose", b"")
    return b"prefetch" not in purpose and b"prerender" not in purpose


_NEVER_PAGES = ("/static/", "/api/", "/healthz", "/schema")


def _never_a_page(scope: Scope) -> bool:
    return scope["path"].startswith(_NEVER_PAGES)


class UsageMiddleware(ASGIMiddleware):
    """Counts page views (see the module's description); everything else passes untouched."""

    scopes = (ScopeType.HTTP,)
    exclude_opt_key = "skip_usage"

    def __init__(self) -> None:
        self.should_bypass_for_scope = _never_a_page

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        recorder = recorder_for(scope.get("app"))
        if (
            recorder is None
            or scope.get("method") != "GET"
            or scope.get("user") is None
            or not _opened_as_page(scope)
        ):
            await next_app(scope, receive, send)
            return
        answer = {"status": 0, "html": False}

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
                for name, value in message.get("headers", ()):
                    if name.lower() == b"content-type":
                        answer["html"] = value.startswith(b"text/html")
            await send(message)

        await next_app(scope, receive, watch)
        if answer["status"] == 200 and answer["html"]:
            try:
                recorder.page_view(scope)
            except Exception as exc:
                log.warning("usage: a page view was not counted (%s)", type(exc).__name__)
