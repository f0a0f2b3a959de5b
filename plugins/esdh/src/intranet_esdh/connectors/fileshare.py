"""A file share mounted on the server, read only.

The share is a directory (``path``); item ids are paths below it
(``/Guides/Ferieplan 2027.docx``). Nothing is ever written. Hidden entries
(names starting with ``.``) are left out, and a path is followed only while
it stays inside the share: ``..``, and symbolic links pointing outside, are
refused. The file system is read in a worker thread, so a slow mount never
blocks the event loop; documents are streamed from the disk. Who may read
what is decided by the source's ``readers`` and ``access`` rules
(:mod:`intranet_esdh.connectors.access`).
"""

from __future__ import annotations

import asyncio
import datetime
import mimetypes
import os
import stat
from collections.abc import Sequence
from pathlib import Path

import msgspec

from intranet_esdh.connectors import Download, Item, Link, SourceError, SourceSettings, Viewer
from intranet_esdh.connectors.access import AccessRule, check_keys, may_read, normalised
from intranet_esdh.outbound import Outbound

MAX_LISTING = 2000


class FileShareSettings(SourceSettings, frozen=True, kw_only=True):
    path: str
    """The mounted share: ``/mnt/faelles/Intranet``."""
    readers: list[str] = msgspec.field(default_factory=lambda: ["all"])
    """Audience keys that may read the whole share (see ``access`` for folders)."""
    access: list[AccessRule] = msgspec.field(default_factory=list)
    """Folders readable by other audiences than ``readers``."""
    search_max_entries: int = 5000
    """The most files and folders one search looks at."""

    def __post_init__(self) -> None:
        super().__post_init__()
        check_keys(self.readers)
        if not os.path.isabs(self.path):
            raise ValueError(f"path: expected an absolute path, got {self.path!r}")
        if not 1 <= self.search_max_entries <= 100_000:
            raise ValueError(f"search_max_entries: expected 1 to 100000, got {self.search_max_entries}")


class FileShare:
    """A read-only file share (see the module documentation)."""

    per_viewer = False
    root: str | None = "/"

    def __init__(self, name: str, settings: FileShareSettings, outbound: Outbound) -> None:
        self.name = name
        self.label = settings.label or name
        self.settings = settings

    def _root(self) -> Path:
        root = Path(self.settings.path)
        try:
            real = root.resolve(strict=True)
        except OSError:
            raise SourceError(f"source {self.name!r}: the share is not mounted") from None
        if not real.is_dir():
            raise SourceError(f"source {self.name!r}: the share is not a directory")
        return real

    def _resolve(self, item_id: str) -> tuple[Path, str] | None:
        """The real path of an item inside the share, and its id; ``None`` for anything outside or hidden."""
        if "\x00" in item_id:
            return None
        parts = [part for part in item_id.split("/") if part]
        if any(part in (".", "..") or part.startswith(".") for part in parts):
            return None
        root = self._root()
        try:
            real = root.joinpath(*parts).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if real != root and not real.is_relative_to(root):
            return None
        return real, normalised("/".join(parts))

    def _item(self, path: Path, item_id: str) -> Item | None:
        try:
            info = path.stat()
        except OSError:
            return None
        folder = stat.S_ISDIR(info.st_mode)
        if not folder and not stat.S_ISREG(info.st_mode):
            return None
        return Item(
            id=item_id, kind="folder" if folder else "document",
            title=path.name if item_id != "/" else self.label,
            modified=datetime.datetime.fromtimestamp(info.st_mtime, datetime.UTC),
            content_type="" if folder else (mimetypes.guess_type(path.name)[0] or "application/octet-stream"),
            size=None if folder else info.st_size,
        )

    def _metadata(self, item_id: str) -> Item | None:
        found = self._resolve(item_id)
        return self._item(*found) if found else None

    def _children(self, item_id: str) -> list[Item]:
        found = self._resolve(item_id)
        if found is None or not found[0].is_dir():
            return []
        folder, folder_id = found
        items: list[Item] = []
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or len(items) >= MAX_LISTING:
                    continue
                child_id = normalised(f"{folder_id}/{entry.name}")
                inside = self._resolve(child_id)
                if inside is None:
                    continue
                item = self._item(*inside)
                if item is not None:
                    items.append(item)
        return sorted(items, key=lambda item: (item.kind != "folder", item.title.casefold()))

    def _search(self, words: list[str], keys: tuple[str, ...], limit: int) -> list[Item]:
        found: list[Item] = []
        queue = ["/"]
        seen = 0
        while queue and seen < self.settings.search_max_entries and len(found) < limit:
            for item in self._children(queue.pop(0)):
                seen += 1
                if not may_read(item.id, keys, self.settings.readers, self.settings.access):
                    continue
                if item.kind == "folder":
                    queue.append(item.id)
                if all(word in item.title.casefold() for word in words):
                    found.append(item)
        return found[:limit]

    async def metadata(self, item_id: str, viewer: Viewer) -> Item | None:
        return await asyncio.to_thread(self._metadata, item_id)

    async def children(self, item_id: str, viewer: Viewer) -> list[Item]:
        return await asyncio.to_thread(self._children, item_id)

    async def may_read(self, items: Sequence[Item], viewer: Viewer) -> set[str]:
        settings = self.settings
        return {item.id for item in items if may_read(item.id, viewer.keys, settings.readers, settings.access)}

    async def search(self, query: str, viewer: Viewer, limit: int) -> list[Item]:
        words = [word.casefold() for word in query.split() if word]
        if not words:
            return []
        return await asyncio.to_thread(self._search, words, viewer.keys, limit)

    async def open(self, item_id: str, viewer: Viewer) -> Link | Download:
        found = await asyncio.to_thread(self._resolve, item_id)
        if found is None or not found[0].is_file():
            raise SourceError(f"source {self.name!r}: not a document")
        path, _id = found
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return Download(filename=path.name, content_type=content_type, size=path.stat().st_size, path=path)
