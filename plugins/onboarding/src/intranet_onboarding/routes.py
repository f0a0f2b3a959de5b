"""The pages: the new hire's checklist, a flow's timeline, ticking steps, questionnaire steps, HR's view."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any
from urllib.parse import urlsplit

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Redirect, Response, Template
from litestar.status_codes import HTTP_303_SEE_OTHER, HTTP_400_BAD_REQUEST

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.markup import render as render_markdown
from intranet_core.pages import page_context
from intranet_core.people.service import get_person, person_id_by_email
from intranet_core.people.tables import Unit
from intranet_core.uploads.service import (
    UploadError,
    files_in_form,
    format_size,
    not_modified,
    not_modified_response,
    prepare_upload,
    type_label,
    upload_response,
)
from intranet_onboarding import service
from intranet_onboarding.models import assignee_label, kind_label
from intranet_onboarding.tables import FlowStep, FlowTemplate

PAGE = 50
FILE_FIELD = "file"


def _user(request: Request[Any, Any, Any]) -> Any:
    return request.user


def _decorate(steps: list[dict[str, Any]], today: datetime.date, may_tick: set[int]) -> list[dict[str, Any]]:
    for step in steps:
        step["html"] = render_markdown(step["body"]) if step["body"] else ""
        step["kind_label"] = kind_label(step["kind"])
        step["assignee_label"] = assignee_label(step["assignee"])
        step["overdue"] = step["done_at"] is None and step["due_date"] < today
        step["may_tick"] = step["id"] in may_tick
        link = step["link"] or ""
        step["safe_link"] = link if link.startswith(("/", "https://")) and not link.startswith("//") else ""
    return steps


async def _flow_page(request: Request[Any, Any, Any], flow: dict[str, Any], *, checklist: bool,
                     errors: dict[int, list[str]] | None = None) -> Template:
    intranet = request.app.state.intranet
    user = _user(request)
    today = service.local_today(intranet)
    steps = await service.steps_of(flow["id"])
    # A cancelled flow is kept as it was.
    may_tick = await service.step_ids_done_by(user.id, flow["id"]) if flow["status"] != "cancelled" else set()
    _decorate(steps, today, may_tick)
    files = await service.files_of(user.id, flow["id"])
    for step in steps:
        step["files"] = [{**f, "size_label": format_size(int(f["size"])), "type_label": type_label(f["content_type"])}
                         for f in files.get(int(step["id"]), [])]
        step["errors"] = (errors or {}).get(int(step["id"]), [])
    done = sum(1 for s in steps if s["done_at"] is not None)
    answers: dict[int, list[list[tuple[str, str]]]] = {}
    hr = await service.hr_scope(user.id) is not None
    if user.id != flow["person"]:
        import intranet_surveys.service as surveys

        labels: dict[int, dict[str, str]] = {}
        for step in steps:
            if step["kind"] == "questionnaire" and step["done_at"] is not None:
                responses = await surveys.answers_of(context=f"onboarding.step:{step['id']}",
                                                     person_id=flow["person"])
                for response in responses:
                    if response.version_id not in labels:
                        version = await surveys.get_version(response.version_id)
                        labels[response.version_id] = {} if version is None else {
                            q.key: q.label for q in version.definition.questions()}
                answers[step["id"]] = [
                    [(labels[r.version_id].get(key, key), ", ".join(row.text or row.value or "" for row in rows))
                     for key, rows in r.answers.items()] for r in responses]
    title = _("Your onboarding") if checklist else _("Flow for %(name)s") % {"name": flow["person_name"]}
    context = await page_context(
        request, title=title, flow=flow, steps=steps, done=done, total=len(steps), checklist=checklist,
        percent=round(100 * done / len(steps)) if steps else 100, answers=answers,
        buddy_unknown=request.query_params.get("buddy") == "unknown", may_manage=hr
        or flow["manager"] == user.id, is_hr=hr, today=today,
        upload_types=", ".join(sorted({type_label(t) for t in intranet.settings.uploads.allowed_types})),
        upload_max=format_size(intranet.settings.uploads.max_bytes),
    )
    return Template("onboarding/flow.html", context=context, status_code=HTTP_400_BAD_REQUEST if errors else 200)


@get("/onboarding", name="onboarding:index", include_in_schema=False, guards=[requires_login])
async def index(request: Request[Any, Any, Any]) -> Template:
    """The new hire's checklist when they have a running flow; otherwise the steps that are theirs to do."""
    user = _user(request)
    own = await service.own_flows(user.id)
    if own:
        flow = await service.flow_of(user.id, own[0]["id"])
        assert flow is not None
        return await _flow_page(request, flow, checklist=True)
    intranet = request.app.state.intranet
    today = service.local_today(intranet)
    steps = await service.my_open_steps(user.id)
    for step in steps:
        step["overdue"] = step["due_date"] < today
        step["kind_label"] = kind_label(step["kind"])
    context = await page_context(request, title=_("Onboarding tasks"), steps=steps,
                                 is_hr=await service.hr_scope(user.id) is not None)
    return Template("onboarding/tasks.html", context=context)


