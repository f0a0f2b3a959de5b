"""The intranet's temperature: how staff use the site (the core's usage figures), next to the temperature survey.

Shown: active staff per day and per week as a share of all active people,
the devices (phone, tablet, desktop), the hours of the day, the sections
used, each unit's adoption, for a chosen period and, optionally, one unit's
branch. Like survey results, no figure rests on fewer than k people: a
device, hour or section used by fewer is held back, a unit with fewer
staff is not listed, and a unit's adoption is shown only once at least k
of its people were active.
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field
from typing import Any

from intranet_core.people.tables import Unit
from intranet_core.usage.devices import DEVICES
from intranet_core.usage.service import UsageFigures, active_people, adoption_by_unit, usage_figures
from intranet_surveys import surveys
from intranet_surveys.tables import Survey

PERIODS = (30, 90, 365)


@dataclass
class Row:
    label: str
    people: int
    views: int
    share: float  # of the active people (or of the staff, for adoption)
    shown: bool


@dataclass
class UnitRow:
    id: int
    name: str
    staff: int
    people: int
    share: float
    shown: bool


@dataclass
class Week:
    start: datetime.date
    people: int
    share: float
    shown: bool


@dataclass
class Temperature:
    start: datetime.date
    end: datetime.date
    days: int
    k: int
    figures: UsageFigures
    unit: dict[str, Any] | None
    held_back: bool
    """The chosen unit has fewer than k active people: nothing is shown."""
    active_share: float = 0.0
    daily_average: float = 0.0
    weekly_average: float = 0.0
    weeks: list[Week] = field(default_factory=list)
    devices: list[Row] = field(default_factory=list)
    hours: list[Row] = field(default_factory=list)
    sections: list[Row] = field(default_factory=list)
    units: list[UnitRow] = field(default_factory=list)


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def local_today(intranet: Any) -> datetime.date:
    return datetime.datetime.now(zoneinfo.ZoneInfo(intranet.settings.usage.timezone)).date()


async def unit_choices(k: int) -> list[dict[str, Any]]:
    """Units someone may narrow the figures to: those whose branch has at least k active people."""
    units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).run()
    if not units:
        return []
    today = datetime.date.today()
    adoption = await adoption_by_unit(today, today, [int(u["id"]) for u in units])
    return [
        {"id": int(u["id"]), "name": u["name"], "depth": max(0, u["path"].strip("/").count("/"))}
        for u in units if adoption.get(int(u["id"])) and adoption[int(u["id"])].staff >= k
    ]


async def temperature(intranet: Any, *, days: int, unit_id: int | None, section_names: dict[str, str],
                      device_names: dict[str, str]) -> Temperature:
    k = surveys.k_of(intranet)
    end = local_today(intranet)
    start = end - datetime.timedelta(days=days - 1)
    unit = None
    if unit_id is not None:
        unit = await Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.id == unit_id).first().run()
    figures = await usage_figures(start, end, unit_id=unit_id if unit is not None else None)
    held_back = unit is not None and (figures.staff < k or figures.total.people < k)
    found = Temperature(start=start, end=end, days=days, k=k, figures=figures, unit=unit, held_back=held_back)
    if held_back:
        return found
    staff = figures.staff
    found.active_share = _share(figures.total.people, staff)
    found.daily_average = sum(_share(d.people, staff) for d in figures.daily) / max(1, len(figures.daily))
    # Whole weeks (Monday to Sunday) inside the period.
    monday = start + datetime.timedelta(days=(7 - start.weekday()) % 7)
    while monday + datetime.timedelta(days=6) <= end:
        people = await active_people(monday, monday + datetime.timedelta(days=6),
                                     unit_id=unit_id if unit is not None else None)
        found.weeks.append(Week(start=monday, people=people, share=_share(people, staff), shown=people >= k))
        monday += datetime.timedelta(days=7)
    shown_weeks = [w.share for w in found.weeks if w.shown]
    found.weekly_average = sum(shown_weeks) / len(shown_weeks) if shown_weeks else 0.0
    active = figures.total.people
    found.devices = [
        Row(label=device_names.get(name, name), people=figures.by_device[name].people,
            views=figures.by_device[name].views, share=_share(figures.by_device[name].people, active),
            shown=figures.by_device[name].people >= k)
        for name in DEVICES
    ]
    found.hours = [
        Row(label=f"{hour:02d}", people=f.people, views=f.views, share=_share(f.views, figures.total.views),
            shown=f.people >= k)
        for hour, f in enumerate(figures.by_hour)
    ]
    found.sections = [
        Row(label=section_names.get(name, name), people=f.people, views=f.views, share=_share(f.people, active),
            shown=f.people >= k)
        for name, f in figures.by_section.items()
    ]
    found.units = await _units(start, end, k, unit)
    return found


async def _units(start: datetime.date, end: datetime.date, k: int, within: dict[str, Any] | None) -> list[UnitRow]:
    """The units one level below the chosen one (or the top two levels): adoption within k."""
    if within is None:
        units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).run()
        units = [u for u in units if u["path"].strip("/").count("/") <= 1]
    else:
        units = await Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.parent == within["id"]).order_by(
            Unit.name).run()
    adoption = await adoption_by_unit(start, end, [int(u["id"]) for u in units])
    rows = []
    for u in units:
        figures = adoption.get(int(u["id"]))
        if figures is None or figures.staff < k:
            continue  # too small to be listed at all
        rows.append(UnitRow(id=int(u["id"]), name=u["name"], staff=figures.staff, people=figures.people,
                            share=_share(figures.people, figures.staff), shown=figures.people >= k))
    return rows


async def latest_temperature_survey() -> dict[str, Any] | None:
    """The most recent temperature survey that has been sent."""
    return await Survey.select(*surveys.SURVEY_COLUMNS).where(
        (Survey.kind == "temperature") & (Survey.draft == False)  # noqa: E712
    ).order_by(Survey.opens_at, ascending=False).first().run()
