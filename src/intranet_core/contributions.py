"""Things plugins contribute to the user interface, ordered explicitly.

Lists of these are always sorted by ``order`` (then label), never by the order
in which plugins happened to register.
"""

from __future__ import annotations

from typing import Any

import msgspec


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


def by_order(items: list[Any]) -> list[Any]:
    """Sort contributions by their explicit ``order``, then by label/title."""
    return sorted(items, key=lambda i: (i.order, getattr(i, "label", getattr(i, "title", ""))))