@get("/onboarding/flows/{flow_id:int}", name="onboarding:flow", include_in_schema=False, guards=[requires_login])
async def flow_page(request: Request[Any, Any, Any], flow_id: FromPath[int]) -> Template:
    flow = await service.flow_of(_user(request).id, flow_id)
    if flow is None:
        raise NotFoundException()
    return await _flow_page(request, flow, checklist=flow["person"] == _user(request).id)


def _back(request: Request[Any, Any, Any], flow_id: int, step_id: FromPath[int]) -> str:
    return f"/onboarding/flows/{flow_id}#step-{step_id}"


@post("/onboarding/steps/{step_id:int}", name="onboarding:tick", include_in_schema=False, guards=[requires_login],
      status_code=HTTP_303_SEE_OTHER)
async def tick(request: Request[Any, Any, Any], step_id: FromPath[int]) -> Template | Redirect:
    """Tick a step off or undo it; a "document" step takes the files handed in (or a note) with the tick."""
    intranet = request.app.state.intranet
    user = _user(request)
    form = await request.form()
    done = str(form.get("done", "1")) == "1"
    document = str(form.get("document", "")).strip()[:2000]
    chosen = files_in_form(form, FILE_FIELD)
    step = await FlowStep.select(FlowStep.flow, FlowStep.kind).where(
        (FlowStep.id == step_id) & await service.doer(user.id)).first().run()
    # A questionnaire is ticked off by answering it; only a document step takes files.
    if step is None or (step["kind"] == "questionnaire" and done) or (chosen and step["kind"] != "document"):
        raise NotFoundException()
    errors: list[str] = []
    prepared = []
    if done and len(chosen) > intranet.settings.uploads.max_files:
        errors.append(_("At most %(count)s files can be added at a time.") % {
            "count": intranet.settings.uploads.max_files})
        chosen = []
    for upload in chosen if done else []:
        try:
            prepared.append(await prepare_upload(intranet, upload))
        except UploadError as exc:
            errors.append(exc.message)
    if done and step["kind"] == "document" and not (document or prepared or errors) and not (
            await service.files_of(user.id, int(step["flow"]))).get(step_id):
        errors.append(_("Add the file, or write a note on what you handed in."))
    if errors:
        # Nothing is written: files checked before another was refused are left to the uploads purge.
        flow = await service.flow_of(user.id, int(step["flow"]))
        if flow is None:
            raise NotFoundException()
        return await _flow_page(request, flow, checklist=flow["person"] == user.id, errors={step_id: errors})
    ok = await service.mark_step(intranet, user.id, step_id, done=done, document=document, files=prepared,
                                 ip=client_ip(request))
    if not ok:
        raise NotFoundException()
    return Redirect(_back(request, int(step["flow"]), step_id), status_code=HTTP_303_SEE_OTHER)


@get("/onboarding/steps/{step_id:int}/calendar.ics", name="onboarding:calendar", include_in_schema=False,
     guards=[requires_login])
