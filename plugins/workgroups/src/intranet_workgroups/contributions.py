"""What other plugins exchange with this one: a group as they see it, and document lists they attach."""

from __future__ import annotations

import msgspec


class GroupInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A group, as passed to ``group_document_sources``."""

    id: int
    name: str
    kind: str
    """``local`` or ``topic``."""
    visibility: str
    """``open``, ``closed`` or ``secret``."""
    unit_id: int | None
    """A local group's unit."""
    url: str


class GroupDocument(msgspec.Struct, frozen=True, kw_only=True):
    """One entry of an external document list: ``title`` linking to ``url``, with a line of ``meta``.

    All plain text (escaped when shown). ``url`` is a path on this site or an
    ``https:``/``http:`` link; an entry with any other URL is left out.
    """

    title: str
    url: str
    meta: str = ""


class GroupDocumentSection(msgspec.Struct, frozen=True, kw_only=True):
    """A list of documents from another system, shown on a group's page.

    ``title`` is the section's heading (translated by the plugin). Either
    ``documents`` are listed as links, or, with ``template``, that template
    is included with ``section`` (this object) in its context, reading its
    data as ``section.context``. ``more_url`` links to the full list.
    """

    title: str
    documents: list[GroupDocument] = msgspec.field(default_factory=list)
    template: str | None = None
    context: dict[str, object] = msgspec.field(default_factory=dict)
    more_url: str | None = None
    order: int = 100
