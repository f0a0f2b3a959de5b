"""The site shell as a built-in plugin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import NavItem
from intranet_core.i18n import gettext as _

HERE = Path(__file__).parent


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.site.routes import choose_language, home

    return [home, choose_language]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def register_static_dirs(app: Intranet) -> list[Path]:
    return [HERE / "static"]


@hookimpl
def register_exception_handlers(app: Intranet) -> dict[Any, Any]:
    from intranet_core.site.errors import error_response

    return {Exception: error_response}


@hookimpl
def register_nav_items(app: Intranet, request: Request[Any, Any, Any]) -> list[NavItem]:
    return [NavItem(label=_("Front page"), href="/", order=0)]
