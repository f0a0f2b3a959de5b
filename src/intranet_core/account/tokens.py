"""Personal API tokens: made, listed and revoked by their owner.

A token is shown once, when it is made; the database keeps its sha256 (what
the authentication middleware looks up) and its first characters, so that
its owner can tell tokens apart.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect, Template

from intranet_core.account.common import NO_STORE, when
from intranet_core.audit.service import client_ip, record
from intranet_core.auth.middleware import token_hash
from intranet_core.auth.tables import ApiToken
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context

TOKEN_PREFIX = "itk_"  # noqa: S105 - a label, not a secret
PREFIX_LENGTH = 12
MAX_NAME_LENGTH = 100
MAX_ACTIVE_TOKENS = 50


class TokenLimitError(ValueError):
    """A person already holds as many tokens as allowed."""


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


async def create_api_token(intranet: Any, person_id: int, *, name: str, read_only: bool, ip: str = "") -> str:
    """Make a token for ``person_id``; returns the token itself, which is stored nowhere."""
    token = new_token()
    async with intranet.db.transaction(write=True):
        active = await intranet.db.for_update(
            ApiToken.select(ApiToken.id).where((ApiToken.person == person_id) & ApiToken.revoked_at.is_null())
        ).run()
        if len(active) >= MAX_ACTIVE_TOKENS:
            raise TokenLimitError(str(MAX_ACTIVE_TOKENS))
        rows = await ApiToken.insert(
            ApiToken(
                person=person_id, name=name, token_hash=token_hash(token), prefix=token[:PREFIX_LENGTH],
                read_only=read_only, created_at=_now(),
            )
        ).returning(ApiToken.id).run()
        await record("auth.api_token_create", actor_id=person_id, target_type="api_token", target_id=rows[0]["id"],
                     details={"name": name, "read_only": read_only}, ip=ip)
    return token


async def revoke_api_token(person_id: int, token_id: int, *, ip: str = "") -> bool:
    """Revoke one of a person's own tokens; False if it is not theirs or already revoked."""
    rows = await ApiToken.update({ApiToken.revoked_at: _now()}).where(
        (ApiToken.id == token_id) & (ApiToken.person == person_id) & ApiToken.revoked_at.is_null()
    ).returning(ApiToken.id).run()
    if not rows:
        return False
    await record("auth.api_token_revoke", actor_id=person_id, target_type="api_token", target_id=token_id, ip=ip)
    return True


async def list_api_tokens(person_id: int) -> list[dict[str, Any]]:
    rows = await ApiToken.select(
        ApiToken.id, ApiToken.name, ApiToken.prefix, ApiToken.read_only, ApiToken.created_at,
        ApiToken.last_used_at, ApiToken.revoked_at,
    ).where(ApiToken.person == person_id).order_by(ApiToken.id, ascending=False).run()
    return [
        {
            "id": row["id"],
            "name": row["name"],
            "prefix": row["prefix"],
            "read_only": row["read_only"],
            "created": when(row["created_at"]),
            "last_used": when(row["last_used_at"]),
            "revoked": when(row["revoked_at"]) if row["revoked_at"] else None,
        }
        for row in rows
    ]


async def _tokens_page(request: Request[Any, Any, Any], *, status_code: int = 200, **extra: Any) -> Template:
    tokens = await list_api_tokens(request.user.id)
    extra.setdefault("notice", _("The token has been revoked.") if request.query_params.get("done") == "revoked"
                     else None)
    context = await page_context(request, title=_("API tokens"), tokens=tokens, max_name_length=MAX_NAME_LENGTH,
                                 **extra)
    return Template("account/tokens.html", context=context, status_code=status_code, headers=NO_STORE)


@get("/tokens", name="account_tokens")
async def tokens_page(request: Request[Any, Any, Any]) -> Template:
    return await _tokens_page(request)


class TokenForm(msgspec.Struct):
    name: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    read_only: Annotated[str, msgspec.Meta(max_length=10)] = ""


@post("/tokens", name="account_tokens_create", status_code=200)
async def create_token_submit(
    request: Request[Any, Any, Any],
    data: URLEncodedBody[TokenForm],
) -> Template:
    name = " ".join(data.name.split())
    if not name or len(name) > MAX_NAME_LENGTH:
        return await _tokens_page(
            request, status_code=400, name=name[:MAX_NAME_LENGTH], read_only=bool(data.read_only),
            error=_("Give the token a name of at most %(count)d characters.") % {"count": MAX_NAME_LENGTH},
        )
    try:
        token = await create_api_token(request.app.state.intranet, request.user.id, name=name,
                                       read_only=bool(data.read_only), ip=client_ip(request))
    except TokenLimitError:
        return await _tokens_page(
            request, status_code=400,
            error=_("You have %(count)d tokens already. Revoke one you no longer use first.")
            % {"count": MAX_ACTIVE_TOKENS},
        )
    return await _tokens_page(request, new_token=token, new_token_name=name)


@post("/tokens/{token_id:int}/revoke", name="account_tokens_revoke", status_code=303)
async def revoke_token_submit(request: Request[Any, Any, Any], token_id: FromPath[int]) -> Redirect:
    person_id = request.user.id
    if not await revoke_api_token(person_id, token_id, ip=client_ip(request)) and not await ApiToken.exists().where(
        (ApiToken.id == token_id) & (ApiToken.person == person_id)
    ).run():
        # Someone else's token, or none at all: the same answer.
        raise NotFoundException()
    return Redirect("/account/tokens?done=revoked", status_code=303, headers=NO_STORE)
