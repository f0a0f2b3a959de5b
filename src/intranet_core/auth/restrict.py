"""Keep a signed-in person to some paths when a plugin says so (a new hire before their first day).

Plugins answer ``restrict_paths(app, request, user)``; when any answers
with a list, the person may open only paths under one of the listed
prefixes and the few the core always allows (signing in and out, their
account, static files). Anything else is not found (404), so nothing about
the rest of the site shows; the front page sends them to the first prefix
a plugin listed.
"""

from __future__ import annotations

import inspect
from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException
from litestar.types import ASGIApp, Receive, Scope, Send

ALWAYS_ALLOWED = ("/signin", "/signout", "/account", "/static/", "/healthz")


def under(path: str, prefix: str) -> bool:
    """``path`` is ``prefix`` or below it (``/onboarding`` covers ``/onboarding/flows/3``, not ``/onboardings``)."""
    if prefix.endswith("/"):
        return path.startswith(prefix)
    return path == prefix or path.startswith(prefix + "/")


async def allowed_prefixes(intranet: Any, request: Request[Any, Any, Any], user: Any) -> list[str] | None:
    """The prefixes plugins limit ``user`` to, or ``None`` when none limits them."""
    limits = []
    for answer in intranet.hook.restrict_paths(app=intranet, request=request, user=user):
        # Awaited one by one (not flattened): each answer is a list of its own, or None.
        answer = await answer if inspect.isawaitable(answer) else answer
        if answer is not None:
            limits.append(answer)
    if not limits:
        return None
    return [str(prefix) for answer in limits for prefix in answer if str(prefix).startswith("/")]


def restrict_paths_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        user = scope.get("user") if scope["type"] == "http" else None
        if user is None:
            await app(scope, receive, send)
            return
        intranet = scope["app"].state.intranet
        prefixes = await allowed_prefixes(intranet, Request(scope), user)
        path = scope["path"]
        if prefixes is None or any(under(path, p) for p in (*ALWAYS_ALLOWED, *prefixes)):
            await app(scope, receive, send)
            return
        if path == "/" and prefixes and scope.get("method") in ("GET", "HEAD"):
            start: Any = {"type": "http.response.start", "status": 303,
                          "headers": [(b"location", prefixes[0].encode()), (b"content-length", b"0")]}
            await send(start)
            body: Any = {"type": "http.response.body", "body": b""}
            await send(body)
            return
        raise NotFoundException()

    return middleware
