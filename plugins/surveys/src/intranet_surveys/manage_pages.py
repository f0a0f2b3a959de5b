"""Pages for those who run surveys: the list, a new survey, the questions (builder and preview), the settings.

Everything about one survey asks :func:`intranet_surveys.access.may_manage`
first; a survey someone may not manage is not found (404). Forms that fail
their checks come back with the messages and what was typed, and nothing
is saved.
"""

from __future__ import annotations

import datetime
import json
import re
import zoneinfo
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_surveys import access, builder, catalog, service, surveys
from intranet_surveys.forms import refuse_unknown
from intranet_surveys.questions import question_types
from intranet_surveys.tables import Participation, Round, Survey

NO_STORE = {"Cache-Control": "no-store"}
PAGE_SIZE = 25
BUILDER_FIELD = re.compile(r"^s\d{1,3}(q\d{1,3})?\.(key|title|description|type|label|help|required|options|"
                           r"option_values|labels|show_if)$")
PREVIEW_FIELD = re.compile(r"^q\.[a-z][a-z0-9_]{0,39}$")


async def _managed(request: Request[Any, Any, Any], survey_id: int) -> dict[str, Any]:
    survey = await surveys.get_survey(survey_id)
    if survey is None or not await access.may_manage(request.user, survey):
        raise NotFoundException()
    return survey


def _site_zone(intranet: Any) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(intranet.settings.usage.timezone)


# --- the list -------------------------------------------------------------------------------


@get("/surveys/manage", name="surveys:manage", guards=[requires_login], include_in_schema=False)
async def manage_page(request: Request[Any, Any, Any], before: FromQuery[int | None] = None) -> Template:
    user = request.user
    if not await access.may_create(user) and not await access.may_see_temperature(user):
        raise PermissionDeniedException()
    everyone = await access.holds_for(user.id, access.CREATE, ["all"]) or \
        await access.holds_for(user.id, access.RESULTS, ["all"])
    condition: Any = Survey.id > 0 if everyone else Survey.created_by == user.id
    if before is not None:
        condition = condition & (Survey.id < before)
    rows = await Survey.select(*surveys.SURVEY_COLUMNS).where(condition).order_by(Survey.id, ascending=False).limit(
        PAGE_SIZE + 1
    ).run()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    ids = [int(r["id"]) for r in rows]
    latest: dict[int, dict[str, Any]] = {}
    if ids:
        for r in await Round.select(*surveys.ROUND_COLUMNS).where(
            Round.survey.is_in(ids) & (Round.opens_at <= surveys.now())
        ).order_by(Round.number).run():
            latest[int(r["survey"])] = r
    answered: dict[int, int] = {}
    round_ids = [int(r["id"]) for r in latest.values()]
    if round_ids:
        from piccolo.query.functions.aggregate import Count

        for r in await Participation.select(Participation.round, Count(alias="n")).where(
            Participation.round.is_in(round_ids)
        ).group_by(Participation.round).run():
            answered[int(r["round"])] = int(r["n"])
    items = [
        {**r, "round": latest.get(int(r["id"])),
         "answered": answered.get(int(latest[int(r["id"])]["id"]), 0) if int(r["id"]) in latest else 0}
        for r in rows
    ]
    return Template("surveys/manage.html", context=await page_context(
        request, title=_("Manage surveys"), items=items, next_cursor=ids[-1] if more and ids else None,
        may_create=await access.may_create(user), may_see_temperature=await access.may_see_temperature(user),
        now=surveys.now(),
    ), headers=NO_STORE)


# --- a new survey ---------------------------------------------------------------------------------


@get("/surveys/new", name="surveys:new", guards=[requires_login], include_in_schema=False)
async def new_page(request: Request[Any, Any, Any]) -> Template:
    if not await access.may_create(request.user):
        raise PermissionDeniedException()
    return await _new_form(request)


async def _new_form(request: Request[Any, Any, Any], *, errors: list[str] | None = None,
                    values: dict[str, str] | None = None, status_code: int = 200) -> Template:
    return Template("surveys/new.html", context=await page_context(
        request, title=_("New survey"), errors=errors or [], values=values or {"start": "blank"},
    ), status_code=status_code, headers=NO_STORE)


