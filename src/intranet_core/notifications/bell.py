"""The bell's unread count on every full page.

Templates are rendered synchronously, so the count cannot be queried from the
template. It is found beforehand, in this package's ``register_nav_items``
implementation: the one asynchronous hook that
:func:`intranet_core.pages.page_context` calls for every full page, with the
request and the signed-in person. The count (one range of the
``(person, read_at, created_at)`` index, capped at
:data:`~intranet_core.notifications.service.UNREAD_CAP`) is kept in the
request's state, where the ``notifications_unread()`` template global reads it.
"""

from __future__ import annotations

from typing import Any

import jinja2

STATE_KEY = "intranet_notifications_unread"


async def remember_unread(request: Any, user: Any) -> None:
    """Count the signed-in person's unread notifications for the page being built."""
    from intranet_core.notifications.service import unread_count

    if user is None or request is None:
        return
    request.scope.setdefault("state", {})[STATE_KEY] = await unread_count(user.id)


def unread_of(request: Any) -> int | None:
    """The count found for this request, or ``None`` (a page built without ``page_context``)."""
    if request is None:
        return None
    value = request.scope.get("state", {}).get(STATE_KEY)
    return value if isinstance(value, int) else None


@jinja2.pass_context
def notifications_unread(context: Any) -> int | None:
    """``{{ notifications_unread() }}``: the signed-in person's unread count, or ``None`` if unknown."""
    return unread_of(context.get("request"))
