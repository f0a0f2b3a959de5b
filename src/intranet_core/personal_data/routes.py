"""``/account/data``: a signed-in person downloads everything the site holds about them."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import MediaType, Request, Response, get

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.personal_data.service import export_person


@get("/account/data", name="account_data", guards=[requires_login], include_in_schema=False)
async def download_my_data(request: Request[Any, Any, Any]) -> Response[bytes]:
    """One JSON document: the person's profile and everything the core and each plugin hold about them."""
    intranet = request.app.state.intranet
    person = request.user
    document = await export_person(intranet, person.id, actor_id=person.id, ip=client_ip(request))
    filename = f"personal-data-{person.id}-{document['exported_at']:%Y-%m-%d}.json"
    return Response(
        msgspec.json.encode(document),
        media_type=MediaType.JSON,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
