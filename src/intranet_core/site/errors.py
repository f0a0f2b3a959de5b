"""Error pages: HTML for browsers, JSON for API clients; never a traceback."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from intranet_core.i18n import gettext as _
from intranet_core.i18n import set_language
from intranet_core.permissions.service import PermissionDenied

log = logging.getLogger("intranet.errors")


def _titles() -> dict[int, str]:
    return {
        400: _("The request could not be understood"),
        401: _("Please sign in"),
        403: _("You do not have access to this page"),
        404: _("Page not found"),
        405: _("That is not possible here"),
        429: _("Too many attempts. Please wait a moment and try again."),
        500: _("Something went wrong on our side"),
    }


def _wants_html(request: Request[Any, Any, Any]) -> bool:
    if request.url.path.startswith(("/api/", "/schema", "/healthz")):
        return False
    return "text/html" in request.headers.get("accept", "")


def error_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    # A 404 or 405 never passes the route middleware that sets the language.
    from intranet_core.app import request_language

    set_language(request_language(request.scope, request.app.state.intranet.settings))
    if isinstance(exc, HTTPException):
        status = exc.status_code
        detail = exc.detail
    elif isinstance(exc, PermissionDenied):
        status, detail = 403, "Forbidden"
    else:
        status = HTTP_500_INTERNAL_SERVER_ERROR
        detail = "Internal Server Error"
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    title = _titles().get(status, _titles()[500] if status >= 500 else _titles()[400])
    headers = getattr(exc, "headers", None) or {}
    if status == 401 and _wants_html(request):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"/signin?next={quote(path, safe='/')}", status_code=303)
    if _wants_html(request):
        return Template(
            "error.html",
            context={"title": title, "status_code": status, "nav_items": [], "current_nav": None,
                     "request_path": request.url.path},
            status_code=status,
            headers=headers,
            media_type=MediaType.HTML,
        )
    body: dict[str, Any] = {"status_code": status, "detail": detail if status < 500 else title}
    extra = getattr(exc, "extra", None)
    if status == 400 and extra:
        body["extra"] = extra
    return Response(body, status_code=status, headers=headers, media_type=MediaType.JSON)
