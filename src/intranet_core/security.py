"""Security headers on every response (Litestar has none built in)."""

from __future__ import annotations

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

# No inline script anywhere: scripts are files under /static/.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def security_headers_middleware(*, hsts: bool) -> type:
    """An ASGI middleware factory adding the headers; ``hsts`` over https only."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != ScopeType.HTTP:
                await app(scope, receive, send)
                return

            async def send_with_headers(message: Message) -> None:
                if message["type"] == "http.response.start":
                    headers = MutableScopeHeaders.from_message(message)
                    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
                    headers.setdefault("X-Content-Type-Options", "nosniff")
                    headers.setdefault("X-Frame-Options", "DENY")
                    headers.setdefault("Referrer-Policy", "same-origin")
                    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
                    if hsts:
                        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
                await send(message)

            await app(scope, receive, send_with_headers)

        return middleware

    return factory  # type: ignore[return-value]
