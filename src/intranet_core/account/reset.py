"""Password reset by e-mail.

Asking for a link always gets the same answer, whether or not the address
belongs to someone: the look-up, the token and the mail happen after the
response is sent. Only the sha256 of a token is stored, and a token is
consumed by one conditional ``UPDATE … RETURNING``, so of any number of
concurrent uses exactly one succeeds.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import time
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Template

from intranet_core import i18n
from intranet_core.account.common import NO_STORE, password_message
from intranet_core.audit.service import client_ip, record
from intranet_core.auth.passwords import hash_password_async, password_problem
from intranet_core.auth.sessions import end_sessions
from intranet_core.auth.tables import PasswordResetToken, SignInFailure
from intranet_core.i18n import gettext as _
from intranet_core.i18n import ngettext
from intranet_core.mail import send_mail
from intranet_core.pages import page_context
from intranet_core.people.service import find_by_email, get_person, normalise_email, set_password_hash
from intranet_core.people.tables import Person

log = logging.getLogger("intranet.account")

# Requests for a link, within ``auth.failure_window_minutes``: per address
# asked for, and per client address (a whole office may share one).
MAX_REQUESTS_PER_EMAIL = 5
MAX_REQUESTS_PER_ADDRESS = 30
MAX_PASSWORD_INPUT = 1024


def reset_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


# --- throttling: rows in the shared sign_in_failure table ---------------------


def _throttle_keys(email: str, address: str) -> tuple[str, str]:
    return f"reset:{normalise_email(email)[:250]}", f"reset-address:{address[:64]}"


async def reset_throttled(window_minutes: int, email: str, address: str) -> bool:
    """True when too many links were asked for this e-mail or from this address."""
    by_email, by_address = _throttle_keys(email, address)
    since = time.time() - window_minutes * 60
    if await SignInFailure.count().where((SignInFailure.key == by_email) & (SignInFailure.at > since)).run() \
            >= MAX_REQUESTS_PER_EMAIL:
        return True
    return await SignInFailure.count().where(
        (SignInFailure.key == by_address) & (SignInFailure.at > since)
    ).run() >= MAX_REQUESTS_PER_ADDRESS


async def count_reset_request(email: str, address: str) -> None:
    by_email, by_address = _throttle_keys(email, address)
    now = time.time()
    await SignInFailure.insert(SignInFailure(key=by_email, at=now), SignInFailure(key=by_address, at=now)).run()


# --- tokens ------------------------------------------------------------------


async def create_reset_token(person_id: int, minutes: int) -> str:
    """A new link token for ``person_id``; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    now = _now()
    # Spent and expired tokens of this person are of no further use.
    await PasswordResetToken.delete().where(
        (PasswordResetToken.person == person_id)
        & (PasswordResetToken.used_at.is_not_null() | (PasswordResetToken.expires_at <= now))
    ).run()
    await PasswordResetToken.insert(
        PasswordResetToken(
            token_hash=reset_token_hash(token), person=person_id, expires_at=now + datetime.timedelta(minutes=minutes)
        )
    ).run()
    return token


async def person_for_token(token: str) -> dict[str, Any] | None:
    """The active person a usable token belongs to (a read: nothing is consumed)."""
    row = await PasswordResetToken.select(PasswordResetToken.person).where(
        (PasswordResetToken.token_hash == reset_token_hash(token))
        & PasswordResetToken.used_at.is_null()
        & (PasswordResetToken.expires_at > _now())
    ).first().run()
    if row is None:
        return None
    return await Person.select(Person.id, Person.email, Person.name).where(
        (Person.id == row["person"]) & (Person.active == True)  # noqa: E712 - SQL, not Python
    ).first().run()


async def consume_reset_token(token: str) -> int | None:
    """Mark the token used, if it still may be, in one statement; its person, or ``None``."""
    now = _now()
    rows = await PasswordResetToken.update({PasswordResetToken.used_at: now}).where(
        (PasswordResetToken.token_hash == reset_token_hash(token))
        & PasswordResetToken.used_at.is_null()
        & (PasswordResetToken.expires_at > now)
    ).returning(PasswordResetToken.person).run()
    return int(rows[0]["person"]) if rows else None


async def spend_reset_tokens(person_id: int) -> None:
    """Every outstanding link of a person stops working (their password just changed)."""
    await PasswordResetToken.update({PasswordResetToken.used_at: _now()}).where(
        (PasswordResetToken.person == person_id) & PasswordResetToken.used_at.is_null()
    ).run()


# --- the mail ----------------------------------------------------------------


def base_url(request: Request[Any, Any, Any]) -> str:
    """The site's public address: ``site.base_url``, else the one this request came to."""
    configured = request.app.state.intranet.settings.site.base_url
    return (configured or str(request.base_url)).rstrip("/")


def reset_mail(*, site: str, name: str, link: str, minutes: int) -> tuple[str, str]:
    """Subject and text of the mail, in the current language."""
    subject = _("Choose a new password for %(site)s") % {"site": site}
    lines = [
        _("Hello %(name)s,") % {"name": name},
        "",
        _("Someone, hopefully you, asked to reset the password of your account on %(site)s.") % {"site": site},
        ngettext(
            "To choose a new password, open this link within %(count)d minute:",
            "To choose a new password, open this link within %(count)d minutes:",
            minutes,
        ) % {"count": minutes},
        "",
        link,
        "",
        _("The link works once. If you did not ask for it, ignore this mail: your password stays as it is."),
    ]
    return subject, "\n".join(lines) + "\n"


