"""Things plugins contribute to the user interface, ordered explicitly.

Lists of these are always sorted by ``order`` (then label), never by the order
in which plugins happened to register.
"""

from __future__ import annotations

import datetime
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Literal

import msgspec

if TYPE_CHECKING:
    from intranet_core.people.models import PersonInfo


class NavItem(msgspec.Struct, frozen=True, kw_only=True):
    """An entry in the site navigation.

    ``label`` is shown as given: translate it in the hook with
    ``intranet_core.i18n.gettext`` (it runs per request, in the reader's
    language). ``match`` is a path prefix that marks the item as current.
    """

    label: str
    href: str
    order: int = 100
    icon: str | None = None
    match: str | None = None


class Widget(msgspec.Struct, frozen=True, kw_only=True):
    """A box on the front page: ``template`` is included with ``widget`` in its context."""

    title: str
    template: str
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    order: int = 100


class ProfileSection(msgspec.Struct, frozen=True, kw_only=True):
    """A part of a person's profile page (``/people/<id>``).

    ``template`` is included with ``section`` (this object), ``person`` (the
    person shown) and ``viewer`` (the signed-in reader) in its context, so it
    reads its data as ``section.context``. ``name`` identifies the section: one
    with the same name as a section registered before it replaces it (the
    core's are ``contact`` and ``organisation``). ``title`` is its heading,
    translated in the hook; an empty title shows no heading.
    """

    name: str
    title: str
    template: str
    context: dict[str, Any] = msgspec.field(default_factory=dict)
    order: int = 100


class Permission(msgspec.Struct, frozen=True, kw_only=True):
    """Something a role may allow: ``feed.publish``, ``workgroups.create``.

    ``default_roles`` names the built-in roles that hold it from the start
    (created if missing): ``"editor"``, ``"hr"``, ... The ``admin`` role holds
    every permission.
    """

    name: str
    label: str
    default_roles: tuple[str, ...] = ()


class SignInMethod(msgspec.Struct, frozen=True, kw_only=True):
    """Another way to sign in, shown on the sign-in page (OpenID Connect, SAML)."""

    name: str
    label: str
    href: str
    order: int = 100


class AudienceChoice(msgspec.Struct, frozen=True, kw_only=True):
    """An audience a person may publish to: ``key`` such as ``group:3``, shown as ``label``."""

    key: str
    label: str
    order: int = 100


class NotificationKind(msgspec.Struct, frozen=True, kw_only=True):
    """Something people can be notified of (``workgroups.join_request``), and how by default.

    ``name`` is the ``kind`` passed to
    :func:`intranet_core.notifications.service.notify`; ``label`` is shown on
    each person's notification settings page (translate it in the hook);
    ``default_delivery`` is how a person is e-mailed until they choose
    otherwise: ``"immediately"``, ``"daily"`` (the daily digest) or ``"never"``.
    """

    name: str
    label: str
    default_delivery: Literal["immediately", "daily", "never"] = "daily"
    order: int = 100


class SearchHit(msgspec.Struct, frozen=True, kw_only=True):
    """One search result: ``title`` linking to ``url``, with a line of plain ``snippet`` text.

    All three are plain text: the search page escapes them (and marks the
    searched words itself). ``url`` is a path on the site (``/posts/7``) or an
    ``https:``, ``http:``, ``mailto:`` or ``tel:`` link; a hit with any other
    URL is dropped.
    """

    title: str
    url: str
    snippet: str = ""


class SearchProvider(msgspec.Struct, frozen=True, kw_only=True):
    """A kind of search result, shown as one group on the search page.

    ``search(query, user, limit)`` is awaited with what the person typed (at
    most 200 characters), the signed-in person, and how many hits to return
    at most; it returns the best :class:`SearchHit` first, and only what
    ``user`` may see. ``name`` (``posts``, ``people``) identifies the group in
    ``/search?kind=`` and the API; ``label`` is its heading, translated.
    """

    name: str
    label: str
    search: Callable[[str, PersonInfo, int], Awaitable[list[SearchHit]]]
    order: int = 100


class PeriodicTask(msgspec.Struct, frozen=True, kw_only=True):
    """Work done every ``interval`` by one process of the site (``register_periodic_tasks``).

    ``name`` is namespaced like permissions (``surveys.rounds``) and unique on
    the site; ``run(app)`` is awaited with the :class:`intranet_core.app.Intranet`.
    ``timeout`` is how long a run may take before another process may start
    the task again (after a crash): keep a run well within it.
    """

    name: str
    interval: datetime.timedelta
    run: Callable[[Any], Awaitable[None]]
    timeout: datetime.timedelta = datetime.timedelta(minutes=15)


def by_order(items: list[Any]) -> list[Any]:
    """Sort contributions by their explicit ``order``, then by label/title."""
    return sorted(items, key=lambda i: (i.order, getattr(i, "label", getattr(i, "title", ""))))
