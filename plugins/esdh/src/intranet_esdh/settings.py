"""The ``[plugins.esdh]`` section of ``intranet.toml``.

Document sources are tables below it, one per source:
``[plugins.esdh.sources.<name>]`` with a ``type`` (``webdav``, ``fileshare``,
``workzone``, or one another package adds). Each is decoded with its
connector type's own Struct when the site is built (see
:mod:`intranet_esdh.sources`), so a wrong key is reported as
``intranet.toml: plugins.esdh.sources.<name>.<key>: ...``.
"""

from __future__ import annotations

from typing import Any

import msgspec


class EsdhSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    cache_seconds: int = 60
    """How long what a source answered is shown before it is asked again."""
    stale_seconds: int = 86_400
    """How long the last known answer is kept to show (marked as not current) while a source is down."""
    embed_timeout_seconds: float = 1.5
    """The longest a page waits for the document sources; embeds not answered by then show
    the last known data (or a note) and are filled in for the next page view."""
    search_timeout_seconds: float = 1.5
    """The longest the search page waits for the document sources."""
    embed_max_items: int = 20
    """The most documents a folder or case embed lists."""
    nav_favourites: int = 3
    """How many of a person's favourite shortcuts the navigation shows (0: none)."""
    widget_shortcuts: int = 8
    """How many shortcuts the front-page box shows."""
    sources: dict[str, dict[str, Any]] = msgspec.field(default_factory=dict)
    """The document sources, by name: ``[plugins.esdh.sources.<name>]``."""

    def __post_init__(self) -> None:
        for name, low, high in (("cache_seconds", 0, 86_400), ("stale_seconds", 0, 30 * 86_400),
                                ("embed_max_items", 1, 200), ("nav_favourites", 0, 10),
                                ("widget_shortcuts", 0, 50)):
            value = getattr(self, name)
            if not low <= value <= high:
                raise ValueError(f"{name}: expected {low} to {high}, got {value}")
        for name in ("embed_timeout_seconds", "search_timeout_seconds"):
            value = getattr(self, name)
            if not 0 < value <= 30:
                raise ValueError(f"{name}: expected more than 0 and at most 30, got {value}")
