"""``/api/v1/phonebook``: the same search, profiles and external contacts as the pages, as JSON.

A personal API token (``Authorization: Bearer <token>``) stands for its
person: the same visibility rule trims what it sees, in the same queries.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Request, Router, get
from litestar.datastructures import CacheControlHeader
from litestar.exceptions import NotFoundException, ValidationException
from litestar.params import Parameter

from intranet_core.auth.guards import requires_login
from intranet_core.people.profile import managers_of, memberships
from intranet_phonebook.contacts import search_contacts
from intranet_phonebook.index import defaults_of
from intranet_phonebook.profiles import details
from intranet_phonebook.search import MAX_LIMIT, Cursor, search
from intranet_phonebook.visibility import viewer_for

NO_STORE = CacheControlHeader(no_store=True)
MAX_ID = 2**31 - 1


class ApiPerson(msgspec.Struct, kw_only=True):
    """A person as the token's person may see them; a field they may not see is ``""``."""

    id: int
    name: str
    title: str
    email: str
    phone: str
    mobile: str
    office: str
    unit_id: int | None
    unit: str
    skills: list[str]
    url: str


class PeoplePage(msgspec.Struct, kw_only=True):
    people: list[ApiPerson]
    next: str | None = None


class ApiUnit(msgspec.Struct, kw_only=True):
    id: int
    name: str
    title: str
    primary: bool
    manager: bool


class ApiProfile(msgspec.Struct, kw_only=True):
    id: int
    name: str
    title: str
    email: str
    phone: str
    mobile: str
    office: str
    working_hours: str
    skills: list[str]
    units: list[ApiUnit]
    managers: list[int]
    url: str


class ApiContact(msgspec.Struct, kw_only=True):
    id: int
    name: str
    organisation: str
    category: str
    title: str
    email: str
    phone: str
    mobile: str


class ContactList(msgspec.Struct, kw_only=True):
    contacts: list[ApiContact]


Query = Annotated[str, Parameter(max_length=200, description="Every word must start a word of the person "
                                                              "(name, title, unit, number, skill)")]
UnitId = Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="Only people in this unit or below it")]
Limit = Annotated[int, Parameter(ge=1, le=MAX_LIMIT, description="People per page")]


@get("/people", name="api_phonebook_people", summary="Search the phonebook", tags=["phonebook"],
     cache_control=NO_STORE)
async def people(
    request: Request[Any, Any, Any], q: Query = "", unit: UnitId = None, limit: Limit = 20,
    after: Annotated[str | None, Parameter(max_length=800, description="The 'next' of the previous page")] = None,
) -> PeoplePage:
    cursor = Cursor.decode(after)
    if after and cursor is None:
        raise ValidationException("after: expected the 'next' value of a previous page")
    viewer = await viewer_for(request.user.id)
    page = await search(viewer, q, defaults_of(request.app.state.intranet), unit_id=unit, limit=limit,
                        after=cursor)
    return PeoplePage(
        people=[
            ApiPerson(id=c.id, name=c.name, title=c.title, email=c.email, phone=c.phone, mobile=c.mobile,
                      office=c.office, unit_id=c.unit_id, unit=c.unit_name, skills=c.skills,
                      url=f"/people/{c.id}")
            for c in page.cards
        ],
        next=page.next.encode() if page.next else None,
    )


@get("/people/{person_id:int}", name="api_phonebook_person", summary="A person's phonebook profile",
     tags=["phonebook"], cache_control=NO_STORE)
async def person(
    request: Request[Any, Any, Any],
    person_id: Annotated[int, Parameter(ge=1, le=MAX_ID, description="The person's id")],
) -> ApiProfile:
    viewer = await viewer_for(request.user.id)
    shown = (await details(viewer, [person_id], defaults_of(request.app.state.intranet))).get(person_id)
    if shown is None or not shown.active:
        raise NotFoundException("no such person")
    units = await memberships(person_id)
    return ApiProfile(
        id=shown.id, name=shown.name, title=shown.title, email=shown.email, phone=shown.phone,
        mobile=shown.mobile, office=shown.office, working_hours=shown.working_hours, skills=shown.skills,
        units=[ApiUnit(id=u.unit_id, name=u.name, title=u.title, primary=u.is_primary, manager=u.is_manager)
               for u in units],
        managers=[m.id for m in await managers_of(person_id, units)],
        url=f"/people/{shown.id}",
    )


@get("/contacts", name="api_phonebook_contacts", summary="Search the external contacts", tags=["phonebook"],
     cache_control=NO_STORE)
async def contacts(request: Request[Any, Any, Any], q: Query = "", limit: Limit = 20) -> ContactList:
    found = await search_contacts(q, limit=limit)
    return ContactList(contacts=[
        ApiContact(id=int(c["id"]), name=c["name"], organisation=c["organisation"] or "", category=c["category"],
                   title=c["title"] or "", email=c["email"] or "", phone=c["phone"] or "", mobile=c["mobile"] or "")
        for c in found
    ])


def api_router() -> Router:
    """A new router each time: a process may build several apps."""
    return Router(path="/api/v1/phonebook", route_handlers=[people, person, contacts], guards=[requires_login])
