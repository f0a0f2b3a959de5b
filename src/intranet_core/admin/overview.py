"""The administration front page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from intranet_core.admin.common import MANAGE, actor, render
from intranet_core.i18n import gettext as _
from intranet_core.people.tables import Person, Unit
from intranet_core.permissions.service import may, may_anywhere


@get("/", name="admin", include_in_schema=False)
async def overview(request: Request[Any, Any, Any]) -> Template:
    user = actor(request)
    manages = await may_anywhere(user.id, MANAGE)
    return await render(
        request, "admin/index.html", title=_("Administration"),
        manages_people=manages, manages_everyone=await may(user.id, MANAGE),
        people_count=await Person.count().where(Person.active == True).run() if manages else None,  # noqa: E712
        unit_count=await Unit.count().run(),
    )