async def meeting_calendar(request: Request[Any, Any, Any], step_id: FromPath[int]) -> Response[bytes]:
    """A meeting step as an all-day event on its due date, for any calendar (iCalendar, RFC 5545)."""
    import icalendar

    from intranet_core.notifications.service import absolute_url

    step = await service.meeting_of(_user(request).id, step_id)
    if step is None:
        raise NotFoundException()
    settings = request.app.state.intranet.settings
    url = absolute_url(settings, f"/onboarding/flows/{int(step['flow'])}#step-{step_id}")
    event = icalendar.Event()
    # The same step gives the same UID: a calendar updates the event it has rather than adding another.
    host = urlsplit(settings.site.base_url or "").hostname or "intranet.invalid"
    event.add("uid", f"onboarding-step-{step_id}@{host}")
    event.add("dtstamp", datetime.datetime.now(datetime.UTC))
    event.add("dtstart", step["due_date"])
    event.add("dtend", step["due_date"] + datetime.timedelta(days=1))
    event.add("summary", _("%(title)s (%(name)s's onboarding)") % {
        "title": step["title"], "name": step["person_name"]})
    description = [step["body"]] if step["body"] else []
    if step["meet_with_name"]:
        description.append(_("Meet: %(name)s") % {"name": step["meet_with_name"]})
    event.add("description", "\n\n".join([*description, url]))
    event.add("url", url)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//intranet-core//onboarding//EN")
    calendar.add("version", "2.0")
    calendar.add_component(event)
    return Response(calendar.to_ical(), media_type="text/calendar; charset=utf-8", headers={
        "content-disposition": f'attachment; filename="onboarding-{step_id}.ics"', "cache-control": "no-store"})


@get("/onboarding/files/{file_id:int}", name="onboarding:file", include_in_schema=False, guards=[requires_login])
async def step_file(request: Request[Any, Any, Any], file_id: FromPath[int]) -> Any:
    """A handed-in file, for the person it is about and whoever may do its step (HR among them)."""
    info = await service.step_file(_user(request).id, file_id)
    if info is None:
        raise NotFoundException()
    if not_modified(request, info):
        return not_modified_response(info)
    return upload_response(request.app.state.intranet, info, inline=False)


