"""The signed-in person's own pages: account, language, password and sessions."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from intranet_core.account.common import NO_STORE, describe_device, password_message, when
from intranet_core.account.reset import MAX_PASSWORD_INPUT, spend_reset_tokens
from intranet_core.account.tokens import create_token_submit, revoke_token_submit, tokens_page
from intranet_core.app import language_cookie
from intranet_core.audit.service import client_ip, record
from intranet_core.auth import throttle
from intranet_core.auth.guards import requires_login
from intranet_core.auth.passwords import hash_password_async, password_problem, verify_password
from intranet_core.auth.sessions import current_session_hash, end_session, end_sessions, live_sessions
from intranet_core.auth.tables import UserSession
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.service import set_password_hash, update_person
from intranet_core.people.tables import Person


def _notice(done: str | None) -> str | None:
    """The notice after a change (post/redirect/get); an unknown value shows none."""
    return {
        "language": _("Your language has been saved."),
        "password": _("Your password has been changed. Your other sessions have been signed out."),
        "sessions": _("Your other sessions have been signed out."),
        "session": _("The session has been signed out."),
    }.get(done or "")


async def _account_page(request: Request[Any, Any, Any], *, status_code: int = 200,
                        password_error: str | None = None) -> Template:
    intranet = request.app.state.intranet
    user = request.user
    done = request.query_params.get("done")
    context = await page_context(
        request, title=_("My account"), person=user, notice=_notice(done),
        language_choice=user.language if user.language in intranet.settings.site.languages else "",
        password_error=password_error, min_length=intranet.settings.auth.min_password_length,
    )
    return Template("account/account.html", context=context, status_code=status_code, headers=NO_STORE)


@get("/", name="account")
async def account_page(request: Request[Any, Any, Any]) -> Template:
    return await _account_page(request)


class LanguageForm(msgspec.Struct):
    language: Annotated[str, msgspec.Meta(max_length=16)] = ""


@post("/language", name="account_language", status_code=303)
async def language_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[LanguageForm],
) -> Redirect:
    intranet = request.app.state.intranet
    languages = intranet.settings.site.languages
    if data.language and data.language not in languages:
        return Redirect("/account", status_code=303, headers=NO_STORE)
    # Empty: no preference of their own; the browser's (or the site's) language is used.
    await update_person(intranet, request.user.id, actor_id=request.user.id,
                        fields={"language": data.language or None}, ip=client_ip(request))
    response = Redirect("/account?done=language", status_code=303, headers=NO_STORE)
    if data.language:
        response.cookies.append(language_cookie(data.language, intranet.settings))
    return response


class PasswordForm(msgspec.Struct):
    current_password: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_INPUT)] = ""
    password: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_INPUT)] = ""
    password_again: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_INPUT)] = ""


@post("/password", name="account_password", status_code=303)
async def password_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[PasswordForm],
) -> Template | Redirect:
    intranet = request.app.state.intranet
    user = request.user
    address = client_ip(request)
    auth_settings = intranet.settings.auth
    # Guessing the current password from a borrowed session counts like failed sign-ins.
    attempt = await throttle.begin_attempt(auth_settings, user.email, address)
    if attempt is None:
        return await _account_page(request, status_code=429,
                                   password_error=_("Too many attempts. Please wait a moment and try again."))
    row = await Person.select(Person.password_hash).where(Person.id == user.id).first().run()
    if not await verify_password(row["password_hash"] if row else None, data.current_password):
        await record("auth.password_change_failed", actor_id=user.id, target_type="person", target_id=user.id,
                     ip=address)
        return await _account_page(request, status_code=400,
                                   password_error=_("Your current password is not right."))
    await throttle.attempt_succeeded(user.email, attempt)
    min_length = auth_settings.min_password_length
    problem = "mismatch" if data.password != data.password_again else password_problem(
        data.password, min_length, email=user.email, name=user.name
    )
    if problem:
        return await _account_page(request, status_code=400,
                                   password_error=password_message(problem, min_length))
    password_hash = await hash_password_async(data.password)
    async with intranet.db.transaction(write=True):
        await set_password_hash(user.id, password_hash)
        await spend_reset_tokens(user.id)
        ended = await end_sessions(user.id, keep=current_session_hash(request))
        await record("auth.password_change", actor_id=user.id, target_type="person", target_id=user.id,
                     details={"sessions_ended": ended}, ip=address)
    return Redirect("/account?done=password", status_code=303, headers=NO_STORE)


# --- sessions ----------------------------------------------------------------


@get("/sessions", name="account_sessions")
async def sessions_page(request: Request[Any, Any, Any]) -> Template:
    user = request.user
    current = current_session_hash(request)
    rows = await UserSession.select().where(
        (UserSession.person == user.id) & live_sessions(request.app.state.intranet.settings.auth)
    ).order_by(UserSession.last_seen_at, ascending=False).run()
    sessions = [
        {
            "id": row["id"],
            "device": describe_device(row["user_agent"] or ""),
            "user_agent": row["user_agent"],
            "ip": row["ip"],
            "created": when(row["created_at"]),
            "last_seen": when(row["last_seen_at"]),
            "current": row["id"] == current,
        }
        for row in rows
    ]
    sessions.sort(key=lambda s: not s["current"])  # this device first
    context = await page_context(request, title=_("My sessions"), sessions=sessions,
                                 notice=_notice(request.query_params.get("done")))
    return Template("account/sessions.html", context=context, headers=NO_STORE)


@post("/sessions/end-others", name="account_sessions_end_others", status_code=303)
async def end_other_sessions(request: Request[Any, Any, Any]) -> Redirect:
    user = request.user
    ended = await end_sessions(user.id, keep=current_session_hash(request))
    await record("auth.sessions_end_others", actor_id=user.id, target_type="person", target_id=user.id,
                 details={"sessions_ended": ended}, ip=client_ip(request))
    return Redirect("/account/sessions?done=sessions", status_code=303, headers=NO_STORE)


@post("/sessions/{session_id:str}/end", name="account_session_end", status_code=303)
async def end_one_session(request: Request[Any, Any, Any], session_id: FromPath[str]) -> Redirect:
    user = request.user
    if len(session_id) != 64 or not await end_session(user.id, session_id):
        raise NotFoundException()
    await record("auth.session_end", actor_id=user.id, target_type="person", target_id=user.id,
                 ip=client_ip(request))
    if session_id == current_session_hash(request):
        request.clear_session()
        return Redirect("/signin", status_code=303, headers=NO_STORE)
    return Redirect("/account/sessions?done=session", status_code=303, headers=NO_STORE)


account_router = Router(
    path="/account",
    route_handlers=[
        account_page, language_submit, password_submit,
        sessions_page, end_other_sessions, end_one_session,
        tokens_page, create_token_submit, revoke_token_submit,
    ],
    guards=[requires_login],
    include_in_schema=False,
)
