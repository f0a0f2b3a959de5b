from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect

from intranet_core.app import Intranet, language_cookie
from intranet_core.audit.service import client_ip
from intranet_core.auth.routes import safe_next
from intranet_core.people.service import update_person


class LanguageForm(msgspec.Struct):
    language: str
    next: str = "/"


@post("/language", name="language", include_in_schema=False, status_code=303)
async def choose_language(
    request: Request[Any, Any, Any],
    data: Annotated[LanguageForm, Body(media_type=RequestEncodingType.URL_ENCODED)],
) -> Redirect:
    intranet: Intranet = request.app.state.intranet
    target = safe_next(data.next)
    response = Redirect(target, status_code=303)
    if data.language in intranet.settings.site.languages:
        response.cookies.append(language_cookie(data.language, intranet.settings))
        if request.user is not None and request.user.language != data.language:
            # A saved profile language wins over the cookie: keep them in step.
            await update_person(intranet, request.user.id, actor_id=request.user.id,
                                fields={"language": data.language}, ip=client_ip(request))
    return response
