"""The intranet's temperature: the usage dashboard, next to the latest temperature survey's results."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromQuery
from litestar.response import Template

from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_surveys import access, charts, results, surveys, temperature
from intranet_surveys.result_pages import pct, question_chart

NO_STORE = {"Cache-Control": "no-store"}


def section_names() -> dict[str, str]:
    return {
        "feed": _("News"), "account": _("My account"), "admin": _("Administration"),
        "notifications": _("Notifications"), "search": _("Search"), "surveys": _("Surveys"),
        "phonebook": _("Phonebook"), "workgroups": _("Groups"), "esdh": _("Documents and systems"),
        "onboarding": _("Onboarding"), "people": _("People"), "other": _("Other pages"),
    }


def device_names() -> dict[str, str]:
    return {"phone": _("Phone"), "tablet": _("Tablet"), "desktop": _("Computer")}


@get("/surveys/temperature", name="surveys:temperature", guards=[requires_login], include_in_schema=False)
async def temperature_page(request: Request[Any, Any, Any], days: FromQuery[int] = 90,
                           unit: FromQuery[int | None] = None) -> Template:
    intranet = request.app.state.intranet
    if not await access.may_see_temperature(request.user):
        raise PermissionDeniedException()
    if days not in temperature.PERIODS:
        days = 90
    found = await temperature.temperature(intranet, days=days, unit_id=unit, section_names=section_names(),
                                          device_names=device_names())
    k = found.k
    chart_daily = charts.line(
        [(f"{d.day:%d/%m}", 100 * d.people / found.figures.staff if found.figures.staff else 0.0, "")
         for d in found.figures.daily], low=0, high=100, label_every=max(1, len(found.figures.daily) // 6),
    ) if not found.held_back else None
    chart_weeks = charts.line(
        [(f"{w.start:%d/%m}", 100 * w.share if w.shown else None, "") for w in found.weeks], low=0, high=100,
        label_every=max(1, len(found.weeks) // 6),
    ) if found.weeks else None
    chart_devices = charts.bars([(r.label, r.share, pct(r.share)) for r in found.devices if r.shown], maximum=1)
    chart_hours = charts.columns([(r.label, r.views if r.shown else 0) for r in found.hours], label_every=3)
    chart_sections = charts.bars([(r.label, r.share, pct(r.share)) for r in found.sections if r.shown], maximum=1)
    survey = await temperature.latest_temperature_survey()
    survey_results = None
    if survey is not None and await access.may_see_results(request.user, survey):
        rounds = await surveys.rounds_of(int(survey["id"]))
        if rounds:
            survey_results = await results.round_results(intranet, survey, rounds[-1], with_texts=False)
    return Template("surveys/temperature.html", context=await page_context(
        request, title=_("The intranet's temperature"), t=found, k=k, pct=pct, periods=temperature.PERIODS,
        units=await temperature.unit_choices(k), chart_daily=chart_daily, chart_weeks=chart_weeks,
        chart_devices=chart_devices, chart_hours=chart_hours, chart_sections=chart_sections, survey=survey,
        survey_results=survey_results, question_chart=question_chart,
        may_create=await access.may_create(request.user),
    ), headers=NO_STORE)
