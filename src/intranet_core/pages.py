"""What every page's template gets: site, navigation, language, CSRF."""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context
from litestar import Request
from litestar.template.base import csrf_token
from markupsafe import Markup


async def page_context(request: Request[Any, Any, Any], *, title: str, **extra: Any) -> dict[str, Any]:
    """The context of a full page: pass it to ``Template(..., context=...)``."""
    intranet = request.app.state.intranet
    nav = await intranet.nav_items(request)
    path = request.url.path
    current = max(
        (item for item in nav if path == item.href or (item.match and path.startswith(item.match))),
        key=lambda item: len(item.match or item.href),
        default=None,
    )
    return {"title": title, "nav_items": nav, "current_nav": current, "request_path": path, **extra}


@pass_context
def csrf_field(context: Any) -> Markup:
    """The hidden CSRF input every POST form carries: ``{{ csrf_field() }}``."""
    return Markup('<input type="hidden" name="_csrf_token" value="{}">').format(csrf_token(context))
