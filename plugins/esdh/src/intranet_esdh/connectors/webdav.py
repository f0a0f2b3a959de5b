"""WebDAV (RFC 4918): folders and documents on a WebDAV server, read with one account.

``PROPFIND`` with ``Depth: 1`` lists a folder and ``Depth: 0`` reads one
item's properties (``displayname``, ``resourcetype``, ``getlastmodified``,
``getcontentlength``, ``getcontenttype``, and DeltaV's ``version-name`` and
``creator-displayname`` where the server keeps versions); ``GET`` streams a
document. WebDAV has no standard search that servers agree on, so search
walks the folders the viewer may read, breadth first, a bounded number of
them, matching names. Who may read what is decided by the source's
``readers`` and ``access`` rules (:mod:`intranet_esdh.connectors.access`).

Item ids are paths from the base URL: ``/``, ``/Guides``, ``/Guides/Ferieplan 2027.docx``.
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import os
from collections.abc import AsyncIterator, Sequence
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
import msgspec
from defusedxml import ElementTree

from intranet_esdh.connectors import Download, Item, Link, SourceError, SourceSettings, Viewer
from intranet_esdh.connectors.access import AccessRule, check_keys, may_read, normalised
from intranet_esdh.outbound import Outbound, SourcePolicy, base_url, parse_networks

DAV = "{DAV:}"
PROPFIND_BODY = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<D:propfind xmlns:D="DAV:"><D:prop>'
    b"<D:displayname/><D:resourcetype/><D:getlastmodified/><D:getcontentlength/><D:getcontenttype/>"
    b"<D:getetag/><D:version-name/><D:creator-displayname/>"
    b"</D:prop></D:propfind>"
)
MAX_LISTING = 2000


class WebDAVSettings(SourceSettings, frozen=True, kw_only=True):
    base_url: str
    """The folder the source starts at: ``https://files.example.org/dav/Intranet/``."""
    username: str = ""
    """The account the intranet reads with (Basic authentication); empty: none."""
    password_env: str = ""
    """The environment variable holding that account's password."""
    readers: list[str] = msgspec.field(default_factory=lambda: ["all"])
    """Audience keys that may read the whole source (see ``access`` for folders)."""
    access: list[AccessRule] = msgspec.field(default_factory=list)
    """Folders readable by other audiences than ``readers``."""
    open_url: str = ""
    """Where people's browsers open a document (this URL plus its path), when they can reach the
    server themselves; empty: documents are downloaded through the intranet."""
    search_max_folders: int = 50
    """The most folders one search looks through."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_keys(self.readers)
        if self.open_url and not self.open_url.startswith(("https://", "http://")):
            raise ValueError(f"open_url: expected an http:// or https:// URL, got {self.open_url!r}")
        if not 1 <= self.search_max_folders <= 1000:
            raise ValueError(f"search_max_folders: expected 1 to 1000, got {self.search_max_folders}")


def _text(element: Any, tag: str) -> str:
    found = element.find(DAV + tag)
    return "".join(found.itertext()).strip() if found is not None else ""


def _modified(value: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


class WebDAV:
    """A WebDAV source (see the module documentation)."""

    per_viewer = False
    root: str | None = "/"

    def __init__(self, name: str, settings: WebDAVSettings, outbound: Outbound) -> None:
        where = f"plugins.esdh.sources.{name}"
        self.name = name
        self.label = settings.label or name
        self.settings = settings
        self.outbound = outbound
        self.base = base_url(settings.base_url, f"{where}.base_url")
        self.base_path = unquote(self.base.path)
        outbound.policy.add(SourcePolicy(
            name, [self.base], parse_networks(settings.allow_addresses, f"{where}.allow_addresses")
        ))

    # --- talking to the server ------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        headers = {}
        if self.settings.username:
            password = os.environ.get(self.settings.password_env, "") if self.settings.password_env else ""
            if self.settings.password_env and not password:
                raise SourceError(f"source {self.name!r}: environment variable {self.settings.password_env} is not set")
            token = base64.b64encode(f"{self.settings.username}:{password}".encode()).decode("ascii")
            headers["Authorization"] = f"Basic {token}"
        return headers

    def url_of(self, item_id: str) -> httpx.URL:
        path = normalised(item_id)
        return self.base.join(quote(path.lstrip("/"), safe="/"))

    def _id_of(self, href: str) -> str | None:
        path = unquote(urlsplit(href).path)
        if not path.startswith(self.base_path.rstrip("/")):
            return None
        return normalised(path[len(self.base_path.rstrip("/")):])

    async def _propfind(self, item_id: str, depth: str) -> list[Item] | None:
        status, _headers, body = await self.outbound.request(
            self.name, "PROPFIND", self.url_of(item_id),
            headers={**self._headers(), "Depth": depth, "Content-Type": "application/xml; charset=utf-8"},
            content=PROPFIND_BODY, seconds=self.settings.timeout_seconds,
        )
        if status == 404:
            return None
        if status in (401, 403):
            raise SourceError(f"source {self.name!r}: the server refused the intranet's account ({status})")
        if status != 207:
            raise SourceError(f"source {self.name!r}: PROPFIND answered {status}")
        try:
            root = ElementTree.fromstring(body)
        except Exception as exc:  # defusedxml raises several kinds on hostile or broken XML
            raise SourceError(
                f"source {self.name!r}: an answer that is not WebDAV XML ({type(exc).__name__})"
            ) from None
        if root.tag != DAV + "multistatus":
            raise SourceError(f"source {self.name!r}: an answer that is not a multistatus")
        items = []
        for response in root.findall(DAV + "response")[:MAX_LISTING]:
            item_id_found = self._id_of(_text(response, "href"))
            # Hidden entries (".DS_Store", ".git") are not documents anyone meant to share.
            if item_id_found is None or item_id_found.rsplit("/", 1)[-1].startswith("."):
                continue
            props: dict[str, Any] = {}
            for propstat in response.findall(DAV + "propstat"):
                if " 200 " not in f" {_text(propstat, 'status')} ":
                    continue
                prop = propstat.find(DAV + "prop")
                if prop is not None:
                    for child in prop:
                        props[child.tag] = child
            resourcetype = props.get(DAV + "resourcetype")
            folder = resourcetype is not None and resourcetype.find(DAV + "collection") is not None
            name = item_id_found.rsplit("/", 1)[-1] or self.label

            def prop_text(tag: str, props: dict[str, Any] = props) -> str:
                element = props.get(DAV + tag)
                return "".join(element.itertext()).strip() if element is not None else ""

            size = prop_text("getcontentlength")
            items.append(Item(
                id=item_id_found, kind="folder" if folder else "document",
                title=(prop_text("displayname") or name)[:300],
                version=prop_text("version-name")[:50],
                modified=_modified(prop_text("getlastmodified")),
                author=prop_text("creator-displayname")[:200],
                content_type="" if folder else prop_text("getcontenttype")[:100],
                size=int(size) if size.isdigit() else None,
            ))
        return items

    # --- the connector ---------------------------------------------------------------------

    @staticmethod
    def valid(item_id: str) -> bool:
        """A path inside the source: no ``.``/``..`` segments, no hidden names, no control characters."""
        if any(ord(c) < 32 or c == "\x7f" for c in item_id):
            return False
        return not any(part in (".", "..") or part.startswith(".") for part in item_id.split("/") if part)

    async def metadata(self, item_id: str, viewer: Viewer) -> Item | None:
        if not self.valid(item_id):
            return None
        found = await self._propfind(item_id, "0")
        if not found:
            return None
        wanted = normalised(item_id)
        return next((item for item in found if item.id == wanted), found[0])

    async def children(self, item_id: str, viewer: Viewer) -> list[Item]:
        if not self.valid(item_id):
            return []
        found = await self._propfind(item_id, "1")
        if found is None:
            return []
        wanted = normalised(item_id)
        return sorted((item for item in found if item.id != wanted),
                      key=lambda item: (item.kind != "folder", item.title.casefold()))

    async def may_read(self, items: Sequence[Item], viewer: Viewer) -> set[str]:
        settings = self.settings
        return {item.id for item in items if may_read(item.id, viewer.keys, settings.readers, settings.access)}

    async def search(self, query: str, viewer: Viewer, limit: int) -> list[Item]:
        words = [word.casefold() for word in query.split() if word]
        if not words:
            return []
        found: list[Item] = []
        queue = ["/"]
        visited = 0
        while queue and visited < self.settings.search_max_folders and len(found) < limit:
            folder = queue.pop(0)
            visited += 1
            for item in await self.children(folder, viewer):
                if not may_read(item.id, viewer.keys, self.settings.readers, self.settings.access):
                    continue
                if item.kind == "folder":
                    queue.append(item.id)
                title = item.title.casefold()
                if all(word in title for word in words):
                    found.append(item)
        return found[:limit]

    async def open(self, item_id: str, viewer: Viewer) -> Link | Download:
        item = await self.metadata(item_id, viewer)
        if item is None or item.kind != "document":
            raise SourceError(f"source {self.name!r}: not a document")
        if self.settings.open_url:
            return Link(self.settings.open_url.rstrip("/") + quote(item.id, safe="/"))
        return Download(filename=item.id.rsplit("/", 1)[-1],
                        content_type=item.content_type or "application/octet-stream",
                        size=item.size, chunks=self._content(item.id))

    async def _content(self, item_id: str) -> AsyncIterator[bytes]:
        async with self.outbound.stream(self.name, "GET", self.url_of(item_id), headers=self._headers(),
                                        seconds=self.settings.timeout_seconds) as response:
            if response.status_code != 200:
                raise SourceError(f"source {self.name!r}: GET answered {response.status_code}")
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.HTTPError as exc:
                raise SourceError(f"source {self.name!r}: {type(exc).__name__} while downloading") from None
