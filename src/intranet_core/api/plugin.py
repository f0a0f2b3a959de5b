"""The JSON API under ``/api/v1`` as a built-in plugin (``core.api``)."""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.api.routes import api_routes

    return api_routes(app)
