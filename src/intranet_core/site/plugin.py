"""The site shell as a built-in plugin."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

import jinja2
from litestar import Request
from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import NavItem
from intranet_core.i18n import gettext as _

HERE = Path(__file__).parent

# Not every system's mime.types knows it; browsers want this type for the manifest.
mimetypes.add_type("application/manifest+json", ".webmanifest")


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.site.routes import choose_language

    return [choose_language]


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


@hookimpl
def prepare_jinja_environment(app: Intranet, env: jinja2.Environment) -> None:
    """Globals the page shell uses: ``has_route(name)``, ``current_user()``, ``initials(name)``."""
    route_names: set[str] | None = None

    def has_route(name: str) -> bool:
        """Whether a route handler of that name exists (``has_route("search")``)."""
        nonlocal route_names
        if app.litestar is None:
            return False
        if route_names is None:
            route_names = {
                handler.name
                for route in app.litestar.routes
                for handler in getattr(route, "route_handlers", ())
                if handler.name
            }
        return name in route_names

    env.globals.update(has_route=has_route, current_user=current_user, initials=initials)


@jinja2.pass_context
def current_user(context: Any) -> Any:
    """The signed-in person (``request.user``), or ``None``.

    Read from the scope: pages that never met the authentication middleware
    (a 404 for an unknown path) have no user there, and count as signed out.
    """
    request = context.get("request")
    if request is None:
        return None
    return request.scope.get("user")


def initials(name: str) -> str:
    """``"Anne Krogh Friis"`` -> ``"AF"``: the first and last names' first letters."""
    parts = [part for part in name.replace("-", " ").split() if part]
    if not parts:
        return "?"
    letters = parts[0][0] + (parts[-1][0] if len(parts) > 1 else "")
    return letters.upper()
