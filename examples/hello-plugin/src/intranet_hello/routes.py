"""The pages: ``GET /hello`` shows the greeting and the latest visitors,
``POST /hello`` writes a visitor's name into the book.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from babel.dates import format_timedelta
from litestar import Request, get, post
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from intranet_core.auth.guards import requires_login
from intranet_core.forms import SINGLE_LINE, read_form, validate
from intranet_core.i18n import current_language
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_hello.tables import NAME_MAX_LENGTH, HelloVisit

LATEST_VISITS = 10


class VisitForm(msgspec.Struct, frozen=True):
    """What ``POST /hello`` accepts. Validated with msgspec, like every input."""

    name: Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX_LENGTH, pattern=SINGLE_LINE)]


async def latest_visits(limit: int = LATEST_VISITS) -> list[dict[str, Any]]:
    """The newest visits first, each with a "how long ago" in the reader's language."""
    rows = await (
        HelloVisit.select(HelloVisit.name, HelloVisit.created_at)
        # Newest first; the id (which Piccolo added) breaks ties.
        .order_by(HelloVisit.created_at, HelloVisit._meta.primary_key, ascending=False)
        .limit(limit)
        .run()
    )
    now = datetime.datetime.now(datetime.UTC)
    language = current_language()
    return [
        {
            "name": row["name"],
            "at": row["created_at"],
            "ago": format_timedelta(row["created_at"] - now, add_direction=True, locale=language),
        }
        for row in rows
    ]


async def render_page(
    request: Request[Any, Any, Any],
    *,
    name: str = "",
    error: str | None = None,
    status_code: int = 200,
) -> Template:
    intranet = request.app.state.intranet
    settings = intranet.plugin_settings("hello")
    context = await page_context(
        request,
        title=_("Hello"),
        greeting=settings.greeting,
        visits=await latest_visits(),
        name=name,
        error=error,
        name_max_length=NAME_MAX_LENGTH,
    )
    return Template("hello/index.html", context=context, status_code=status_code)


# An intranet page: only for people who have signed in.
@get("/hello", name="hello:index", include_in_schema=False, guards=[requires_login])
async def hello_page(request: Request[Any, Any, Any]) -> Template:
    return await render_page(request)


@post("/hello", name="hello:visit", include_in_schema=False, status_code=HTTP_303_SEE_OTHER, guards=[requires_login])
async def sign_visitors_book(request: Request[Any, Any, Any]) -> Template | Redirect:
    # The CSRF check has already run (Litestar's CSRFConfig) before this point.
    # The form is read with the core's forms rather than declared as
    # ``data: VisitForm``, so that bad input gets the page back with a message
    # in the reader's language instead of a bare 400.
    values = read_form(await request.form(), VisitForm)
    visit, errors = validate(VisitForm, values)
    if visit is None:
        return await render_page(
            request, name=values.get("name", ""), error=errors["name"], status_code=HTTP_400_BAD_REQUEST
        )
    intranet = request.app.state.intranet
    async with intranet.db.transaction(write=True):
        await HelloVisit.insert(HelloVisit(name=visit.name)).run()
    # Post/redirect/get: reloading the page does not sign the book twice.
    return Redirect("/hello", status_code=HTTP_303_SEE_OTHER)
