"""The pages a respondent sees: the surveys open for them, and a survey's form, page by page.

A survey someone is not in the audience of is not found (404), unless they
manage it. The form is the questionnaire service's (:mod:`intranet_surveys.service`).
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect, Template

from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_surveys import access, anonymous, service, surveys
from intranet_surveys.forms import refuse_unknown

NO_STORE = {"Cache-Control": "no-store"}
ANSWER_FIELD = re.compile(r"^q\.[a-z][a-z0-9_]{0,39}$")


@get("/surveys", name="surveys:index", guards=[requires_login], include_in_schema=False)
async def index(request: Request[Any, Any, Any]) -> Template:
    intranet = request.app.state.intranet
    user = request.user
    return Template("surveys/index.html", context=await page_context(
        request, title=_("Surveys"), rounds=await surveys.open_for(intranet, user, limit=50),
        may_create=await access.may_create(user), may_see_temperature=await access.may_see_temperature(user),
    ), headers=NO_STORE)


async def _survey_for(request: Request[Any, Any, Any], survey_id: int) -> tuple[dict[str, Any], bool]:
    """The survey and whether the reader is in its audience; 404 if they are not and do not manage it."""
    intranet = request.app.state.intranet
    user = request.user
    survey = await surveys.visible_survey(intranet, user, survey_id)
    if survey is not None:
        return survey, True
    survey = await surveys.get_survey(survey_id)
    if survey is not None and await access.may_see_results(user, survey):
        return survey, False
    raise NotFoundException()


async def _page(request: Request[Any, Any, Any], survey: dict[str, Any], *, member: bool,
                state: service.FormState | None = None, message: str = "", status_code: int = 200) -> Template:
    round_row = await surveys.open_round(int(survey["id"]))
    answered = round_row is not None and await surveys.has_answered(int(round_row["id"]), request.user.id)
    if state is None and round_row is not None and member and not answered:
        version = await service.current_version(int(survey["questionnaire"]))
        state = service.start(request.app.state.intranet, version) if version is not None else None
    manages = await access.may_see_results(request.user, survey)
    return Template("surveys/answer.html", context=await page_context(
        request, title=survey["title"], survey=survey, round=round_row, answered=answered, member=member,
        form=state, message=message, manages=manages, next_round=await surveys.next_round(int(survey["id"])),
        k=surveys.k_of(request.app.state.intranet),
    ), status_code=status_code, headers=NO_STORE)


@get("/surveys/{survey_id:int}", name="surveys:survey", guards=[requires_login], include_in_schema=False)
async def survey_page(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template:
    survey, member = await _survey_for(request, survey_id)
    return await _page(request, survey, member=member)


@post("/surveys/{survey_id:int}", name="surveys:answer", guards=[requires_login], include_in_schema=False,
      status_code=200)
async def answer(request: Request[Any, Any, Any], survey_id: FromPath[int]) -> Template | Redirect:
    intranet = request.app.state.intranet
    survey = await surveys.visible_survey(intranet, request.user, survey_id)
    if survey is None:
        raise NotFoundException()
    round_row = await surveys.open_round(survey_id)
    if round_row is None:
        return await _page(request, survey, member=True, message=_("This survey is not open."), status_code=409)
    form = await request.form()
    refuse_unknown(form, {service.STEP_FIELD, service.VERSION_FIELD, service.GO_FIELD}, [ANSWER_FIELD])
    version = None
    try:
        chosen = int(str(form.get(service.VERSION_FIELD, "")))
    except ValueError:
        chosen = 0
    if chosen:
        version = await service.get_version(chosen)
    if version is None or version.questionnaire != survey["questionnaire"]:
        version = await service.current_version(int(survey["questionnaire"]))
    if version is None:
        raise NotFoundException()
    state = service.advance(intranet, version, form)
    if state.submission is None:
        return await _page(request, survey, member=True, state=state, status_code=400 if state.errors else 200)
    try:
        await surveys.answer(intranet, survey, int(round_row["id"]), request.user.id, state.submission)
    except anonymous.AlreadyAnswered:
        return await _page(request, survey, member=True, message=_("You have already answered this survey."),
                           status_code=409)
    except anonymous.RoundClosed:
        return await _page(request, survey, member=True, message=_("This survey closed before your answers "
                                                                   "arrived."), status_code=409)
    except ValueError:
        return await _page(request, survey, member=True, message=_("The questionnaire changed while you were "
                                                                   "answering. Please answer again."),
                           status_code=409)
    return Redirect(f"/surveys/{survey_id}", status_code=303)
