"""HR's template editor: one form holding the template and its steps (works without JavaScript).

The form shows the template's steps and a few empty rows; a row without a
title is left out, and the steps are saved in the order of their "order"
numbers. Saving a template that a flow uses makes a new version.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.tables import Person, Unit
from intranet_core.permissions.service import may
from intranet_onboarding import service
from intranet_onboarding.models import ASSIGNEES, KINDS, StepSpec, TemplateSpec, assignee_label, kind_label
from intranet_onboarding.tables import FlowTemplate

EMPTY_ROWS = 3
MAX_ROWS = 200


async def _guard(request: Request[Any, Any, Any]) -> None:
    # Templates serve every unit: only HR for the whole organisation edits them.
    if not await may(request.user.id, service.ADMIN):
        raise PermissionDeniedException()


def _rows_of(steps: list[StepSpec], emails: dict[int, str]) -> list[dict[str, Any]]:
    rows = [{"title": s.title, "text": s.text, "kind": s.kind, "assignee": s.assignee, "offset": str(s.offset_days),
             "link": s.link, "questionnaire": "" if s.questionnaire is None else str(s.questionnaire),
             "meet_with": emails.get(s.meet_with or 0, ""), "order": str(i + 1)} for i, s in enumerate(steps)]
    start = len(rows)
    rows += [{"title": "", "text": "", "kind": "task", "assignee": "new_hire", "offset": "0", "link": "",
              "questionnaire": "", "meet_with": "", "order": str(start + i + 1)} for i in range(EMPTY_ROWS)]
    return rows


async def _render(request: Request[Any, Any, Any], *, template_id: int | None, values: dict[str, Any],
                  rows: list[dict[str, Any]], errors: list[str] | None = None) -> Template:
    units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).limit(2000).run()
    context = await page_context(
        request, title=_("Edit the template") if template_id else _("New template"), template_id=template_id,
        values=values, rows=rows, errors=errors or [], units=units,
        kinds=[(k, kind_label(k)) for k in KINDS], assignees=[(a, assignee_label(a)) for a in ASSIGNEES],
    )
    return Template("onboarding/template_edit.html", context=context,
                    status_code=HTTP_400_BAD_REQUEST if errors else 200)


@get("/onboarding/templates", name="onboarding:templates", include_in_schema=False, guards=[requires_login])
async def templates_page(request: Request[Any, Any, Any]) -> Template:
    await _guard(request)
    context = await page_context(request, title=_("Flow templates"), templates=await service.list_templates())
    return Template("onboarding/templates.html", context=context)


@get("/onboarding/templates/new", name="onboarding:template_new", include_in_schema=False, guards=[requires_login])
async def new_page(request: Request[Any, Any, Any]) -> Template:
    await _guard(request)
    return await _render(request, template_id=None, values={"name": "", "kind": "onboarding", "units": [],
                                                            "job_titles": ""}, rows=_rows_of([], {}))


@get("/onboarding/templates/{template_id:int}", name="onboarding:template", include_in_schema=False,
     guards=[requires_login])
async def edit_page(request: Request[Any, Any, Any], template_id: FromPath[int]) -> Template:
    await _guard(request)
    row = await FlowTemplate.select().where(FlowTemplate.id == template_id).first().run()
    if row is None:
        raise NotFoundException()
    steps = await service.version_steps(int(row["current_version"]))
    ids = [s.meet_with for s in steps if s.meet_with]
    emails = {int(p["id"]): p["email"] for p in await Person.select(Person.id, Person.email).where(
        Person.id.is_in(ids)).run()} if ids else {}
    values = {"name": row["name"], "kind": row["kind"], "units": json.loads(row["units"]),
              "job_titles": ", ".join(json.loads(row["job_titles"]))}
    return await _render(request, template_id=template_id, values=values, rows=_rows_of(steps, emails))


async def _parse(form: Any) -> tuple[dict[str, Any], list[dict[str, Any]], TemplateSpec | None, list[str]]:
    import intranet_surveys.service as surveys

    from intranet_core.people.service import person_id_by_email

    values: dict[str, Any] = {
        "name": str(form.get("name", "")).strip()[:300],
        "kind": str(form.get("kind", "onboarding")),
        "units": [int(u) for u in form.getall("units") if str(u).isdigit()] if "units" in form else [],
        "job_titles": str(form.get("job_titles", ""))[:2000],
    }
    try:
        count = min(int(str(form.get("rows", "0"))), MAX_ROWS)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        row = {key: str(form.get(f"step-{i}-{key}", "")).strip()[:20_000] for key in
               ("title", "text", "kind", "assignee", "offset", "link", "questionnaire", "meet_with", "order")}
        rows.append(row)
    errors: list[str] = []
    steps_raw = []
    for index, row in enumerate(rows):
        if not row["title"]:
            continue
        meet_with = None
        if row["meet_with"]:
            meet_with = await person_id_by_email(row["meet_with"])
            if meet_with is None:
                errors.append(_("Step %(n)d: no person has the e-mail address %(email)s.")
                              % {"n": index + 1, "email": row["meet_with"]})
        questionnaire = None
        if row["questionnaire"]:
            if not row["questionnaire"].isdigit() or await surveys.get_questionnaire(int(row["questionnaire"])) is None:
                errors.append(_("Step %(n)d: there is no questionnaire number %(id)s.")
                              % {"n": index + 1, "id": row["questionnaire"]})
            else:
                questionnaire = int(row["questionnaire"])
        if row["kind"] == "questionnaire" and questionnaire is None and not errors:
            errors.append(_("Step %(n)d: a questionnaire step needs a questionnaire number.") % {"n": index + 1})
        if row["link"] and not (row["link"].startswith("https://")
                                or (row["link"].startswith("/") and not row["link"].startswith("//"))):
            errors.append(_("Step %(n)d: a link is an intranet path (/…) or starts with https://.") % {"n": index + 1})
        try:
            order = int(row["order"] or index + 1)
            offset = int(row["offset"] or 0)
        except ValueError:
            errors.append(_("Step %(n)d: order and days must be whole numbers.") % {"n": index + 1})
            continue
        steps_raw.append((order, index, {"title": row["title"], "text": row["text"], "kind": row["kind"],
                                         "assignee": row["assignee"], "offset_days": offset, "link": row["link"],
                                         "questionnaire": questionnaire, "meet_with": meet_with}))
    steps_raw.sort(key=lambda item: (item[0], item[1]))
    if not steps_raw and not errors:
        errors.append(_("A template needs at least one step with a title."))
    titles = [t.strip() for t in values["job_titles"].split(",") if t.strip()]
    spec = None
    if not errors:
        try:
            spec = msgspec.convert({"name": values["name"], "kind": values["kind"], "units": values["units"],
                                    "job_titles": titles, "steps": [s for _o, _i, s in steps_raw]}, TemplateSpec)
        except msgspec.ValidationError:
            errors.append(_("Check the name (1 to 200 characters), each step's title (up to 200), "
                            "its days (-365 to 365), kind and who does it."))
    return values, rows, spec, errors


async def _save(request: Request[Any, Any, Any], template_id: int | None) -> Template | Redirect:
    await _guard(request)
    form = await request.form()
    values, rows, spec, errors = await _parse(form)
    if spec is None:
        return await _render(request, template_id=template_id, values=values,
                             rows=rows + _rows_of([], {})[:EMPTY_ROWS], errors=errors)
    intranet = request.app.state.intranet
    if template_id is None:
        template_id = await service.create_template(intranet, spec, actor_id=request.user.id)
    else:
        try:
            await service.save_template(intranet, template_id, spec, actor_id=request.user.id)
        except LookupError:
            raise NotFoundException() from None
    return Redirect(f"/onboarding/templates/{template_id}?saved=1", status_code=HTTP_303_SEE_OTHER)


@post("/onboarding/templates/new", name="onboarding:template_create", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def create(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save(request, None)


@post("/onboarding/templates/{template_id:int}", name="onboarding:template_save", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def save(request: Request[Any, Any, Any], template_id: FromPath[int]) -> Template | Redirect:
    return await _save(request, template_id)
