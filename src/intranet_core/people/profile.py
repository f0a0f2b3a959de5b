"""A person as their colleagues see them: units, managers, reports, and how to reach them.

What the profile page (``/people/<id>``) and plugins that extend it build on.
Every function reads in a handful of queries, whatever the size of the
organisation; none decides who may look a person up (that is
``intranet_core.feed.mentions.visible_people_query``, the one rule for every
look-up of people).

Managers follow the units: a person's managers are the managers of their
primary unit; the manager of a unit reports to the managers of the nearest
unit above it that has any. A manager's reports are the other members of the
units they manage, and the managers of the units directly below those.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from intranet_core.people.tables import Membership, Person, Unit

MAX_REPORTS = 200
_NOT_DIALLED = re.compile(r"[^\d+]")


@dataclass(frozen=True)
class UnitMembership:
    """One of a person's units: ``trail`` names the units above it, root first."""

    unit_id: int
    name: str
    kind: str
    path: str
    title: str
    is_primary: bool
    is_manager: bool
    trail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Colleague:
    """Another active person, as a line on a profile: name, title, and the unit it concerns."""

    id: int
    name: str
    title: str
    unit_id: int | None = None
    unit_name: str = ""


def tel_uri(number: str, country_code: str = "") -> str:
    """A ``tel:`` link for a number as people write it; ``""`` when it holds no digits.

    ``"+45 12 34 56 78"`` -> ``"tel:+4512345678"``. ``country_code`` (``"45"``)
    is put in front of a number written without one, so a phone dials it
    from abroad too; ``00`` in front is read as ``+``.
    """
    compact = _NOT_DIALLED.sub("", number.strip())
    plus = compact.startswith("+")
    digits = compact.replace("+", "")
    if not digits:
        return ""
    if not plus and digits.startswith("00") and len(digits) > 4:
        plus, digits = True, digits[2:]
    if not plus and country_code:
        plus, digits = True, country_code + digits
    return "tel:" + ("+" if plus else "") + digits


def mailto_uri(email: str) -> str:
    """A ``mailto:`` link that carries the address only (no ``?subject=`` smuggled in)."""
    return "mailto:" + quote(email.strip(), safe="@.+-_")


def _ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


async def memberships(person_id: int) -> list[UnitMembership]:
    """The person's units, the primary one first, each with the names of the units above it."""
    # Written out rather than built with Piccolo's join: every profile asks, and building took longer than running.
    rows = await Membership.raw(
        "SELECT m.unit AS unit, m.title AS title, m.is_primary AS is_primary, m.is_manager AS is_manager, "
        'u.name AS "unit.name", u.kind AS "unit.kind", u.path AS "unit.path", u.sort_order AS "unit.sort_order" '
        "FROM membership m JOIN org_unit u ON u.id = m.unit WHERE m.person = {}", person_id,
    ).run()
    above = sorted({i for row in rows for i in _ids(row["unit.path"])[:-1]})
    names: dict[int, str] = {}
    if above:
        names = {int(r["id"]): str(r["name"]) for r in await Unit.select(Unit.id, Unit.name).where(
            Unit.id.is_in(above)
        ).run()}
    found = [
        UnitMembership(
            unit_id=int(row["unit"]), name=row["unit.name"], kind=row["unit.kind"], path=row["unit.path"],
            title=row["title"] or "", is_primary=bool(row["is_primary"]), is_manager=bool(row["is_manager"]),
            trail=tuple(names[i] for i in _ids(row["unit.path"])[:-1] if i in names),
        )
        for row in rows
    ]
    order = {int(row["unit"]): (row["unit.sort_order"] or 0, row["unit.name"]) for row in rows}
    return sorted(found, key=lambda m: (not m.is_primary, order[m.unit_id]))


def home_unit(units: list[UnitMembership]) -> UnitMembership | None:
    """The unit a person belongs to first: the primary one, else the first."""
    return units[0] if units else None


async def managers_of(person_id: int, units: list[UnitMembership] | None = None) -> list[Colleague]:
    """The active managers of the person's primary unit, or of the nearest unit above with any.

    A manager of their own primary unit is managed from the units above it.
    ``units`` saves a query when the caller has :func:`memberships` already.
    """
    units = await memberships(person_id) if units is None else units
    home = home_unit(units)
    if home is None:
        return []
    chain = _ids(home.path)  # root ... home
    if home.is_manager:
        chain = chain[:-1]
    if not chain:
        return []
    rows = await Membership.raw(  # only placeholders are joined into the SQL; the ids are parameters
        'SELECT m.unit AS unit, m.person AS person, p.name AS "person.name", p.title AS "person.title", '  # noqa: S608
        'm.title AS title, u.name AS "unit.name" FROM membership m JOIN person p ON p.id = m.person '
        "JOIN org_unit u ON u.id = m.unit WHERE m.unit IN (" + ", ".join("{}" for _ in chain) + ") "
        "AND m.is_manager = {} AND p.active = {} AND m.person <> {}",
        *chain, True, True, person_id,
    ).run()
    by_unit: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_unit.setdefault(int(row["unit"]), []).append(row)
    for unit_id in reversed(chain):  # the nearest unit with a manager wins
        if unit_id in by_unit:
            return sorted(
                (Colleague(id=int(r["person"]), name=r["person.name"], title=r["title"] or r["person.title"] or "",
                           unit_id=unit_id, unit_name=r["unit.name"]) for r in by_unit[unit_id]),
                key=lambda c: (c.name, c.id),
            )
    return []


async def reports_of(
    person_id: int, units: list[UnitMembership] | None = None, limit: int = MAX_REPORTS
) -> list[Colleague]:
    """Who reports to a manager: the other members of the units they manage, and the managers
    of the units directly below those; at most ``limit``, by name."""
    units = await memberships(person_id) if units is None else units
    managed = [m.unit_id for m in units if m.is_manager]
    if not managed:
        return []
    children = [int(r["id"]) for r in await Unit.select(Unit.id).where(Unit.parent.is_in(managed)).run()]
    members: Any = Membership.unit.is_in(managed) & (Membership.is_manager == False)  # noqa: E712 - SQL
    if children:
        members = members | (Membership.unit.is_in(children) & (Membership.is_manager == True))  # noqa: E712
    rows = await Membership.select(
        Membership.person, Membership.person.name, Membership.person.title, Membership.title,
        Membership.unit, Membership.unit.name,
    ).where(
        members & (Membership.person.active == True) & (Membership.person != person_id)  # noqa: E712 - SQL
    ).order_by(Membership.person.name, Membership.person.id).limit(limit * 2).run()
    seen: dict[int, Colleague] = {}
    for r in rows:
        seen.setdefault(int(r["person"]), Colleague(
            id=int(r["person"]), name=r["person.name"], title=r["title"] or r["person.title"] or "",
            unit_id=int(r["unit"]), unit_name=r["unit.name"],
        ))
    return list(seen.values())[:limit]


async def profile_person(person_id: int) -> dict[str, Any] | None:
    """The person's own row (active or not), the columns a profile shows."""
    return await Person.select(
        Person.id, Person.name, Person.email, Person.title, Person.phone, Person.mobile, Person.photo,
        Person.active,
    ).where(Person.id == person_id).first().run()
