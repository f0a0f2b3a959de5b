"""Signing in and out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request, get, post
from litestar.response import Redirect, Response, Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth import throttle
from intranet_core.auth.passwords import hash_password_async, needs_rehash, verify_password
from intranet_core.auth.sessions import sign_in, sign_out
from intranet_core.contributions import by_order
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.service import find_by_email, set_password_hash
from intranet_core.plugins import flatten


def safe_next(target: str | None) -> str:
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


async def _sign_in_page(request: Request[Any, Any, Any], *, email: str = "", error: str | None = None,
                        next_path: str = "/", status_code: int = 200) -> Template:
    intranet = request.app.state.intranet
    methods = by_order(flatten(intranet.hook.register_sign_in_methods(app=intranet)))
    context = await page_context(request, title=_("Sign in"), email=email, error=error, next_path=next_path,
                                 methods=methods)
    return Template("auth/sign_in.html", context=context, status_code=status_code,
                    headers={"Cache-Control": "no-store"})


@get("/signin", name="sign_in", include_in_schema=False)
async def sign_in_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    next_path = safe_next(request.query_params.get("next"))
    if request.user is not None:
        return Redirect(next_path)
    return await _sign_in_page(request, next_path=next_path)


@post("/signin", name="sign_in_submit", include_in_schema=False, status_code=303)
async def sign_in_submit(request: Request[Any, Any, Any]) -> Template | Redirect:
    intranet = request.app.state.intranet
    form = await request.form()
    email = str(form.get("email", "")).strip()[:254]
    password = str(form.get("password", ""))[:1024]
    next_path = safe_next(str(form.get("next", "/")))
    address = client_ip(request)
    auth_settings = intranet.settings.auth
    # Counted before the password is checked, so parallel attempts cannot slip past the limit.
    attempt = await throttle.begin_attempt(auth_settings, email, address)
    if attempt is None:
        await record("auth.sign_in_throttled", actor_id=None, target_type="email", target_id=email.lower(), ip=address)
        return await _sign_in_page(request, email=email, next_path=next_path, status_code=429,
                                   error=_("Too many attempts. Please wait a moment and try again."))
    person = await find_by_email(email) if email else None
    stored = person["password_hash"] if person and person["active"] else None
    # Verified even when no one matches, so the answer takes as long either way.
    if not await verify_password(stored, password) or person is None:
        # The attempt stays recorded as a failure.
        await record("auth.sign_in_failed", actor_id=None, target_type="email", target_id=email.lower(), ip=address)
        return await _sign_in_page(request, email=email, next_path=next_path, status_code=400,
                                   error=_("The e-mail address or the password is not right."))
    if stored and needs_rehash(stored):
        await set_password_hash(person["id"], await hash_password_async(password))
    await throttle.attempt_succeeded(email, attempt)
    await sign_in(request, person["id"], method="password")
    return Redirect(next_path, status_code=303)


@post("/signout", name="sign_out", include_in_schema=False, status_code=303)
async def sign_out_submit(request: Request[Any, Any, Any]) -> Response[Any]:
    user = request.user
    await sign_out(request)
    if user is not None:
        await record("auth.sign_out", actor_id=user.id, target_type="person", target_id=user.id,
                     ip=client_ip(request))
    return Redirect("/signin", status_code=303)
