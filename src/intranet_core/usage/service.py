"""Usage figures for plugins (the surveys plugin's temperature), and retention.

Read them with :func:`usage_figures`::

    from intranet_core.usage.service import usage_figures

    figures = await usage_figures(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    figures.people, figures.by_device["phone"].people, figures.by_hour[8].views

    # The same for one unit and the units below it; how many were active in a week;
    # adoption per unit, for several units in two queries.
    await usage_figures(start, end, unit_id=7)
    await active_people(monday, sunday)
    await adoption_by_unit(start, end, [3, 4, 5])

Every figure counts *people* (distinct persons) and *views* (pages opened).
Figures are for the whole organisation; a page showing them should still
hold back a figure that rests on very few people.

A person's own rows are part of their personal-data export, and go when
they are erased (``intranet_core.personal_data`` answers for this table).
"""

from __future__ import annotations

import datetime
import zoneinfo
from typing import Any

import msgspec
from piccolo.query.functions.aggregate import Count, Sum

from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.usage.devices import DEVICES
from intranet_core.usage.tables import UsageDay


class Figure(msgspec.Struct, frozen=True):
    people: int = 0
    """Distinct people."""
    views: int = 0
    """Pages they opened."""


class DayFigure(msgspec.Struct, frozen=True):
    day: datetime.date
    people: int = 0
    """Active people that day."""
    views: int = 0


class UsageFigures(msgspec.Struct, frozen=True):
    """Usage between ``start`` and ``end`` (both included), in the site's time zone."""

    start: datetime.date
    end: datetime.date
    staff: int
    """Active people now: the denominator of adoption."""
    total: Figure
    """People who opened at least one page in the period, and how many pages."""
    daily: list[DayFigure]
    """Every day of the period, in order (days without use have zeros): daily active people."""
    by_device: dict[str, Figure]
    """``phone``, ``tablet`` and ``desktop`` (always all three)."""
    by_hour: list[Figure]
    """24 figures, index = hour of the day."""
    by_section: dict[str, Figure]
    """Each section used (``feed``, ``account``, a plugin's name, ``other``), most people first."""


def local_today(timezone: str) -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(timezone)).date()


def _in_period(start: datetime.date, end: datetime.date, branch: str | None = None) -> Any:
    condition = (UsageDay.day >= start) & (UsageDay.day <= end)
    if branch is not None:
        condition = condition & UsageDay.person.is_in(
            Membership.select(Membership.person).where(Membership.unit.path.like(f"{branch}%"))
        )
    return condition


async def _branch(unit_id: int | None) -> str | None:
    """The unit's path (its branch is every unit whose path starts with it); ``/-/`` (nobody) if it does not exist."""
    if unit_id is None:
        return None
    row = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
    return str(row["path"]) if row else "/-/"


async def _staff(branch: str | None) -> int:
    """Active people now: everyone, or those in the branch."""
    if branch is None:
        return int(await Person.count().where(Person.active == True).run())  # noqa: E712 - SQL
    return int(await Membership.count(distinct=[Membership.person]).where(
        Membership.unit.path.like(f"{branch}%") & (Membership.person.active == True)  # noqa: E712 - SQL
    ).run())


def _people_and_views() -> tuple[Any, Any]:
    return Count(distinct=[UsageDay.person], alias="people"), Sum(UsageDay.views, alias="views")


def _figure(row: dict[str, Any]) -> Figure:
    return Figure(people=int(row["people"] or 0), views=int(row["views"] or 0))


