from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Response
from litestar.types import ControllerRouterHandler

from intranet_core import __version__, hookimpl
from intranet_core.app import Intranet


@get("/healthz", tags=["health"], summary="Health of this process and its database",
     exclude_from_csrf=True, cache_control=None)
async def healthz(request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
    intranet: Intranet = request.app.state.intranet
    database = await intranet.db.ping()
    healthy = database["status"] == "ok"
    return Response(
        {"status": "ok" if healthy else "error", "version": __version__, "database": database},
        status_code=200 if healthy else 503,
        headers={"Cache-Control": "no-store"},
    )


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    return [healthz]
