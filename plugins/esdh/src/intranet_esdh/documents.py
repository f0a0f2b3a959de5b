"""Documents for a viewer: asked of the sources live, cached briefly, trimmed to what the viewer may read.

Everything shown on a page goes through here: embeds, the front-page box,
browsing, the picker and search. An item the connector says the viewer may
not read is left out, title and all; a document embed of one renders as
nothing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from intranet_core.people.models import PersonInfo
from intranet_esdh.connectors import Connector, Item, SourceError, Viewer
from intranet_esdh.live import Answer
from intranet_esdh.sources import sources_of

logger = logging.getLogger(__name__)


async def viewer_for(app: Any, user: PersonInfo) -> Viewer:
    """The person as connectors see them: e-mail and audience keys (``all``, units, ``role:<name>``, plugins')."""
    from intranet_core.feed.service import audience_keys
    from intranet_core.permissions.tables import RoleAssignment

    keys = list(await audience_keys(app, user))
    roles = await RoleAssignment.select(RoleAssignment.role.name).where(RoleAssignment.person == user.id).run()
    for row in roles:
        key = f"role:{row['role.name']}"
        if key not in keys:
            keys.append(key)
    return Viewer(person_id=user.id, email=user.email, keys=tuple(keys))


def _key(connector: Connector, question: str, item_id: str, viewer: Viewer) -> Hashable:
    # A connector asked on the viewer's behalf answers differently per person: cache per person.
    return (connector.name, question, item_id, viewer.person_id if connector.per_viewer else None)


def _settings(app: Any) -> Any:
    return app.plugin_settings("esdh")


async def item_live(app: Any, connector: Connector, item_id: str, viewer: Viewer, deadline: float
                    ) -> Answer[Item | None]:
    settings = _settings(app)
    return await sources_of(app).cache.get(
        _key(connector, "item", item_id, viewer), lambda: connector.metadata(item_id, viewer),
        ttl=settings.cache_seconds, stale_for=settings.stale_seconds, deadline=deadline,
    )


async def children_live(app: Any, connector: Connector, item_id: str, viewer: Viewer, deadline: float
                        ) -> Answer[list[Item]]:
    settings = _settings(app)
    return await sources_of(app).cache.get(
        _key(connector, "children", item_id, viewer), lambda: connector.children(item_id, viewer),
        ttl=settings.cache_seconds, stale_for=settings.stale_seconds, deadline=deadline,
    )


async def readable(connector: Connector, items: list[Item], viewer: Viewer) -> list[Item]:
    """Those of ``items`` the viewer may read, in order (one question for the whole list)."""
    if not items:
        return []
    allowed = await connector.may_read(items, viewer)
    return [item for item in items if item.id in allowed]


@dataclass
class Embedded:
    """What one embed shows a viewer. ``item`` is ``None`` when there is nothing they may see."""

    source: str
    source_label: str
    item: Item | None
    children: list[Item] = field(default_factory=list)
    more: bool = False
    stale: bool = False
    unavailable: bool = False
    fetched_at: float | None = None


async def embedded(app: Any, source: str, item_id: str, viewer: Viewer, deadline: float) -> Embedded:
    """One embed for one viewer, from the cache or the source, within the page's time budget."""
    connector = sources_of(app).get(source)
    if connector is None:
        return Embedded(source, source, None, unavailable=True)
    label = connector.label
    answer = await item_live(app, connector, item_id, viewer, deadline)
    if answer.missing:
        return Embedded(source, label, None, stale=True, unavailable=True)
    item = answer.value
    try:
        if item is None or not await readable(connector, [item], viewer):
            return Embedded(source, label, None)
    except SourceError:
        return Embedded(source, label, None, stale=True, unavailable=True)
    view = Embedded(source, label, item, stale=answer.stale, fetched_at=answer.fetched_at)
    if item.kind in ("folder", "case"):
        listing = await children_live(app, connector, item_id, viewer, deadline)
        if listing.missing:
            view.stale = view.unavailable = True
            return view
        view.stale = view.stale or listing.stale
        try:
            documents = await readable(connector, list(listing.value or []), viewer)
        except SourceError:
            documents = []
            view.stale = view.unavailable = True
        limit = _settings(app).embed_max_items
        view.children, view.more = documents[:limit], len(documents) > limit
    return view


async def embedded_all(app: Any, wanted: list[tuple[str, str]], viewer: Viewer, budget: float | None = None
                       ) -> list[Embedded]:
    """Several embeds at once, answered together within one time budget (the page's)."""
    deadline = time.monotonic() + (budget if budget is not None else _settings(app).embed_timeout_seconds)
    return list(await asyncio.gather(*(embedded(app, source, item_id, viewer, deadline)
                                       for source, item_id in wanted)))


async def search_sources(app: Any, query: str, viewer: Viewer, limit: int, *, only: str | None = None,
                         seconds: float | None = None) -> list[tuple[Connector, Item]]:
    """Every source's hits the viewer may read; a source slower than the time limit is left out."""
    connectors = [c for c in sources_of(app).all() if only is None or c.name == only]
    if not connectors:
        return []

    async def one(connector: Connector) -> list[tuple[Connector, Item]]:
        found = await connector.search(query, viewer, limit)
        return [(connector, item) for item in await readable(connector, found, viewer)]

    tasks = [asyncio.ensure_future(one(connector)) for connector in connectors]
    done, pending = await asyncio.wait(tasks, timeout=seconds if seconds is not None
                                       else _settings(app).search_timeout_seconds)
    for task in pending:
        task.cancel()
    hits: list[tuple[Connector, Item]] = []
    for task in tasks:
        if task in done and not task.cancelled():
            if task.exception() is not None:
                logger.warning("document source search failed: %s", type(task.exception()).__name__)
                continue
            hits.extend(task.result())
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)
    return hits