@post("/surveys/new", name="surveys:create", guards=[requires_login], include_in_schema=False, status_code=303)
async def create(request: Request[Any, Any, Any]) -> Template | Redirect:
    intranet = request.app.state.intranet
    if not await access.may_create(request.user):
        raise PermissionDeniedException()
    form = await request.form()
    refuse_unknown(form, {"title", "start"})
    values = {"title": str(form.get("title", "")).strip(), "start": str(form.get("start", "blank"))}
    errors = []
    if not values["title"]:
        errors.append(_("Give the survey a title."))
    elif len(values["title"]) > 300:
        errors.append(_("The title can be at most 300 characters."))
    if values["start"] not in catalog.TEMPLATES:
        errors.append(_("Choose what to start from."))
    if errors:
        return await _new_form(request, errors=errors, values=values, status_code=400)
    language = intranet.settings.site.default_language
    definition = catalog.starting_point(values["start"], language, values["title"])
    definition = msgspec.structs.replace(definition, title=values["title"])
    questionnaire = await service.create_questionnaire(
        intranet, definition=definition, created_by=request.user.id,
        template="temperature" if values["start"] == "temperature" else "",
    )
    survey_id = await surveys.create_draft(
        intranet, title=values["title"], questionnaire_id=questionnaire.id, created_by=request.user.id,
        kind="temperature" if values["start"] == "temperature" else "survey", ip=client_ip(request),
    )
    return Redirect(f"/surveys/{survey_id}/questions", status_code=303)


# --- the questions: builder and preview -------------------------------------------------------------


async def _builder(request: Request[Any, Any, Any], survey: dict[str, Any], draft: builder.Draft, *,
                   errors: list[str] | None = None, notice: str = "", status_code: int = 200) -> Template:
    intranet = request.app.state.intranet
    types = question_types(intranet)
    version = await service.current_version(int(survey["questionnaire"]))
    answered = version is not None and await service.has_answers(version.id)
    return Template("surveys/builder.html", context=await page_context(
        request, title=_("Questions: %(title)s") % {"title": survey["title"]}, survey=survey, draft=draft,
        types=sorted(types.values(), key=lambda t: t.label()), type_of=types, errors=errors or [], notice=notice,
        conditions=builder.condition_choices(draft, types), version=version, answered=answered,
        types_json=json.dumps({t.name: {"options": t.uses_options, "labels": bool(t.uses_labels)}
                               for t in types.values()}),
    ), status_code=status_code, headers=NO_STORE)


@get("/surveys/{survey_id:int}/questions", name="surveys:questions", guards=[requires_login],
     include_in_schema=False)
