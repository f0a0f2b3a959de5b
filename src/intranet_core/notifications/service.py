"""The one service the core and plugins notify people through."""

from __future__ import annotations

from typing import Any


async def notify(
    intranet: Any,
    *,
    recipients: list[int],
    kind: str,
    title: str,
    url: str,
    text: str = "",
    actor_id: int | None = None,
) -> None:
    """Tell ``recipients`` (person ids) about something at ``url``.

    ``kind`` is namespaced (``feed.mention``, ``feed.important``,
    ``workgroups.join_request``); each person chooses per kind how they are
    told. ``title`` and ``text`` are plain text (escaped wherever shown).
    Call it after the change it announces has committed.
    """
