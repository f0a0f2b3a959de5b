"""What a document-source connector is: the types every connector speaks.

A *connector type* (``webdav``, ``fileshare``, ``workzone``, or one another
package adds through the ``register_esdh_connectors`` hook) turns the
settings of one ``[plugins.esdh.sources.<name>]`` section into a
:class:`Connector`. A connector is asynchronous and answers five questions
about the source's items (documents, folders, cases):

``children(item_id, viewer)``
    the items in a folder or a case;
``search(query, viewer, limit)``
    items matching what was typed;
``metadata(item_id, viewer)``
    one item (title, case or file number, version, modified, author), or
    ``None`` when it does not exist or the viewer may not know it does;
``may_read(items, viewer)``
    the ids of those items the viewer may read (all at once: one call per
    list, never one per item);
``open(item_id, viewer)``
    a :class:`Link` to the item in the source's own user interface, or a
    :class:`Download` streamed through the intranet.

Every call gets the :class:`Viewer`: the person the answer is for. A
connector whose answers depend on who asks (it queries the source on the
viewer's behalf) sets ``per_viewer = True``; its answers are cached per
person. One whose answers are the same for everyone (a service account)
sets ``per_viewer = False`` and decides ``may_read`` itself; its answers are
cached once and trimmed per viewer.

Connectors reach the network only through :class:`intranet_esdh.outbound.Outbound`,
which refuses every address but the source's own base URL.
"""

from __future__ import annotations

import datetime
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

import msgspec

if TYPE_CHECKING:
    from intranet_esdh.outbound import Outbound

ItemKind = Literal["document", "folder", "case"]


class SourceError(Exception):
    """The source could not answer: down, too slow, refused, or an answer that makes no sense.

    The message is for the log: never a secret, never a document's title.
    """


class Viewer(msgspec.Struct, frozen=True, kw_only=True):
    """The person an answer is for.

    ``keys`` are their audience keys: ``all``, ``unit:<id>`` for their units
    and the units above, ``role:<name>`` for each role they hold, and the
    keys plugins add (``group:<id>``).
    """

    person_id: int
    email: str
    keys: tuple[str, ...] = ()


class Item(msgspec.Struct, frozen=True, kw_only=True):
    """A document, folder or case in a source. Everything but ``id``, ``kind`` and ``title`` may be empty.

    ``access`` is whatever the connector needs to decide ``may_read`` later
    (a source's effective read permission); it is never shown.
    """

    id: str
    kind: ItemKind
    title: str
    number: str = ""
    version: str = ""
    modified: datetime.datetime | None = None
    author: str = ""
    content_type: str = ""
    size: int | None = None
    access: str = ""


class Link(msgspec.Struct, frozen=True):
    """Open the item at this ``http(s)`` URL (the source's own user interface)."""

    url: str


class Download(msgspec.Struct, frozen=True, kw_only=True):
    """The item's content, streamed through the intranet.

    Either ``path`` (a local file, for file shares) or ``chunks`` (an async
    iterator of bytes) is set. ``filename`` is shown to the browser after
    cleaning; ``content_type`` is never trusted to render inline (always sent
    as an attachment).
    """

    filename: str
    content_type: str = "application/octet-stream"
    size: int | None = None
    path: Path | None = None
    chunks: AsyncIterator[bytes] | None = None


class Connector(Protocol):
    """One configured source. See the module documentation."""

    name: str
    label: str
    per_viewer: bool
    root: str | None
    """The item to start browsing at (``"/"``), or ``None`` when items are only found by search."""

    async def children(self, item_id: str, viewer: Viewer) -> list[Item]: ...

    async def search(self, query: str, viewer: Viewer, limit: int) -> list[Item]: ...

    async def metadata(self, item_id: str, viewer: Viewer) -> Item | None: ...

    async def may_read(self, items: Sequence[Item], viewer: Viewer) -> set[str]: ...

    async def open(self, item_id: str, viewer: Viewer) -> Link | Download: ...


class SourceSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """What every ``[plugins.esdh.sources.<name>]`` section has; a connector type's settings extend it.

    Secrets are never settings: a connector's settings name the environment
    variable that holds one (``password_env``, ``client_secret_env``).
    """

    type: str
    """The connector type: ``webdav``, ``fileshare``, ``workzone``, or one a package adds."""
    label: str = ""
    """The source's name as people see it ("Dokumentarkivet"); the section name when empty."""
    allow_addresses: list[str] = msgspec.field(default_factory=list)
    """Loopback or private addresses or networks (``10.0.0.0/8``) this source may be reached at.
    Outbound requests to such addresses are refused unless listed here."""
    timeout_seconds: float = 10.0
    """The longest one request to the source may take."""

    def __post_init__(self) -> None:
        if not 0 < self.timeout_seconds <= 120:
            raise ValueError(f"timeout_seconds: expected more than 0 and at most 120, got {self.timeout_seconds}")


class ConnectorType(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of source, added through ``register_esdh_connectors``.

    ``settings`` is the Struct a source section of this type is decoded with
    (a subclass of :class:`SourceSettings`); ``create(name, settings,
    outbound)`` returns the :class:`Connector`. It must not do I/O: sources
    are created when the site is built.
    """

    name: str
    settings: type[SourceSettings]
    create: Callable[[str, Any, Outbound], Connector]