async def usage_figures(start: datetime.date, end: datetime.date, *, unit_id: int | None = None) -> UsageFigures:
    """Aggregated usage in a period: adoption, daily active people, devices, hours and sections.

    :param unit_id: only the people of this unit and the units below it
        (``staff`` then counts them too).
    :raises ValueError: ``end`` before ``start``.
    """
    if end < start:
        raise ValueError("end is before start")
    branch = await _branch(unit_id)
    where = _in_period(start, end, branch)
    people, views = _people_and_views()
    [total] = await UsageDay.select(people, views).where(where).run()
    people, views = _people_and_views()
    days = await UsageDay.select(UsageDay.day, people, views).where(where).group_by(UsageDay.day).run()
    people, views = _people_and_views()
    devices = await UsageDay.select(UsageDay.device, people, views).where(where).group_by(UsageDay.device).run()
    people, views = _people_and_views()
    hours = await UsageDay.select(UsageDay.hour, people, views).where(where).group_by(UsageDay.hour).run()
    people, views = _people_and_views()
    sections = await UsageDay.select(UsageDay.section, people, views).where(where).group_by(UsageDay.section).run()
    staff = await _staff(branch)

    by_day = {_as_date(row["day"]): _figure(row) for row in days}
    daily = []
    day = start
    while day <= end:
        figure = by_day.get(day, Figure())
        daily.append(DayFigure(day=day, people=figure.people, views=figure.views))
        day += datetime.timedelta(days=1)
    by_hour = {int(row["hour"]): _figure(row) for row in hours}
    by_device = {device: Figure() for device in DEVICES}
    by_device.update({row["device"]: _figure(row) for row in devices})
    by_section = dict(
        sorted(((row["section"], _figure(row)) for row in sections), key=lambda item: (-item[1].people, item[0]))
    )
    return UsageFigures(
        start=start, end=end, staff=int(staff), total=_figure(total), daily=daily, by_device=by_device,
        by_hour=[by_hour.get(hour, Figure()) for hour in range(24)], by_section=by_section,
    )


async def active_people(start: datetime.date, end: datetime.date, *, unit_id: int | None = None) -> int:
    """How many people opened at least one page between ``start`` and ``end`` (a week: the weekly active)."""
    [row] = await UsageDay.select(Count(distinct=[UsageDay.person], alias="people")).where(
        _in_period(start, end, await _branch(unit_id))
    ).run()
    return int(row["people"] or 0)


class UnitAdoption(msgspec.Struct, frozen=True):
    staff: int
    """Active people in the unit and the units below it, now."""
    people: int
    """Those of them who opened a page in the period."""
    views: int


async def adoption_by_unit(start: datetime.date, end: datetime.date, unit_ids: list[int]) -> dict[int, UnitAdoption]:
    """For each unit (with the units below it): its staff, how many of them used the site in the period, and views.

    Two queries, whatever the number of units; a person in several units
    of a branch counts once for it.
    """
    if not unit_ids:
        return {}
    ids = sorted(set(unit_ids))
    marks = ", ".join("{}" for _ in ids)
    # Only placeholders are formatted into the SQL; every value is a parameter.
    # DISTINCT first: a person in two units of a branch must not count their views twice.
    used = await UsageDay.raw(
        "SELECT hit.unit AS unit, COUNT(DISTINCT hit.person) AS people, SUM(hit.views) AS views FROM ("  # noqa: S608
        "SELECT DISTINCT branch.id AS unit, u.id AS row_id, u.person AS person, u.views AS views "
        "FROM usage_day u JOIN membership m ON m.person = u.person JOIN org_unit mu ON mu.id = m.unit "
        "JOIN org_unit branch ON mu.path LIKE branch.path || '%' "
        f"WHERE branch.id IN ({marks}) AND u.day >= {{}} AND u.day <= {{}}) AS hit GROUP BY hit.unit",
        *ids, start, end,
    ).run()
    staff = await UsageDay.raw(
        "SELECT branch.id AS unit, COUNT(DISTINCT m.person) AS staff FROM membership m "  # noqa: S608
        "JOIN person p ON p.id = m.person JOIN org_unit mu ON mu.id = m.unit "
        "JOIN org_unit branch ON mu.path LIKE branch.path || '%' "
        f"WHERE branch.id IN ({marks}) AND p.active = {{}} GROUP BY branch.id",
        *ids, True,
    ).run()
    staff_of = {int(row["unit"]): int(row["staff"]) for row in staff}
    used_of = {int(row["unit"]): row for row in used}
    return {
        unit: UnitAdoption(staff=staff_of.get(unit, 0), people=int(used_of[unit]["people"] or 0) if unit in used_of
                           else 0, views=int(used_of[unit]["views"] or 0) if unit in used_of else 0)
        for unit in ids
    }


def _as_date(value: Any) -> datetime.date:
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


async def forget_old(retention_days: int, timezone: str, *, today: datetime.date | None = None) -> int:
    """Delete usage older than ``retention_days`` (counted back from today); returns the rows deleted."""
    cutoff = (today or local_today(timezone)) - datetime.timedelta(days=retention_days)
    old = UsageDay.day < cutoff
    count = int(await UsageDay.count().where(old).run())
    if count:
        await UsageDay.delete().where(old).run()
    return count