@post("/onboarding/files/{file_id:int}/remove", name="onboarding:file_remove", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def remove_file(request: Request[Any, Any, Any], file_id: FromPath[int]) -> Redirect:
    step_id = await service.remove_file(request.app.state.intranet, _user(request).id, file_id,
                                        ip=client_ip(request))
    if step_id is None:
        raise NotFoundException()
    step = await FlowStep.select(FlowStep.flow).where(FlowStep.id == step_id).first().run()
    assert step is not None
    return Redirect(_back(request, int(step["flow"]), step_id), status_code=HTTP_303_SEE_OTHER)


async def _questionnaire_step(request: Request[Any, Any, Any], step_id: FromPath[int]) -> tuple[dict[str, Any], Any]:
    import intranet_surveys.service as surveys

    user = _user(request)
    step = await FlowStep.select(FlowStep.id, FlowStep.flow, FlowStep.title, FlowStep.questionnaire,
                                 FlowStep.done_at).where(
        (FlowStep.id == step_id) & (FlowStep.kind == "questionnaire") & (FlowStep.assignee == "new_hire")
        & (FlowStep.flow.person == user.id)
    ).first().run()
    if step is None or step["questionnaire"] is None:
        raise NotFoundException()
    version = await surveys.current_version(int(step["questionnaire"]))
    if version is None:
        raise NotFoundException()
    return step, version


async def _render_questionnaire(request: Request[Any, Any, Any], step: dict[str, Any], state: Any,
                                status_code: int = 200) -> Template:
    import intranet_surveys.service as surveys

    fields = surveys.render_form(request.app.state.intranet, state, submit_label=_("Send my answers"))
    context = await page_context(request, title=step["title"], step=step, fields=fields)
    return Template("onboarding/questionnaire.html", context=context, status_code=status_code)


@get("/onboarding/steps/{step_id:int}/answer", name="onboarding:answer", include_in_schema=False,
     guards=[requires_login])
async def answer_page(request: Request[Any, Any, Any], step_id: FromPath[int]) -> Template | Redirect:
    import intranet_surveys.service as surveys

    step, version = await _questionnaire_step(request, step_id)
    if step["done_at"] is not None:
        return Redirect(_back(request, int(step["flow"]), step_id), status_code=HTTP_303_SEE_OTHER)
    return await _render_questionnaire(request, step, surveys.start(request.app.state.intranet, version))


@post("/onboarding/steps/{step_id:int}/answer", name="onboarding:answer_submit", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def answer_submit(request: Request[Any, Any, Any], step_id: FromPath[int]) -> Template | Redirect:
    import intranet_surveys.service as surveys

    intranet = request.app.state.intranet
    user = _user(request)
    step, version = await _questionnaire_step(request, step_id)
    if step["done_at"] is not None:
        return Redirect(_back(request, int(step["flow"]), step_id), status_code=HTTP_303_SEE_OTHER)
    state = surveys.advance(intranet, version, await request.form())
    if state.submission is None:
        return await _render_questionnaire(request, step, state,
                                           status_code=HTTP_400_BAD_REQUEST if state.errors else 200)
    async with intranet.db.transaction(write=True):
        # The answer and the ticked step commit together (store_answers joins this transaction).
        await surveys.store_answers(intranet, state.submission, person_id=user.id,
                                    context=f"onboarding.step:{step_id}")
        await service.mark_step(intranet, user.id, step_id, done=True)
    return Redirect(_back(request, int(step["flow"]), step_id), status_code=HTTP_303_SEE_OTHER)


@post("/onboarding/flows/{flow_id:int}/buddy", name="onboarding:buddy", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def buddy(request: Request[Any, Any, Any], flow_id: FromPath[int]) -> Redirect:
    form = await request.form()
    email = str(form.get("email", "")).strip()[:254]
    buddy_id = await person_id_by_email(email) if email else None
    if email and buddy_id is None:
        buddy_id = -1  # no such person: refused below like any person who may not be a buddy
    ok = await service.set_buddy(request.app.state.intranet, _user(request).id, flow_id, buddy_id,
                                 ip=client_ip(request))
    if not ok and await service.flow_of(_user(request).id, flow_id) is None:
        raise NotFoundException()
    return Redirect(f"/onboarding/flows/{flow_id}" + ("" if ok else "?buddy=unknown"), status_code=HTTP_303_SEE_OTHER)


@post("/onboarding/flows/{flow_id:int}/cancel", name="onboarding:cancel", include_in_schema=False,
      guards=[requires_login], status_code=HTTP_303_SEE_OTHER)
async def cancel(request: Request[Any, Any, Any], flow_id: FromPath[int]) -> Redirect:
    """HR ends a running flow (the new hire does not come after all): no more reminders for it."""
    user = _user(request)
    flow = await service.flow_of(user.id, flow_id)
    if flow is None:
        raise NotFoundException()
    if not await service.cancel_flow(request.app.state.intranet, user.id, flow_id, ip=client_ip(request)):
        raise PermissionDeniedException()
    return Redirect(f"/onboarding/flows/{flow_id}", status_code=HTTP_303_SEE_OTHER)


# --- HR ---------------------------------------------------------------------------------


class FilterQuery(msgspec.Struct, frozen=True, kw_only=True):
    unit: int | None = None
    start_from: datetime.date | None = None
    start_to: datetime.date | None = None
    status: str = "running"
    after: str | None = None


def _filters(request: Request[Any, Any, Any]) -> tuple[service.FlowFilter, tuple[datetime.date, int] | None, bool]:
    raw = {k: v for k, v in request.query_params.items() if v != "" and k in FilterQuery.__struct_fields__}
    try:
        query = msgspec.convert(raw, FilterQuery, strict=False)
    except msgspec.ValidationError:
        return service.FlowFilter(), None, True
    after = None
    if query.after:
        day, _sep, ident = query.after.partition("_")
        try:
            after = (datetime.date.fromisoformat(day), int(ident))
        except ValueError:
            return service.FlowFilter(), None, True
    return service.FlowFilter(unit=query.unit, start_from=query.start_from, start_to=query.start_to,
                              status=query.status), after, False


async def _hr_guard(request: Request[Any, Any, Any]) -> None:
    if await service.hr_scope(_user(request).id) is None:
        raise PermissionDeniedException()


@get("/onboarding/hr", name="onboarding:hr", include_in_schema=False, guards=[requires_login])
async def hr_page(request: Request[Any, Any, Any]) -> Template:
    await _hr_guard(request)
    user = _user(request)
    intranet = request.app.state.intranet
    filters, after, bad = _filters(request)
    flows = await service.hr_flows(user.id, filters, today=service.local_today(intranet), after=after,
                                   limit=PAGE + 1)
    more = len(flows) > PAGE
    flows = flows[:PAGE]
    for flow in flows:
        flow["late_labels"] = [assignee_label(a) for a in flow["late"]]
    units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).limit(2000).run()
    next_key = f"{flows[-1]['anchor_date'].isoformat()}_{flows[-1]['id']}" if more and flows else None
    query = {k: v for k, v in request.query_params.items() if k != "after" and v}
    context = await page_context(
        request, title=_("Onboarding: all flows"), flows=flows, units=units, filters=filters, bad_filter=bad,
        next_key=next_key, query=query, times=await service.completion_times(user.id),
        templates=await service.list_templates(),
    )
    return Template("onboarding/hr.html", context=context, status_code=HTTP_400_BAD_REQUEST if bad else 200)


@get("/onboarding/hr.csv", name="onboarding:hr_csv", include_in_schema=False, guards=[requires_login])
async def hr_csv(request: Request[Any, Any, Any]) -> Response[bytes]:
    await _hr_guard(request)
    user = _user(request)
    intranet = request.app.state.intranet
    filters, _after, _bad = _filters(request)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("Person"), _("Kind"), _("Template"), _("Start date"), _("Done"), _("Steps"), _("Percent"),
                     _("Overdue steps"), _("Next step"), _("Late")])
    after = None
    while True:
        flows = await service.hr_flows(user.id, filters, today=service.local_today(intranet), after=after,
                                       limit=500)
        for flow in flows:
            writer.writerow([flow["person_name"], flow["kind"], flow["template_name"], flow["anchor_date"].isoformat(),
                             flow["done"], flow["total"], flow["percent"], flow["overdue"],
                             flow["next"]["title"] if flow["next"] else "",
                             " ".join(assignee_label(a) for a in flow["late"])])
        if len(flows) < 500:
            break
        after = (flows[-1]["anchor_date"], int(flows[-1]["id"]))
    async with intranet.db.transaction(write=True):
        await record("onboarding.export", actor_id=user.id, target_type="onboarding", target_id="flows",
                     ip=client_ip(request))
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="onboarding.csv"'})


