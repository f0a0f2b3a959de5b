"""A notification as code outside the notifications package sees it."""

from __future__ import annotations

import datetime

import msgspec


class NotificationInfo(msgspec.Struct, frozen=True, kw_only=True):
    """One notice, as ``notify()`` stored it for each recipient.

    What ``deliver_notification`` receives. ``title`` and ``text`` are plain
    text: escape them wherever they are shown. ``url`` is a path on this site
    (``/posts/7``); :func:`intranet_core.notifications.service.absolute_url`
    makes it a full link when ``site.base_url`` is set.
    """

    kind: str
    title: str
    url: str
    text: str = ""
    actor_id: int | None = None
    created_at: datetime.datetime
