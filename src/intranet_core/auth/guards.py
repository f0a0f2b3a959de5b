"""Litestar guards: signed in, and holding a permission."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from intranet_core.permissions.service import may, may_anywhere


def requires_login(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Anonymous visitors are sent to sign in (pages) or get 401 (API)."""
    if connection.scope.get("user") is None:
        raise NotAuthorizedException()


def requires_permission(permission: str, *, anywhere: bool = False) -> Any:
    """A guard: signed in and holding ``permission`` everywhere (or, with ``anywhere``, for some unit).

    Checks that depend on a particular unit belong in the handler:
    ``await may(user.id, permission, unit_id)``.
    """

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        requires_login(connection, handler)
        user = connection.scope["user"]
        allowed = await (may_anywhere(user.id, permission) if anywhere else may(user.id, permission))
        if not allowed:
            raise PermissionDeniedException()

    return guard
