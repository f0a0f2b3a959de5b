"""A person's profile page, ``/people/<id>``: the core's sections and every plugin's."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from intranet_core.auth.guards import requires_login
from intranet_core.contributions import ProfileSection
from intranet_core.pages import page_context
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Person
from intranet_core.plugins import gather

NO_STORE = {"Cache-Control": "no-store"}
MAX_ID = 2**31 - 1

logger = logging.getLogger(__name__)


async def profile_sections(
    intranet: Any, request: Request[Any, Any, Any], user: PersonInfo, person: PersonInfo
) -> list[ProfileSection]:
    """Every plugin's sections, by ``order``; a later plugin's section replaces an earlier one of the same name."""
    # pluggy answers last-registered first: reversed, the core comes first.
    results = list(reversed(intranet.hook.register_profile_sections(
        app=intranet, request=request, user=user, person=person
    )))
    by_name: dict[str, ProfileSection] = {}
    for section in await gather(results):
        if not isinstance(section, ProfileSection):
            logger.error("register_profile_sections returned %r, not a ProfileSection: ignored", section)
            continue
        by_name[section.name] = section
    return sorted(by_name.values(), key=lambda s: (s.order, s.title, s.name))


@get("/people/{person_id:int}", name="people_profile", guards=[requires_login], include_in_schema=False)
async def profile_page(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template:
    """The profile of an active person; 404 for anyone the reader may not look up."""
    from intranet_core.feed.mentions import visible_people_query
    from intranet_core.people.models import PERSON_INFO_COLUMNS

    if not 1 <= person_id <= MAX_ID:
        raise NotFoundException()
    row = await visible_people_query(
        request.user.id, *[getattr(Person, name) for name in PERSON_INFO_COLUMNS]
    ).where(Person.id == person_id).first().run()
    if row is None:
        raise NotFoundException()
    person = PersonInfo.from_row(row)
    intranet = request.app.state.intranet
    sections = await profile_sections(intranet, request, request.user, person)
    context = await page_context(request, title=person.name, person=person, sections=sections)
    return Template("people/profile.html", context=context, headers=NO_STORE)
