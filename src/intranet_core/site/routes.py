from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from intranet_core import i18n
from intranet_core.app import Intranet, language_cookie
from intranet_core.contributions import by_order
from intranet_core.pages import page_context
from intranet_core.plugins import gather


@get("/", name="home", include_in_schema=False)
async def home(request: Request[Any, Any, Any]) -> Template:
    intranet: Intranet = request.app.state.intranet
    widgets = by_order(
        await gather(intranet.hook.register_front_page_widgets(app=intranet, request=request, user=request.user))
    )
    return Template(
        "home.html",
        context=await page_context(request, title=i18n.gettext("Front page"), widgets=widgets),
    )


class LanguageForm(msgspec.Struct):
    language: str
    next: str = "/"


@post("/language", name="language", include_in_schema=False, status_code=303)
async def choose_language(
    request: Request[Any, Any, Any],
    data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    intranet: Intranet = request.app.state.intranet
    # Only a local path: never an open redirect.
    target = data.next if data.next.startswith("/") and not data.next.startswith("//") else "/"
    response = Redirect(target, status_code=303)
    if data.language in intranet.settings.site.languages:
        response.cookies.append(language_cookie(data.language, intranet.settings))
    return response
