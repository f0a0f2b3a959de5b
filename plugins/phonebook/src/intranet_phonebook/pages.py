"""What the phonebook's pages, profile sections and front-page box are made of."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from intranet_core.contributions import ProfileSection
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_core.people.profile import mailto_uri, managers_of, memberships, reports_of, tel_uri
from intranet_core.people.tables import Membership, Unit
from intranet_core.permissions.service import may
from intranet_phonebook.index import defaults_of
from intranet_phonebook.profiles import details
from intranet_phonebook.search import run_sql, sql_in
from intranet_phonebook.visibility import viewer_for

EDIT_PROFILES = "phonebook.edit_profiles"
MAX_REPORTS_SHOWN = 50
WIDGET_LIMIT = 6


def phone_links(card: Any, country_code: str) -> list[dict[str, str]]:
    """The numbers a viewer may see, each with a ``tel:`` link."""
    links = []
    for label, number in ((_("Phone"), card.phone), (_("Mobile"), card.mobile)):
        href = tel_uri(number, country_code) if number else ""
        if href:
            links.append({"label": label, "number": number, "href": href})
    return links


async def may_edit(user_id: int, person_id: int) -> bool:
    """The person themselves, or a holder of ``phonebook.edit_profiles`` for one of the person's units."""
    if user_id == person_id:
        return True
    if await may(user_id, EDIT_PROFILES):
        return True
    rows = await Membership.select(Membership.unit).where(Membership.person == person_id).run()
    for row in rows:
        if await may(user_id, EDIT_PROFILES, int(row["unit"])):
            return True
    return False


async def profile_sections(app: Any, user: PersonInfo, person: PersonInfo) -> list[ProfileSection]:
    """The contact details the reader may see, "ask me about", and the person's place in the organisation."""
    settings = app.plugin_settings("phonebook")
    viewer = await viewer_for(user.id)
    shown = (await details(viewer, [person.id], defaults_of(app))).get(person.id)
    if shown is None:
        return []
    units = await memberships(person.id)
    sections = [
        ProfileSection(
            name="contact", title=_("Contact"), template="phonebook/profile_contact.html", order=10,
            context={
                "details": shown, "mailto": mailto_uri(shown.email),
                "phones": phone_links(shown, settings.country_code),
                "may_edit": await may_edit(user.id, person.id), "own": user.id == person.id,
            },
        ),
        ProfileSection(
            name="organisation", title=_("Organisation"), template="people/_organisation.html", order=20,
            context={
                "units": units, "unit_href": "/phonebook/units/", "managers": await managers_of(person.id, units),
                "reports": await reports_of(person.id, units, limit=MAX_REPORTS_SHOWN + 1),
                "max_reports": MAX_REPORTS_SHOWN,
            },
        ),
    ]
    if shown.skills:
        sections.append(ProfileSection(name="skills", title=_("Ask me about"), order=15,
                                       template="phonebook/profile_skills.html", context={"skills": shown.skills}))
    return sections


# --- new colleagues -------------------------------------------------------------------------


@dataclass(frozen=True)
class Newcomer:
    id: int
    name: str
    title: str
    unit_name: str
    start_date: datetime.date
    upcoming: bool


async def new_colleagues(person_id: int, days: int, upcoming_days: int) -> list[Newcomer]:
    """People who started in the last ``days`` (or start within ``upcoming_days``) in the reader's
    units or a unit below them; the newest first."""
    today = datetime.date.today()
    rows = await run_sql(QueryString(
        "SELECT p.id AS id, p.name AS name, p.title AS title, p.start_date AS start_date, "
        "MIN(u.name) AS unit_name FROM person AS p "
        "JOIN membership AS m ON m.person = p.id JOIN org_unit AS u ON u.id = m.unit "
        "WHERE p.active = {} AND p.id <> {} AND p.start_date >= {} AND p.start_date <= {} "
        "AND EXISTS (SELECT 1 FROM membership AS mv JOIN org_unit AS uv ON uv.id = mv.unit "
        "WHERE mv.person = {} AND u.path LIKE uv.path || '%') "
        "GROUP BY p.id, p.name, p.title, p.start_date ORDER BY p.start_date DESC, p.name LIMIT {}",
        True, person_id, today - datetime.timedelta(days=days), today + datetime.timedelta(days=upcoming_days),
        person_id, WIDGET_LIMIT,
    ))
    found = []
    for r in rows:
        start = r["start_date"]
        if isinstance(start, str):
            start = datetime.date.fromisoformat(start[:10])
        found.append(Newcomer(id=int(r["id"]), name=r["name"], title=r["title"] or "",
                              unit_name=r["unit_name"] or "", start_date=start, upcoming=start > today))
    return found


# --- the org chart --------------------------------------------------------------------------


@dataclass
class UnitLine:
    id: int
    name: str
    kind: str
    people: int = 0
    managers: list[str] = field(default_factory=list)


