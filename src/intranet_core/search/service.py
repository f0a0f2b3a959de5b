"""Keeping the search index in step with the content, in the same transaction."""

from __future__ import annotations


async def index_document(
    *, kind: str, ref_id: int, title: str, body: str, audience: list[str], url: str
) -> None:
    """Add or replace the document ``(kind, ref_id)``; call it inside the content's transaction.

    ``audience`` are the audience keys that may find it (``all``, ``unit:3``);
    the searcher's keys are matched in the query.
    """


async def remove_document(*, kind: str, ref_id: int) -> None:
    """Take a document out of the index (deleted content, erased person)."""
