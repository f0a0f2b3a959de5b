"""The signed-in person over the API: ``/api/v1/me``.

``/api/`` takes a personal API token only (``Authorization: Bearer <token>``,
made on the account's token page); session cookies count for nothing there,
so it needs no CSRF token. A read-only token may only read.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get, patch
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import JSONBody

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import update_person


class Me(msgspec.Struct, kw_only=True):
    """The person the token belongs to."""

    id: int
    email: str
    name: str
    title: str
    phone: str
    mobile: str
    language: Annotated[
        str | None, msgspec.Meta(description="Their chosen language (da, en, ...); null: the browser's or the site's")
    ]

    @classmethod
    def of(cls, person: PersonInfo) -> Me:
        return cls(id=person.id, email=person.email, name=person.name, title=person.title, phone=person.phone,
                   mobile=person.mobile, language=person.language)


class MeChanges(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a person may change about themselves here; any other field is refused."""

    language: Annotated[
        Annotated[str, msgspec.Meta(max_length=16)] | None,
        msgspec.Meta(description="One of the site's languages, or null for no preference"),
    ]


class ApiError(msgspec.Struct, kw_only=True):
    status_code: int
    detail: str


_ERRORS = {
    401: ResponseSpec(ApiError, description="No token, or an unknown, revoked or deactivated person's token"),
}


@get("/me", name="api_me", summary="The person the token belongs to", tags=["account"],
     responses=_ERRORS, cache_control=CacheControlHeader(no_store=True))
async def get_me(request: Request[Any, Any, Any]) -> Me:
    return Me.of(request.user)


@patch("/me", name="api_me_update", summary="Change one's own settings (a token that may write)", tags=["account"],
       responses={
           **_ERRORS,
           400: ResponseSpec(ApiError, description="An unknown field or language"),
           403: ResponseSpec(ApiError, description="The token is read-only"),
       },
       cache_control=CacheControlHeader(no_store=True))
async def update_me(request: Request[Any, Any, Any], data: JSONBody[MeChanges]) -> Me:
    intranet = request.app.state.intranet
    if data.language is not None and data.language not in intranet.settings.site.languages:
        raise ValidationException(
            f"language: expected one of {', '.join(intranet.settings.site.languages)} or null"
        )
    person = await update_person(intranet, request.user.id, actor_id=request.user.id,
                                 fields={"language": data.language}, ip=client_ip(request))
    return Me.of(person)


api_router = Router(path="/api/v1", route_handlers=[get_me, update_me], guards=[requires_login])
