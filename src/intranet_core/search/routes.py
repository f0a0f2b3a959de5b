"""The search page (``/search``) and ``/api/v1/search``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import Parameter
from litestar.response import Template

from intranet_core.account.api import ApiError
from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.search.providers import KIND_LIMIT, clean_query, providers, run_search
from intranet_core.search.service import MAX_QUERY_LENGTH, highlight, terms

NO_STORE = {"Cache-Control": "no-store"}

QueryText = Annotated[
    str,
    Parameter(description=f"What to search for; every word must start a word of the hit "
                          f"(the first {MAX_QUERY_LENGTH} characters count)"),
]
KindName = Annotated[
    str | None,
    Parameter(description=f"One group only (``posts``, ``people``, or a plugin's), up to {KIND_LIMIT} hits"),
]


def _href(**params: str) -> str:
    return "/search?" + urlencode(params)


@get("/search", name="search", guards=[requires_login], include_in_schema=False)
async def search_page(request: Request[Any, Any, Any], q: QueryText = "", kind: KindName = None) -> Template:
    intranet = request.app.state.intranet
    query = clean_query(q)
    available = await providers(intranet)
    # An unknown group: show them all.
    kind = kind if kind in {p.name for p in available} else None
    groups = await run_search(available, request.user, query, kind=kind)
    query_terms = terms(query)
    shown = [
        {
            "name": group.name,
            "label": group.label,
            "more_href": _href(q=query, kind=group.name) if group.more and kind is None else None,
            "capped": group.more and kind is not None,
            "hits": [
                {"url": hit.url, "title": highlight(hit.title, query_terms),
                 "snippet": highlight(hit.snippet, query_terms)}
                for hit in group.hits
            ],
        }
        for group in groups
    ]
    tabs = [{"label": _("Everything"), "href": _href(q=query), "current": kind is None}] + [
        {"label": p.label, "href": _href(q=query, kind=p.name), "current": kind == p.name} for p in available
    ]
    return Template(
        "search/search.html",
        context=await page_context(request, title=_("Search"), query=query, groups=shown, tabs=tabs,
                                   kind=kind, limit=KIND_LIMIT),
        headers=NO_STORE,
    )


# --- the API ------------------------------------------------------------------------------


class ApiSearchHit(msgspec.Struct, kw_only=True):
    """One hit; all text is plain (escape it when showing it as HTML)."""

    title: str
    url: Annotated[str, msgspec.Meta(description="A path on this site, or an https, mailto or tel link")]
    snippet: str


class ApiSearchGroup(msgspec.Struct, kw_only=True):
    """The hits of one kind, best first."""

    kind: Annotated[str, msgspec.Meta(description="posts, people, or a plugin's kind")]
    label: Annotated[str, msgspec.Meta(description="The group's heading, in the request's language")]
    hits: list[ApiSearchHit]
    more: Annotated[bool, msgspec.Meta(description="There are more: ask again with kind=<kind>")]


class SearchResults(msgspec.Struct, kw_only=True):
    """What the token's person may see that matches the query; groups without hits are left out."""

    query: str
    groups: list[ApiSearchGroup]


@get("/search", name="api_search", summary="Search posts, people and what plugins add", tags=["search"],
     responses={
         400: ResponseSpec(ApiError, description="An unknown kind"),
         401: ResponseSpec(ApiError, description="No token, or an unknown, revoked or deactivated person's token"),
     },
     cache_control=CacheControlHeader(no_store=True))
async def search_api(request: Request[Any, Any, Any], q: QueryText = "", kind: KindName = None) -> SearchResults:
    intranet = request.app.state.intranet
    query = clean_query(q)
    available = await providers(intranet)
    if kind is not None and kind not in {p.name for p in available}:
        raise ValidationException(f"kind: expected one of {', '.join(p.name for p in available)}")
    groups = await run_search(available, request.user, query, kind=kind)
    return SearchResults(
        query=query,
        groups=[
            ApiSearchGroup(
                kind=group.name, label=group.label, more=group.more,
                hits=[ApiSearchHit(title=h.title, url=h.url, snippet=h.snippet) for h in group.hits],
            )
            for group in groups
        ],
    )


api_router = Router(path="/api/v1", route_handlers=[search_api], guards=[requires_login])
