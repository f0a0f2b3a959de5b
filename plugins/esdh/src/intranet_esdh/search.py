"""Documents from the sources in site search: asked live, trimmed to what the searcher may read.

Each source is asked at once, and the search page waits for them at most
``search_timeout_seconds``: a slow source is left out of that search, never
keeping the page waiting. Hits link to ``/esdh/open/<source>?item=…``, which
checks again that the person may read the item.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from intranet_core.contributions import SearchHit, SearchProvider
from intranet_core.i18n import format_date
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_esdh.connectors import Connector, Item
from intranet_esdh.documents import search_sources, viewer_for
from intranet_esdh.sources import sources_of


def open_url(source: str, item_id: str) -> str:
    return f"/esdh/open/{source}?item={quote(item_id, safe='')}"


def hit_snippet(connector: Connector, item: Item) -> str:
    parts = [connector.label]
    if item.number:
        parts.append(item.number)
    if item.version:
        parts.append(_("version %(version)s") % {"version": item.version})
    if item.modified is not None:
        parts.append(_("changed %(date)s") % {"date": format_date(item.modified)})
    return " · ".join(parts)


def provider(app: Any) -> SearchProvider | None:
    if not sources_of(app).all():
        return None

    async def documents(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        viewer = await viewer_for(app, user)
        found = await search_sources(app, query, viewer, limit)
        return [SearchHit(title=item.title, url=open_url(connector.name, item.id), snippet=hit_snippet(connector, item))
                for connector, item in found[:limit]]

    return SearchProvider(name="documents", label=_("Documents"), search=documents, order=40)