@dataclass
class Chart:
    unit: dict[str, Any]
    trail: list[dict[str, Any]]
    managers: list[dict[str, Any]]
    members: list[dict[str, Any]]
    children: list[UnitLine]
    more_after: int | None = None


async def unit_chart(unit_id: int, *, page_size: int, after: int | None = None) -> Chart | None:
    """A unit's managers, its members (a page at a time), and the units below it with their people."""
    unit = await Unit.select(Unit.id, Unit.name, Unit.kind, Unit.path, Unit.parent).where(
        Unit.id == unit_id
    ).first().run()
    if unit is None:
        return None
    above = [int(part) for part in str(unit["path"]).strip("/").split("/") if part][:-1]
    trail_rows = await Unit.select(Unit.id, Unit.name).where(Unit.id.is_in(above)).run() if above else []
    names = {int(r["id"]): r["name"] for r in trail_rows}
    trail = [{"id": i, "name": names[i]} for i in above if i in names]
    managers = await Membership.select(
        Membership.person, Membership.person.name, Membership.person.title, Membership.title,
    ).where(
        (Membership.unit == unit_id) & (Membership.is_manager == True)  # noqa: E712 - SQL
        & (Membership.person.active == True)  # noqa: E712
    ).order_by(Membership.person.name).run()
    member_query = Membership.select(
        Membership.person, Membership.person.name, Membership.person.title, Membership.title,
    ).where(
        (Membership.unit == unit_id) & (Membership.is_manager == False)  # noqa: E712 - SQL
        & (Membership.person.active == True)  # noqa: E712
    )
    if after is not None:
        last = await Membership.select(Membership.person.name).where(
            (Membership.unit == unit_id) & (Membership.person == after)
        ).first().run()
        if last is not None:
            name = last["person.name"]
            member_query = member_query.where(
                (Membership.person.name > name) | ((Membership.person.name == name) & (Membership.person > after))
            )
    members = await member_query.order_by(Membership.person.name, Membership.person).limit(page_size + 1).run()
    more_after = None
    if len(members) > page_size:
        members = members[:page_size]
        more_after = int(members[-1]["person"])
    children = await _children(unit_id)
    return Chart(
        unit=unit, trail=trail,
        managers=[_line(r) for r in managers], members=[_line(r) for r in members],
        children=children, more_after=more_after,
    )


def _line(row: dict[str, Any]) -> dict[str, Any]:
    return {"id": int(row["person"]), "name": row["person.name"],
            "title": row["title"] or row["person.title"] or ""}


async def _children(unit_id: int) -> list[UnitLine]:
    rows = await Unit.select(Unit.id, Unit.name, Unit.kind, Unit.path).where(Unit.parent == unit_id).order_by(
        Unit.sort_order, Unit.name
    ).run()
    if not rows:
        return []
    lines = {int(r["id"]): UnitLine(id=int(r["id"]), name=r["name"], kind=r["kind"]) for r in rows}
    ids = list(lines)
    counts = await run_sql(QueryString(
        "SELECT u.id AS id, COUNT(DISTINCT m.person) AS people FROM org_unit AS u "
        "JOIN org_unit AS d ON d.path LIKE u.path || '%' JOIN membership AS m ON m.unit = d.id "
        "JOIN person AS p ON p.id = m.person AND p.active = {} WHERE u.id IN {} GROUP BY u.id",
        True, sql_in(ids),
    ))
    for row in counts:
        lines[int(row["id"])].people = int(row["people"])
    heads = await Membership.select(Membership.unit, Membership.person.name).where(
        Membership.unit.is_in(ids) & (Membership.is_manager == True)  # noqa: E712 - SQL
        & (Membership.person.active == True)  # noqa: E712
    ).order_by(Membership.person.name).run()
    for row in heads:
        lines[int(row["unit"])].managers.append(row["person.name"])
    return list(lines.values())


async def root_units() -> list[UnitLine]:
    rows = await Unit.select(Unit.id, Unit.name, Unit.kind).where(Unit.parent.is_null()).order_by(
        Unit.sort_order, Unit.name
    ).run()
    return [UnitLine(id=int(r["id"]), name=r["name"], kind=r["kind"]) for r in rows]


async def unit_options() -> list[dict[str, Any]]:
    """Every unit in tree order, indented by depth: the unit filter's choices."""
    rows = await Unit.select(Unit.id, Unit.name, Unit.parent, Unit.sort_order).run()
    children: dict[int | None, list[dict[str, Any]]] = {}
    for row in rows:
        children.setdefault(row["parent"], []).append(row)
    out: list[dict[str, Any]] = []

    def walk(parent: int | None, depth: int) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: (r["sort_order"] or 0, r["name"])):
            out.append({"id": int(row["id"]), "label": "\u2013 " * depth + row["name"]})
            if depth < 30:
                walk(int(row["id"]), depth + 1)

    walk(None, 0)
    return out
