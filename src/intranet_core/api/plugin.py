"""The JSON API as a built-in plugin (``core.api``).

Until ``core.api`` is listed among the built-in plugins, the
``core.personal_data`` plugin serves these routes instead; once it is, it
leaves them to this one.
"""

from __future__ import annotations

from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.api.routes import api_routes

    return api_routes()