async def questions_page(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template:
    survey = await _managed(request, survey_id)
    version = await service.current_version(int(survey["questionnaire"]))
    if version is None:
        raise NotFoundException()
    return await _builder(request, survey, builder.from_definition(version.definition))


@post("/surveys/{survey_id:int}/questions", name="surveys:questions_save", guards=[requires_login],
      include_in_schema=False, status_code=200)
async def questions_save(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template | Redirect:
    intranet = request.app.state.intranet
    survey = await _managed(request, survey_id)
    form = await request.form()
    refuse_unknown(form, {"title", "description", "action"}, [BUILDER_FIELD])
    draft = builder.from_form(form)
    action = str(form.get("action", "save"))
    if action != "save":
        if not builder.apply(draft, action):
            raise ClientException("unknown action")
        return await _builder(request, survey, draft, notice=_("Not saved yet: save to keep your changes."))
    types = question_types(intranet)
    try:
        definition = builder.to_definition(draft, types)
    except msgspec.ValidationError:
        return await _builder(request, survey, draft, errors=[_("A text is too long, or a field is not valid.")],
                              status_code=400)
    try:
        version = await service.save_definition(intranet, int(survey["questionnaire"]), definition,
                                                actor_id=request.user.id)
    except service.QuestionnaireError as problem:
        return await _builder(request, survey, draft, errors=problem.problems, status_code=400)
    await record("surveys.questionnaire_save", actor_id=request.user.id, target_type="survey", target_id=survey_id,
                 details={"version": version.number}, ip=client_ip(request))
    return Redirect(f"/surveys/{survey_id}/questions?saved={version.number}", status_code=303)


@get("/surveys/{survey_id:int}/preview", name="surveys:preview", guards=[requires_login], include_in_schema=False)
async def preview_page(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template:
    survey = await _managed(request, survey_id)
    version = await service.current_version(int(survey["questionnaire"]))
    if version is None:
        raise NotFoundException()
    return await _preview(request, survey, service.start(request.app.state.intranet, version, preview=True))


async def _preview(request: Request[Any, Any, Any], survey: dict[str, Any], state: service.FormState,
                   status_code: int = 200) -> Template:
    return Template("surveys/preview.html", context=await page_context(
        request, title=_("Preview: %(title)s") % {"title": survey["title"]}, survey=survey, form=state,
    ), status_code=status_code, headers=NO_STORE)


@post("/surveys/{survey_id:int}/preview", name="surveys:preview_step", guards=[requires_login],
      include_in_schema=False, status_code=200)
async def preview_step(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template:
    """The preview goes page by page like the real form, and stores nothing."""
    survey = await _managed(request, survey_id)
    version = await service.current_version(int(survey["questionnaire"]))
    if version is None:
        raise NotFoundException()
    form = await request.form()
    refuse_unknown(form, {service.STEP_FIELD, service.VERSION_FIELD, service.GO_FIELD}, [PREVIEW_FIELD])
    state = service.advance(request.app.state.intranet, version, form, preview=True)
    return await _preview(request, survey, state, status_code=400 if state.errors else 200)


# --- settings: audience and timing; send, change, stop -------------------------------------------------


def _plan_values(survey: dict[str, Any], audience: list[str], zone: zoneinfo.ZoneInfo) -> dict[str, Any]:
    opens = survey["opens_at"].astimezone(zone).date()
    return {
        "title": survey["title"], "audience": audience, "anonymous": survey["anonymous"],
        "opens_on": opens.isoformat(), "round_days": str(survey["round_days"]),
        "repeat_weeks": str(survey["repeat_weeks"]), "reminder_days": str(survey["reminder_days"]),
        "announce": survey["announce"],
    }


async def _settings(request: Request[Any, Any, Any], survey: dict[str, Any], values: dict[str, Any], *,
                    errors: list[str] | None = None, status_code: int = 200) -> Template:
    intranet = request.app.state.intranet
    choices = await access.audience_choices(intranet, request.user)
    chosen = set(values.get("audience") or [])
    # Audiences chosen by someone else (a group this person cannot send to) stay listed.
    known = {c.key for c in choices}
    others = [key for key in values.get("audience") or [] if key not in known]
    labels = await access.audience_labels(intranet, request.user, others)
    return Template("surveys/settings.html", context=await page_context(
        request, title=_("Settings: %(title)s") % {"title": survey["title"]}, survey=survey, values=values,
        choices=choices, chosen=chosen, others=list(zip(others, labels, strict=True)), errors=errors or [],
        current=await surveys.open_round(int(survey["id"])), k_min=surveys.k_of(intranet),
    ), status_code=status_code, headers=NO_STORE)


@get("/surveys/{survey_id:int}/settings", name="surveys:settings", guards=[requires_login],
     include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template:
    survey = await _managed(request, survey_id)
    values = _plan_values(survey, await surveys.audience_of(survey_id), _site_zone(request.app.state.intranet))
    if survey["draft"]:
        values.update(opens_on=surveys.now().astimezone(_site_zone(request.app.state.intranet)).date().isoformat(),
                      reminder_days="3", announce=True, anonymous=True)
    return await _settings(request, survey, values)


def _parse_settings(form: Any, survey: dict[str, Any], zone: zoneinfo.ZoneInfo) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {
        "title": str(form.get("title", "")).strip(),
        "audience": [str(v) for v in form.getall("audience")] if "audience" in form else [],
        "anonymous": form.get("anonymous") == "on" if survey["draft"] else survey["anonymous"],
        "opens_on": str(form.get("opens_on", "")).strip(),
        "round_days": str(form.get("round_days", "")).strip(),
        "repeat_weeks": str(form.get("repeat_weeks", "0")).strip() or "0",
        "reminder_days": str(form.get("reminder_days", "0")).strip() or "0",
        "announce": form.get("announce") == "on",
    }
    errors = []
    if not values["title"]:
        errors.append(_("Give the survey a title."))
    if not values["audience"]:
        errors.append(_("Choose who the survey is for."))
    try:
        opens_on = datetime.date.fromisoformat(values["opens_on"])
    except ValueError:
        errors.append(_("Give the day the survey opens (year-month-day)."))
        opens_on = None
    numbers = {}
    for name, message in (("round_days", _("How many days it stays open must be a number from 1 to 365.")),
                          ("repeat_weeks", _("Every how many weeks must be a number from 0 to 52.")),
                          ("reminder_days", _("The reminder must be a number of days."))):
        try:
            numbers[name] = int(values[name])
        except ValueError:
            errors.append(message)
    today = surveys.now().astimezone(zone).date()
    if survey["draft"] and opens_on is not None and opens_on < today:
        errors.append(_("A survey cannot open in the past."))
    if errors or opens_on is None:
        return values, errors
    opens_at = surveys.now() if opens_on == today else datetime.datetime.combine(
        opens_on, datetime.time(8, 0), tzinfo=zone).astimezone(datetime.UTC)
    if not survey["draft"]:
        opens_at = survey["opens_at"] if opens_on == survey["opens_at"].astimezone(zone).date() else opens_at
    try:
        values["plan"] = msgspec.convert({
            "title": values["title"], "questionnaire_id": survey["questionnaire"], "audience": values["audience"],
            "opens_at": opens_at, "anonymous": values["anonymous"], "announce": values["announce"],
            "kind": survey["kind"], **numbers,
        }, surveys.SurveyPlan)
    except msgspec.ValidationError as problem:
        text = str(problem)
        if "round_days: a round" in text:
            errors.append(_("A round must close before the next one opens: keep it open at most the weeks between "
                            "rounds."))
        elif "reminder_days" in text:
            errors.append(_("The reminder must come before the round closes: fewer days than it is open."))
        elif "round_days" in text:
            errors.append(_("How many days it stays open must be a number from 1 to 365."))
        elif "repeat_weeks" in text:
            errors.append(_("Every how many weeks must be a number from 0 to 52."))
        else:
            errors.append(_("A setting is not valid."))
    return values, errors


@post("/surveys/{survey_id:int}/settings", name="surveys:settings_save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def settings_save(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template | Redirect:
    intranet = request.app.state.intranet
    survey = await _managed(request, survey_id)
    form = await request.form()
    refuse_unknown(form, {"title", "audience", "anonymous", "opens_on", "round_days", "repeat_weeks",
                          "reminder_days", "announce"})
    values, errors = _parse_settings(form, survey, _site_zone(intranet))
    if not errors:
        allowed = {c.key for c in await access.audience_choices(intranet, request.user)}
        previous = set(await surveys.audience_of(survey_id))
        # Keys kept as they were are fine; new ones must be the person's to choose.
        if not set(values["audience"]) - previous <= allowed:
            errors.append(_("You may not send surveys to one of the chosen audiences."))
    if errors:
        return await _settings(request, survey, values, errors=errors, status_code=400)
    plan = values["plan"]
    if survey["draft"]:
        try:
            await surveys.send_draft(intranet, survey_id, plan, actor_id=request.user.id, ip=client_ip(request))
        except LookupError:
            raise NotFoundException() from None
        return Redirect(f"/surveys/{survey_id}/results", status_code=303)
    await surveys.update_survey(intranet, survey_id, plan, actor_id=request.user.id, ip=client_ip(request))
    return Redirect(f"/surveys/{survey_id}/settings?saved=1", status_code=303)


@post("/surveys/{survey_id:int}/stop", name="surveys:stop", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def stop(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Redirect:
    survey = await _managed(request, survey_id)
    if not survey["draft"]:
        await surveys.stop_survey(request.app.state.intranet, survey_id, actor_id=request.user.id,
                                  ip=client_ip(request))
    return Redirect(f"/surveys/{survey_id}/results", status_code=303)