async def send_reset_link(intranet: Any, email: str, link_base: str, address: str) -> None:
    """After the response: find the person, make a token, mail the link. Never raises."""
    try:
        person = await find_by_email(email)
        if person is None or not person["active"]:
            await record("auth.password_reset_requested", actor_id=None, target_type="email",
                         target_id=normalise_email(email), details={"sent": False}, ip=address)
            return
        settings = intranet.settings
        token = await create_reset_token(person["id"], settings.auth.password_reset_minutes)
        language = person["language"] if person["language"] in settings.site.languages else None
        context_token = i18n.set_language(language or settings.site.default_language)
        try:
            subject, text = reset_mail(
                site=settings.site.name, name=person["name"], link=f"{link_base}/password-reset/{token}",
                minutes=settings.auth.password_reset_minutes,
            )
        finally:
            i18n.reset_language(context_token)
        await send_mail(settings.mail, to=person["email"], subject=subject, text=text, site_name=settings.site.name)
        await record("auth.password_reset_requested", actor_id=None, target_type="person", target_id=person["id"],
                     details={"sent": True}, ip=address)
    except Exception:
        log.exception("password reset: the link could not be sent")


# --- pages -------------------------------------------------------------------


class ResetRequestForm(msgspec.Struct):
    email: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class NewPasswordForm(msgspec.Struct):
    password: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_INPUT)] = ""
    password_again: Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_INPUT)] = ""


async def _page(request: Request[Any, Any, Any], template: str, *, title: str, status_code: int = 200,
                background: BackgroundTask | None = None, **extra: Any) -> Template:
    context = await page_context(request, title=title, **extra)
    return Template(f"account/{template}", context=context, status_code=status_code, headers=NO_STORE,
                    background=background)


@get("/password-reset", name="password_reset", include_in_schema=False)
async def reset_request_page(request: Request[Any, Any, Any]) -> Template:
    return await _page(request, "reset_request.html", title=_("Forgot your password?"))


@post("/password-reset", name="password_reset_submit", include_in_schema=False, status_code=200)
async def reset_request_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[ResetRequestForm],
) -> Template:
    intranet = request.app.state.intranet
    email = data.email.strip()[:254]
    if not email:
        return await _page(request, "reset_request.html", title=_("Forgot your password?"), status_code=400,
                           error=_("Please enter your e-mail address."))
    address = client_ip(request)
    # Counted whether or not the address belongs to anyone: the limit says nothing about accounts.
    if await reset_throttled(intranet.settings.auth.failure_window_minutes, email, address):
        await record("auth.password_reset_throttled", actor_id=None, target_type="email",
                     target_id=normalise_email(email), ip=address)
        return await _page(request, "reset_request.html", title=_("Forgot your password?"), status_code=429,
                           error=_("Too many attempts. Please wait a moment and try again."))
    await count_reset_request(email, address)
    return await _page(
        request, "reset_requested.html", title=_("Check your e-mail"),
        background=BackgroundTask(send_reset_link, intranet, email, base_url(request), address),
    )


@get("/password-reset/{token:str}", name="password_reset_token", include_in_schema=False)
async def new_password_page(request: Request[Any, Any, Any], token: FromPath[str]) -> Template:
    if await person_for_token(token) is None:
        return await _invalid_link(request)
    return await _new_password_form(request, token)


async def _new_password_form(request: Request[Any, Any, Any], token: str, *, error: str | None = None,
                             status_code: int = 200) -> Template:
    min_length = request.app.state.intranet.settings.auth.min_password_length
    return await _page(request, "reset_password.html", title=_("Choose a new password"), token=token,
                       min_length=min_length, error=error, status_code=status_code)


async def _invalid_link(request: Request[Any, Any, Any]) -> Template:
    # One answer for unknown, used and expired links alike.
    return await _page(request, "reset_invalid.html", title=_("This link no longer works"), status_code=400)


@post("/password-reset/{token:str}", name="password_reset_token_submit", include_in_schema=False, status_code=200)
async def new_password_submit(
    request: Request[Any, Any, Any],
    token: FromPath[str],
    data: URLEncodedBody[NewPasswordForm],
) -> Template:
    intranet = request.app.state.intranet
    person = await person_for_token(token)
    if person is None:
        return await _invalid_link(request)
    min_length = intranet.settings.auth.min_password_length
    problem = "mismatch" if data.password != data.password_again else password_problem(
        data.password, min_length, email=person["email"], name=person["name"]
    )
    if problem:
        return await _new_password_form(request, token, error=password_message(problem, min_length),
                                        status_code=400)
    password_hash = await hash_password_async(data.password)
    async with intranet.db.transaction(write=True):
        person_id = await consume_reset_token(token)
        if person_id is not None:
            current = await get_person(person_id)
            if current is None or not current.active:
                person_id = None
        if person_id is not None:
            await set_password_hash(person_id, password_hash)
            await spend_reset_tokens(person_id)
            ended = await end_sessions(person_id)
            await record("auth.password_reset", actor_id=person_id, target_type="person", target_id=person_id,
                         details={"sessions_ended": ended}, ip=client_ip(request))
    if person_id is None:
        return await _invalid_link(request)
    return await _page(request, "reset_done.html", title=_("Your password has been changed"))