class StartForm(msgspec.Struct, frozen=True, kw_only=True):
    email: str
    template: int
    anchor: datetime.date


@get("/onboarding/start", name="onboarding:start", include_in_schema=False, guards=[requires_login])
async def start_page(request: Request[Any, Any, Any]) -> Template:
    await _hr_guard(request)
    return await _start_form(request)


async def _start_form(request: Request[Any, Any, Any], values: dict[str, Any] | None = None,
                      error: str | None = None) -> Template:
    templates = await FlowTemplate.select(FlowTemplate.id, FlowTemplate.name, FlowTemplate.kind).where(
        FlowTemplate.active == True  # noqa: E712
    ).order_by(FlowTemplate.name).run()
    context = await page_context(request, title=_("Start a flow"), templates=templates, values=values or {},
                                 error=error)
    return Template("onboarding/start.html", context=context,
                    status_code=HTTP_400_BAD_REQUEST if error else 200)


@post("/onboarding/start", name="onboarding:start_submit", include_in_schema=False, guards=[requires_login],
      status_code=HTTP_303_SEE_OTHER)
async def start_submit(request: Request[Any, Any, Any]) -> Template | Redirect:
    await _hr_guard(request)
    user = _user(request)
    form = await request.form()
    values = {k: str(form.get(k, "")).strip()[:254] for k in ("email", "template", "anchor")}
    try:
        data = msgspec.convert(values, StartForm, strict=False)
    except msgspec.ValidationError:
        return await _start_form(request, values, _("Fill in a person's e-mail, a template and a date."))
    found = await person_id_by_email(data.email)
    person = await get_person(found) if found is not None else None
    if person is None or not person.active:
        return await _start_form(request, values, _("No active person has that e-mail address."))
    if person.id != user.id and not await _may_follow(user.id, person.id):
        return await _start_form(request, values, _("No active person has that e-mail address."))
    try:
        flow_id = await service.start_flow(request.app.state.intranet, person, template_id=data.template,
                                           anchor=data.anchor, started_by=user.id, ip=client_ip(request))
    except LookupError:
        return await _start_form(request, values, _("Fill in a person's e-mail, a template and a date."))
    if flow_id is None:
        return await _start_form(request, values, _("A flow of this kind is already running for this person."))
    return Redirect(f"/onboarding/flows/{flow_id}", status_code=HTTP_303_SEE_OTHER)


async def _may_follow(hr_id: int, person_id: int) -> bool:
    """Whether HR's scope covers the person's primary unit (everywhere, or a unit above it)."""
    from intranet_core.permissions.service import may

    unit = await service.primary_unit(person_id)
    return await may(hr_id, service.ADMIN, None if unit is None else int(unit["unit"]))
