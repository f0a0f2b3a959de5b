"""Results pages: per question a chart with its table, breakdowns by unit, trends, free text, CSV, live."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal, format_percent
from litestar import Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_login
from intranet_core.i18n import current_language
from intranet_core.i18n import gettext as _
from intranet_core.live import topics
from intranet_core.pages import page_context
from intranet_surveys import access, charts, live, results, surveys

NO_STORE = {"Cache-Control": "no-store"}


def pct(share: float) -> str:
    return format_percent(share, locale=current_language())


def number(value: float | None, digits: int = 1) -> str:
    if value is None:
        return ""
    return format_decimal(value, format="#,##0." + "0" * digits, locale=current_language())


def question_chart(result: results.QuestionResult) -> dict[str, Any] | None:
    if result.summary == "text" or not result.categories:
        return None
    return charts.bars([(c.label, c.count, f"{c.count} ({pct(c.share)})") for c in result.categories])


def trend_chart(trend: results.Trend) -> dict[str, Any]:
    low, high = {"mean": (1.0, 5.0), "nps": (-100.0, 100.0), "yes": (0.0, 100.0)}[trend.measure]
    every = max(1, len(trend.points) // 8)
    return charts.line([(str(p.round_number), p.value, _trend_value(trend, p.value)) for p in trend.points],
                       low=low, high=high, label_every=every)


def _trend_value(trend: results.Trend, value: float | None) -> str:
    if value is None:
        return ""
    if trend.measure == "yes":
        return pct(value / 100)
    if trend.measure == "nps":
        return str(int(value))
    return number(value, 2)


def measure_label(measure: str) -> str:
    return {"mean": _("Average (1 to 5)"), "nps": _("Net Promoter Score"), "yes": _("Share answering yes")}[measure]


async def _results_survey(request: Request[Any, Any, Any], survey_id: int) -> dict[str, Any]:
    survey = await surveys.get_survey(survey_id)
    if survey is None or not await access.may_see_results(request.user, survey):
        raise NotFoundException()
    return survey


async def _chosen_round(
    survey: dict[str, Any], number: int | None
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    rounds = await surveys.rounds_of(int(survey["id"]))
    if not rounds:
        return None, rounds
    if number is None:
        return rounds[-1], rounds
    chosen = next((r for r in rounds if int(r["number"]) == number), None)
    if chosen is None:
        raise NotFoundException()
    return chosen, rounds


async def _context(request: Request[Any, Any, Any], survey: dict[str, Any], round_row: dict[str, Any] | None,
                   rounds: list[dict[str, Any]]) -> dict[str, Any]:
    intranet = request.app.state.intranet
    found = await results.round_results(intranet, survey, round_row) if round_row is not None else None
    return {
        "survey": survey, "round": round_row, "rounds": rounds, "results": found,
        "question_chart": question_chart, "pct": pct, "number": number,
        "k": surveys.k_of(intranet),
        "audience": await access.audience_labels(intranet, request.user, await surveys.audience_of(int(survey["id"]))),
    }


@get("/surveys/{survey_id:int}/results", name="surveys:results", guards=[requires_login], include_in_schema=False)
async def results_page(request: Request[Any, Any, Any], survey_id: FromPath[int],
                       round: FromQuery[int | None] = None) -> Template:
    intranet = request.app.state.intranet
    survey = await _results_survey(request, survey_id)
    round_row, rounds = await _chosen_round(survey, round)
    context = await _context(request, survey, round_row, rounds)
    found_trends = await results.trends(intranet, survey)
    context.update(
        trends=[(t, trend_chart(t)) for t in found_trends], measure_label=measure_label,
        trend_value=_trend_value, manages=await access.may_manage(request.user, survey),
        next_round=await surveys.next_round(survey_id),
    )
    return Template("surveys/results.html", context=await page_context(
        request, title=_("Results: %(title)s") % {"title": survey["title"]}, **context), headers=NO_STORE)


@get("/surveys/{survey_id:int}/results/fragment", name="surveys:results_fragment", guards=[requires_login],
     include_in_schema=False, opt=topics.NOT_A_PAGE_VIEW)
async def results_fragment(request: Request[Any, Any, Any], survey_id: FromPath[int],
                           round: FromQuery[int | None] = None) -> Template:
    """The figures of a round alone: what the results page's script swaps in when they change."""
    survey = await _results_survey(request, survey_id)
    round_row, rounds = await _chosen_round(survey, round)
    return Template("surveys/_results.html", context=await _context(request, survey, round_row, rounds),
                    headers=NO_STORE)


@get("/surveys/{survey_id:int}/results/live", name="surveys:results_live", guards=[requires_login],
     include_in_schema=False, opt=topics.NOT_A_PAGE_VIEW)
async def results_live(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Response[Any]:
    """Server-Sent Events: ``change`` (with the round's id) when a round's results change."""
    await _results_survey(request, survey_id)
    return topics.stream(request, live.topic(survey_id))


@get("/surveys/{survey_id:int}/results.csv", name="surveys:results_csv", guards=[requires_login],
     include_in_schema=False, opt=topics.NOT_A_PAGE_VIEW)
async def results_csv(request: Request[Any, Any, Any], survey_id: FromPath[int],
                      round: FromQuery[int | None] = None) -> Response[Any]:
    intranet = request.app.state.intranet
    survey = await _results_survey(request, survey_id)
    round_row, _rounds = await _chosen_round(survey, round)
    text = await results.csv_export(intranet, survey, round_row) if round_row is not None else None
    if text is None:
        raise NotFoundException()
    await record("surveys.results_export", actor_id=request.user.id, target_type="survey", target_id=survey_id,
                 details={"round": int(round_row["number"]) if round_row else None}, ip=client_ip(request))
    name = f"survey-{survey_id}-round-{int(round_row['number']) if round_row else 0}.csv"
    return Response(content="\ufeff" + text, media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
    })
