"""Usage figures for plugins (the surveys plugin's temperature), and retention.

Read them with :func:`usage_figures`::

    from intranet_core.usage.service import usage_figures

    figures = await usage_figures(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
    figures.people, figures.by_device["phone"].people, figures.by_hour[8].views

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

from intranet_core.people.tables import Person
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


def _in_period(start: datetime.date, end: datetime.date) -> Any:
    return (UsageDay.day >= start) & (UsageDay.day <= end)


def _people_and_views() -> tuple[Any, Any]:
    return Count(distinct=[UsageDay.person], alias="people"), Sum(UsageDay.views, alias="views")


def _figure(row: dict[str, Any]) -> Figure:
    return Figure(people=int(row["people"] or 0), views=int(row["views"] or 0))


async def usage_figures(start: datetime.date, end: datetime.date) -> UsageFigures:
    """Aggregated usage in a period: adoption, daily active people, devices, hours and sections.

    :raises ValueError: ``end`` before ``start``.
    """
    if end < start:
        raise ValueError("end is before start")
    where = _in_period(start, end)
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
    staff = await Person.count().where(Person.active == True).run()  # noqa: E712 - SQL

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

