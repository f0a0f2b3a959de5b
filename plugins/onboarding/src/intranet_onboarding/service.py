"""Templates, flows and steps: everything the pages, the events and the reminders share.

Who may see a flow is decided in the query (:func:`visible`): the person
it is about, their manager and buddy as recorded on the flow, whoever meets
them in a step, and HR (``onboarding.admin``) for the units where they hold
it. Who may do a step (:func:`doer`) depends on its ``assignee``.
"""

from __future__ import annotations

import datetime
import json
import zoneinfo
from collections.abc import Collection, Sequence
from typing import Any

import msgspec
from piccolo.columns.combination import And, Or, WhereRaw

from intranet_core.audit.service import record
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.service import branch_where, may, units_where
from intranet_core.permissions.tables import RoleAssignment, RolePermission
from intranet_core.uploads.service import UPLOAD_COLUMNS, PreparedUpload, UploadInfo, save_upload, upload_info
from intranet_onboarding.models import StepSpec, TemplateSpec
from intranet_onboarding.tables import Flow, FlowStep, FlowTemplate, StepFile, TemplateVersion

ADMIN = "onboarding.admin"
IT = "onboarding.it"
AUTO_START_GRACE_DAYS = 14
"""A flow starts by itself for a start date at most this many days ago (not for old records being imported)."""


class OnboardingError(ValueError):
    pass


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def settings_of(app: Any) -> Any:
    return app.plugin_settings("onboarding")


def local_today(app: Any) -> datetime.date:
    """Today in the site's time zone: due dates are calendar days there, whatever the server's clock zone."""
    return datetime.datetime.now(zoneinfo.ZoneInfo(settings_of(app).timezone)).date()


def due_date(anchor: datetime.date, offset_days: int) -> datetime.date:
    """A calendar date: the same whatever time zone or daylight-saving change lies in between."""
    return anchor + datetime.timedelta(days=offset_days)


# --- templates ------------------------------------------------------------------------


async def create_template(app: Any, spec: TemplateSpec, *, actor_id: int | None) -> int:
    async with app.db.transaction(write=True):
        rows = await FlowTemplate.insert(FlowTemplate(
            name=spec.name, kind=spec.kind, units=json.dumps(spec.units), job_titles=json.dumps(spec.job_titles),
            active=True, created_at=now(), updated_at=now(),
        )).returning(FlowTemplate.id).run()
        template_id = int(rows[0]["id"])
        version = await TemplateVersion.insert(TemplateVersion(
            template=template_id, number=1, steps=msgspec.json.encode(spec.steps).decode(), created_by=actor_id,
            created_at=now(),
        )).returning(TemplateVersion.id).run()
        await FlowTemplate.update({FlowTemplate.current_version: int(version[0]["id"])}).where(
            FlowTemplate.id == template_id).run()
        await record("onboarding.template_create", actor_id=actor_id, target_type="onboarding_template",
                     target_id=template_id, details={"name": spec.name})
    return template_id


async def save_template(app: Any, template_id: int, spec: TemplateSpec, *, actor_id: int | None) -> int:
    """Change a template; returns the id of its current version.

    While no flow uses the current version it is changed in place; once a
    flow does, a new version is made and becomes current, and running flows
    keep theirs (they hold copies of their steps anyway).
    """
    async with app.db.transaction(write=True):
        row = await app.db.for_update(FlowTemplate.select(FlowTemplate.current_version).where(
            FlowTemplate.id == template_id)).first().run()
        if row is None:
            raise LookupError(template_id)
        current = await TemplateVersion.select(TemplateVersion.id, TemplateVersion.number).where(
            TemplateVersion.id == row["current_version"]).first().run()
        steps = msgspec.json.encode(spec.steps).decode()
        in_use = current is not None and await Flow.exists().where(Flow.version == current["id"]).run()
        if current is not None and not in_use:
            version_id = int(current["id"])
            await TemplateVersion.update({TemplateVersion.steps: steps}).where(TemplateVersion.id == version_id).run()
        else:
            number = (int(current["number"]) if current else 0) + 1
            rows = await TemplateVersion.insert(TemplateVersion(
                template=template_id, number=number, steps=steps, created_by=actor_id, created_at=now(),
            )).returning(TemplateVersion.id).run()
            version_id = int(rows[0]["id"])
        await FlowTemplate.update({
            FlowTemplate.name: spec.name, FlowTemplate.kind: spec.kind, FlowTemplate.units: json.dumps(spec.units),
            FlowTemplate.job_titles: json.dumps(spec.job_titles), FlowTemplate.current_version: version_id,
            FlowTemplate.updated_at: now(),
        }).where(FlowTemplate.id == template_id).run()
        await record("onboarding.template_update", actor_id=actor_id, target_type="onboarding_template",
                     target_id=template_id, details={"version": version_id})
    return version_id


async def version_steps(version_id: int) -> list[StepSpec]:
    row = await TemplateVersion.select(TemplateVersion.steps).where(TemplateVersion.id == version_id).first().run()
    return [] if row is None else msgspec.json.decode(row["steps"], type=list[StepSpec])


async def list_templates() -> list[dict[str, Any]]:
    return await FlowTemplate.select(
        FlowTemplate.id, FlowTemplate.name, FlowTemplate.kind, FlowTemplate.active, FlowTemplate.current_version,
    ).order_by(FlowTemplate.name).order_by(FlowTemplate.id).run()


async def primary_unit(person_id: int) -> dict[str, Any] | None:
    return await Membership.select(Membership.unit, Membership.unit.path.as_alias("path")).where(
        Membership.person == person_id
    ).order_by(Membership.is_primary, ascending=False).order_by(Membership.id).first().run()


def _ids_in_path(path: str) -> set[int]:
    return {int(part) for part in path.strip("/").split("/") if part}


async def matching_template(person: PersonInfo, kind: str) -> int | None:
    """The active template of ``kind`` that applies to the person: by unit (or a unit above) and job title.

    A template naming units or titles wins over one for everyone; among
    equals, the newest.
    """
    unit = await primary_unit(person.id)
    branch = _ids_in_path(unit["path"]) if unit else set()
    title = person.title.strip().casefold()
    best: tuple[int, int] | None = None
    for row in await FlowTemplate.select(FlowTemplate.id, FlowTemplate.units, FlowTemplate.job_titles).where(
        (FlowTemplate.kind == kind) & (FlowTemplate.active == True)  # noqa: E712 - SQL
    ).run():
        units, titles = json.loads(row["units"]), [t.casefold() for t in json.loads(row["job_titles"])]
        if units and not branch & set(units):
            continue
        if titles and title not in titles:
            continue
        score = (bool(units) + bool(titles), int(row["id"]))
        if best is None or score > best:
            best = score
    return None if best is None else best[1]


# --- flows ----------------------------------------------------------------------------


def _nearest_manager(person_id: int, path: str, managers: Sequence[dict[str, Any]]) -> int | None:
    """Of ``managers`` (memberships with ``person`` and ``unit``, oldest first), the one nearest up ``path``."""
    for unit_id in reversed([int(part) for part in path.strip("/").split("/") if part]):
        for row in managers:
            if row["unit"] == unit_id and row["person"] != person_id:
                return int(row["person"])
    return None


async def _managers_in(unit_ids: Collection[int]) -> list[dict[str, Any]]:
    """The active managers' memberships of these units, oldest first."""
    found: list[dict[str, Any]] = []
    wanted = sorted(unit_ids)
    for start in range(0, len(wanted), 500):
        found += await Membership.select(Membership.id, Membership.person, Membership.unit).where(
            Membership.unit.is_in(wanted[start:start + 500]) & (Membership.is_manager == True)  # noqa: E712
            & (Membership.person.active == True)  # noqa: E712
        ).run()
    return sorted(found, key=lambda row: int(row["id"]))


async def manager_of(person_id: int) -> int | None:
    """The person's manager: a manager of their primary unit, else of the nearest unit above that has one.

    Never the person themself (a head of department's manager is the one above).
    """
    unit = await primary_unit(person_id)
    if unit is None:
        return None
    return _nearest_manager(person_id, unit["path"], await _managers_in(_ids_in_path(unit["path"])))


async def follow_memberships(app: Any, person_id: int, unit_ids: Sequence[int]) -> int:
    """Running flows keep up with the organisation when a person's memberships change.

    A flow's unit is its person's primary unit and its manager that unit's
    manager (:func:`manager_of`), as they are now: the person moved, or
    someone became (or stopped being) a manager of one of ``unit_ids`` or a
    unit above a flow's. A fixed number of queries for any number of flows.
    Returns how many flows changed.
    """
    affected: Any = Flow.person == person_id
    if unit_ids:
        affected = Or(affected, await _branch_condition(Flow.unit, unit_ids))
    changed = 0
    # One write transaction: what is read (memberships) is what is written, even with changes racing.
    async with app.db.transaction(write=True):
        flows = await Flow.select(Flow.id, Flow.person, Flow.unit, Flow.manager).where(
            (Flow.status == "running") & affected).run()
        people = sorted({int(f["person"]) for f in flows})
        primary: dict[int, dict[str, Any]] = {}
        for start in range(0, len(people), 500):
            for row in await Membership.select(
                Membership.person, Membership.unit, Membership.unit.path.as_alias("path")
            ).where(Membership.person.is_in(people[start:start + 500])).order_by(
                Membership.is_primary, ascending=False
            ).order_by(Membership.id).run():
                primary.setdefault(int(row["person"]), row)  # as primary_unit(): the primary, else the oldest
        managers = await _managers_in({u for row in primary.values() for u in _ids_in_path(row["path"])})
        for flow in flows:
            unit = primary.get(int(flow["person"]))
            now_unit = None if unit is None else int(unit["unit"])
            now_manager = None if unit is None else _nearest_manager(int(flow["person"]), unit["path"], managers)
            if (now_unit, now_manager) != (flow["unit"], flow["manager"]):
                await Flow.update({Flow.unit: now_unit, Flow.manager: now_manager}).where(Flow.id == flow["id"]).run()
                changed += 1
    return changed


async def start_flow(
    app: Any, person: PersonInfo, *, template_id: int, anchor: datetime.date, started_by: int | None,
    buddy_id: int | None = None, ip: str = "",
) -> int | None:
    """Start a flow from the template's current version; ``None`` if one of that kind is running for the person.

    One write transaction: the check, the person's unit and manager as they
    are now (serialised with :func:`follow_memberships`), and the flow with
    all its steps.
    """
    async with app.db.transaction(write=True):
        manager = await manager_of(person.id)
        unit = await primary_unit(person.id)
        template = await app.db.for_update(FlowTemplate.select(
            FlowTemplate.kind, FlowTemplate.current_version).where(FlowTemplate.id == template_id)).first().run()
        if template is None:
            raise LookupError(template_id)
        running = await Flow.exists().where(
            (Flow.person == person.id) & (Flow.kind == template["kind"]) & (Flow.status == "running")).run()
        if running:
            return None
        version_id = int(template["current_version"])
        steps = await version_steps(version_id)
        rows = await Flow.insert(Flow(
            person=person.id, template=template_id, version=version_id, kind=template["kind"], anchor_date=anchor,
            manager=manager, buddy=buddy_id, unit=None if unit is None else int(unit["unit"]), status="running",
            started_by=started_by, created_at=now(),
        )).returning(Flow.id).run()
        flow_id = int(rows[0]["id"])
        if steps:
            await FlowStep.insert(*[
                FlowStep(flow=flow_id, position=i, title=s.title, body=s.text, kind=s.kind, assignee=s.assignee,
                         link=s.link, questionnaire=s.questionnaire, meet_with=s.meet_with,
                         due_date=due_date(anchor, s.offset_days), done_at=None, done_by=None, document="",
                         reminded="")
                for i, s in enumerate(steps)
            ]).run()
        if started_by is not None:
            await record("onboarding.flow_start", actor_id=started_by, target_type="person", target_id=person.id,
                         details={"flow": flow_id, "template": template_id, "anchor": anchor.isoformat()}, ip=ip)
    return flow_id


async def start_from_person_event(app: Any, person: PersonInfo, changed: Sequence[str] | None) -> list[int]:
    """Start what a person's start date (onboarding) or leaving date (offboarding) calls for.

    ``changed``: the fields that changed (``None`` for a new person).
    """
    if not person.active:
        return []
    today = local_today(app)
    started = []
    for kind, date, field in (("onboarding", person.start_date, "start_date"),
                              ("offboarding", person.leaving_date, "leaving_date")):
        if date is None or (changed is not None and field not in changed):
            continue
        if date < today - datetime.timedelta(days=AUTO_START_GRACE_DAYS):
            continue
        template_id = await matching_template(person, kind)
        if template_id is None:
            continue
        flow_id = await start_flow(app, person, template_id=template_id, anchor=date, started_by=None)
        if flow_id is not None:
            started.append(flow_id)
        elif changed is not None:
            await reschedule(app, person.id, kind, date)
    return started


async def reschedule(app: Any, person_id: int, kind: str, anchor: datetime.date) -> None:
    """A running flow follows a moved start (or leaving) date: its open steps move with it."""
    async with app.db.transaction(write=True):
        flow = await app.db.for_update(Flow.select(Flow.id, Flow.anchor_date).where(
            (Flow.person == person_id) & (Flow.kind == kind) & (Flow.status == "running"))).first().run()
        if flow is None or flow["anchor_date"] == anchor:
            return
        shift = anchor - flow["anchor_date"]
        steps = await FlowStep.select(FlowStep.id, FlowStep.due_date).where(
            (FlowStep.flow == flow["id"]) & FlowStep.done_at.is_null()).run()
        for step in steps:
            await FlowStep.update({FlowStep.due_date: step["due_date"] + shift, FlowStep.reminded: ""}).where(
                FlowStep.id == step["id"]).run()
        await Flow.update({Flow.anchor_date: anchor}).where(Flow.id == flow["id"]).run()


# --- who sees what --------------------------------------------------------------------


async def _branch_condition(column: Any, unit_ids: Sequence[int]) -> Any:
    """``column`` is one of the units, or a unit below one of them (by the units' paths)."""
    if not unit_ids:
        return WhereRaw("1 = 0")
    return column.is_in(Unit.select(Unit.id).where(branch_where(unit_ids)))


async def hr_scope(person_id: int) -> Any:
    """A condition on ``Flow`` for the flows the person follows as HR; ``None``: none at all."""
    units = await units_where(person_id, ADMIN)
    if units is None:
        return WhereRaw("1 = 1")
    if not units:
        return None
    return await _branch_condition(Flow.unit, units)


async def visible(person_id: int, flow: Any = Flow) -> Any:
    """The condition on a flow (``Flow`` or ``FlowStep.flow``) for those the person may see."""
    own: Any = Or(Or(flow.person == person_id, flow.manager == person_id), flow.buddy == person_id)
    scope = await hr_scope(person_id)
    if scope is not None:
        if flow is not Flow:
            own = Or(own, flow.id.is_in(Flow.select(Flow.id).where(scope)))
        else:
            own = Or(own, scope)
    return own


async def assigned(person_id: int) -> Any:
    """The condition on ``FlowStep`` for steps that are the person's to do."""
    condition: Any = Or(
        Or(And(FlowStep.assignee == "new_hire", FlowStep.flow.person == person_id),
           And(FlowStep.assignee == "manager", FlowStep.flow.manager == person_id)),
        And(FlowStep.assignee == "buddy", FlowStep.flow.buddy == person_id),
    )
    if await may(person_id, IT):
        condition = Or(condition, FlowStep.assignee == "it")
    scope = await hr_scope(person_id)
    if scope is not None:
        condition = Or(condition, And(FlowStep.assignee == "hr",
                                      FlowStep.flow.id.is_in(Flow.select(Flow.id).where(scope))))
    return condition


async def doer(person_id: int) -> Any:
    """The condition on ``FlowStep`` for steps the person may tick.

    Their own, and as HR any step of the flows they follow.
    """
    condition = await assigned(person_id)
    scope = await hr_scope(person_id)
    if scope is not None:
        # HR may tick any step of the flows they follow (a new hire without a phone, a manager away).
        condition = Or(condition, FlowStep.flow.id.is_in(Flow.select(Flow.id).where(scope)))
    return condition


STEP_COLUMNS = (
    FlowStep.id, FlowStep.flow, FlowStep.position, FlowStep.title, FlowStep.body, FlowStep.kind, FlowStep.assignee,
    FlowStep.link, FlowStep.questionnaire, FlowStep.due_date, FlowStep.done_at, FlowStep.document,
    FlowStep.meet_with.name.as_alias("meet_with_name"), FlowStep.done_by.name.as_alias("done_by_name"),
)


async def flow_of(person_id: int, flow_id: int) -> dict[str, Any] | None:
    """The flow if the person may see it (else ``None``: a 404)."""
    return await Flow.select(
        Flow.id, Flow.person, Flow.person.name.as_alias("person_name"), Flow.kind, Flow.anchor_date, Flow.status,
        Flow.manager, Flow.manager.name.as_alias("manager_name"), Flow.buddy, Flow.buddy.name.as_alias("buddy_name"),
        Flow.template.name.as_alias("template_name"), Flow.version.number.as_alias("version_number"), Flow.unit,
    ).where((Flow.id == flow_id) & await visible(person_id)).first().run()


async def steps_of(flow_id: int) -> list[dict[str, Any]]:
    return await FlowStep.select(*STEP_COLUMNS).where(FlowStep.flow == flow_id).order_by(
        FlowStep.position).order_by(FlowStep.id).run()


async def step_ids_done_by(person_id: int, flow_id: int) -> set[int]:
    """Of a flow's steps, those ``person_id`` may tick."""
    rows = await FlowStep.select(FlowStep.id).where((FlowStep.flow == flow_id) & await doer(person_id)).run()
    return {int(r["id"]) for r in rows}


async def own_flows(person_id: int) -> list[dict[str, Any]]:
    return await Flow.select(Flow.id, Flow.kind, Flow.anchor_date, Flow.status).where(
        (Flow.person == person_id) & (Flow.status == "running")
    ).order_by(Flow.anchor_date).order_by(Flow.id).run()


async def my_open_steps(person_id: int, limit: int = 50) -> list[dict[str, Any]]:
    """Steps the person does that are not done, in running flows, soonest due first."""
    return await FlowStep.select(
        FlowStep.id, FlowStep.flow, FlowStep.title, FlowStep.kind, FlowStep.due_date, FlowStep.assignee,
        FlowStep.flow.person.name.as_alias("person_name"),  # type: ignore[union-attr]
        FlowStep.flow.person.as_alias("person_id"),
    ).where(
        FlowStep.done_at.is_null() & (FlowStep.flow.status == "running") & await assigned(person_id)
    ).order_by(FlowStep.due_date).order_by(FlowStep.id).limit(limit).run()


async def mark_step(app: Any, person_id: int, step_id: int, *, done: bool, document: str = "",
                    files: Sequence[PreparedUpload] = (), ip: str = "") -> bool:
    """Tick a step off (or undo it). ``False`` when the person may not: the step is as if not there.

    One write transaction: the check, the step, the files handed in
    (prepared on disk beforehand, see :func:`intranet_core.uploads.service.prepare_upload`),
    the flow's status, and an audit entry when someone other than the
    step's own doer (HR) ticks it.
    """
    async with app.db.transaction(write=True):
        row = await FlowStep.select(
            FlowStep.id, FlowStep.flow, FlowStep.assignee, FlowStep.done_at, FlowStep.flow.person.as_alias("person"),
            FlowStep.flow.manager.as_alias("manager"), FlowStep.flow.buddy.as_alias("buddy"),
        ).where((FlowStep.id == step_id) & (FlowStep.flow.status != "cancelled") & await doer(person_id)
                ).first().run()
        if row is None:
            return False
        # Locked on its own: PostgreSQL cannot lock the outer-joined rows of the check above.
        await app.db.for_update(FlowStep.select(FlowStep.id).where(FlowStep.id == step_id)).first().run()
        values: dict[Any, Any] = {}
        if not done or row["done_at"] is None:  # ticked twice (two open pages): the first tick's time stays
            values = {FlowStep.done_at: now() if done else None, FlowStep.done_by: person_id if done else None}
        if document:
            values[FlowStep.document] = document
        if values:
            await FlowStep.update(values).where(FlowStep.id == step_id).run()
        for prepared in files:
            upload = await save_upload(prepared, uploader_id=person_id)
            await StepFile.insert(StepFile(step=step_id, upload=upload.id, created_at=now())).run()
        flow_id = int(row["flow"])
        remaining = await FlowStep.exists().where((FlowStep.flow == flow_id) & FlowStep.done_at.is_null()).run()
        await Flow.update({Flow.status: "running" if remaining else "done"}).where(
            (Flow.id == flow_id) & (Flow.status != "cancelled")).run()
        own = {"new_hire": row["person"], "manager": row["manager"], "buddy": row["buddy"]}.get(row["assignee"])
        if own != person_id and row["assignee"] not in ("hr", "it"):
            await record("onboarding.step_done" if done else "onboarding.step_undone", actor_id=person_id,
                         target_type="onboarding_step", target_id=step_id, details={"flow": flow_id}, ip=ip)
    return True


async def _file_readers(person_id: int) -> Any:
    """The condition on ``FlowStep`` for steps whose files the person may open.

    The person the flow is about, and whoever may do the step (HR among
    them): a contract or a tax card is not for every colleague who sees
    the flow.
    """
    return Or(FlowStep.flow.person == person_id, await doer(person_id))


async def files_of(person_id: int, flow_id: int) -> dict[int, list[dict[str, Any]]]:
    """The files handed in for a flow's steps that the person may open, by step id."""
    readable = FlowStep.select(FlowStep.id).where((FlowStep.flow == flow_id) & await _file_readers(person_id))
    rows = await StepFile.select(
        StepFile.id, StepFile.step, StepFile.upload.filename.as_alias("filename"),
        StepFile.upload.size.as_alias("size"), StepFile.upload.content_type.as_alias("content_type"),
        StepFile.upload.uploaded_by.name.as_alias("uploaded_by_name"),  # type: ignore[union-attr]
    ).where(StepFile.step.is_in(readable)).order_by(StepFile.id).run()
    found: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        found.setdefault(int(row["step"]), []).append(row)
    return found


async def meeting_of(person_id: int, step_id: int) -> dict[str, Any] | None:
    """A meeting step of a flow the person may see, with whom it is about and whom to meet (else ``None``)."""
    return await FlowStep.select(
        FlowStep.id, FlowStep.title, FlowStep.body, FlowStep.due_date, FlowStep.flow,
        FlowStep.flow.person.name.as_alias("person_name"),  # type: ignore[union-attr]
        FlowStep.meet_with.name.as_alias("meet_with_name"), FlowStep.meet_with.email.as_alias("meet_with_email"),
    ).where((FlowStep.id == step_id) & (FlowStep.kind == "meeting") & await visible(person_id, FlowStep.flow)
            ).first().run()


async def step_file(person_id: int, file_id: int) -> UploadInfo | None:
    """A handed-in file, if the person may open it (else ``None``: a 404)."""
    readable = FlowStep.select(FlowStep.id).where(await _file_readers(person_id))
    row = await StepFile.select(*[getattr(StepFile.upload, c._meta.name).as_alias(c._meta.name)
                                  for c in UPLOAD_COLUMNS]).where(
        (StepFile.id == file_id) & StepFile.step.is_in(readable)).first().run()
    return None if row is None else upload_info(row)


async def remove_file(app: Any, person_id: int, file_id: int, *, ip: str = "") -> int | None:
    """Take back a file of a step not yet done; returns the step's id, ``None`` when not theirs to remove.

    Whoever may do the step may (the new hire who chose the wrong file; HR).
    The bytes leave the disk when no row refers to them any more.
    """
    from intranet_core.uploads.service import delete_upload, remove_files_if_unused

    async with app.db.transaction(write=True):
        row = await StepFile.select(StepFile.step, StepFile.upload, StepFile.upload.sha256.as_alias("sha256")).where(
            (StepFile.id == file_id) & StepFile.step.is_in(
                FlowStep.select(FlowStep.id).where(FlowStep.done_at.is_null() & await doer(person_id)))
        ).first().run()
        if row is None:
            return None
        await delete_upload(app, int(row["upload"]))  # its StepFile row goes with it; the bytes after commit
        await record("onboarding.file_removed", actor_id=person_id, target_type="onboarding_step",
                     target_id=int(row["step"]), details={"file": file_id}, ip=ip)
    await remove_files_if_unused(app, [row["sha256"]])
    return int(row["step"])


async def cancel_flow(app: Any, actor_id: int | None, flow_id: int, *, ip: str = "") -> bool:
    """End a running flow without finishing it (a new hire who does not come after all).

    HR who follow the flow may (``actor_id=None``: the site itself, when the
    person is deactivated). Its steps stay as they were, for the record; no
    reminder goes out for it any more. ``False``: not running, or not theirs.
    """
    async with app.db.transaction(write=True):
        who: Any = Flow.status == "running"
        if actor_id is not None:
            scope = await hr_scope(actor_id)
            if scope is None:
                return False
            who = And(who, scope)
        row = await app.db.for_update(Flow.select(Flow.id, Flow.person).where((Flow.id == flow_id) & who)
                                      ).first().run()
        if row is None:
            return False
        await Flow.update({Flow.status: "cancelled"}).where(Flow.id == flow_id).run()
        await record("onboarding.flow_cancel", actor_id=actor_id, target_type="person", target_id=int(row["person"]),
                     details={"flow": flow_id}, ip=ip)
    return True


async def cancel_onboarding_of(app: Any, person_id: int) -> int:
    """A deactivated person's running onboarding flows end (offboarding goes on: it has steps after the last day)."""
    rows = await Flow.select(Flow.id).where(
        (Flow.person == person_id) & (Flow.kind == "onboarding") & (Flow.status == "running")).run()
    return sum([await cancel_flow(app, None, int(row["id"])) for row in rows])


async def set_buddy(app: Any, actor_id: int, flow_id: int, buddy_id: int | None, *, ip: str = "") -> bool:
    """HR or the manager assign a buddy. ``False``: not theirs to change (or no such active person)."""
    async with app.db.transaction(write=True):
        scope = await hr_scope(actor_id)
        who: Any = Flow.manager == actor_id
        if scope is not None:
            who = Or(who, scope)
        row = await app.db.for_update(Flow.select(Flow.id, Flow.person).where((Flow.id == flow_id) & who)).first().run()
        if row is None:
            return False
        if buddy_id is not None and (buddy_id == row["person"] or not await Person.exists().where(
                (Person.id == buddy_id) & (Person.active == True)).run()):  # noqa: E712
            return False
        await Flow.update({Flow.buddy: buddy_id}).where(Flow.id == flow_id).run()
        await record("onboarding.buddy_set", actor_id=actor_id, target_type="onboarding_flow", target_id=flow_id,
                     details={"buddy": buddy_id}, ip=ip)
    return True


# --- HR's view ------------------------------------------------------------------------


class FlowFilter(msgspec.Struct, frozen=True, kw_only=True):
    unit: int | None = None
    start_from: datetime.date | None = None
    start_to: datetime.date | None = None
    status: str = "running"


async def hr_flows(person_id: int, filters: FlowFilter, *, today: datetime.date,
                   after: tuple[datetime.date, int] | None = None,
                   limit: int = 50) -> list[dict[str, Any]]:
    """The flows HR follows, by start date then id (keyset: ``after``), each with its progress.

    Two queries: the page of flows, then their steps.
    """
    scope = await hr_scope(person_id)
    if scope is None:
        return []
    condition: Any = scope
    if filters.status in ("running", "done", "cancelled"):
        condition = And(condition, Flow.status == filters.status)
    if filters.unit is not None:
        condition = And(condition, await _branch_condition(Flow.unit, [filters.unit]))
    if filters.start_from is not None:
        condition = And(condition, Flow.anchor_date >= filters.start_from)
    if filters.start_to is not None:
        condition = And(condition, Flow.anchor_date <= filters.start_to)
    if after is not None:
        condition = And(condition, Or(Flow.anchor_date > after[0],
                                      And(Flow.anchor_date == after[0], Flow.id > after[1])))
    flows = await Flow.select(
        Flow.id, Flow.person, Flow.person.name.as_alias("person_name"), Flow.kind, Flow.anchor_date, Flow.status,
        Flow.unit, Flow.template.name.as_alias("template_name"), Flow.manager.name.as_alias("manager_name"),
        Flow.buddy.name.as_alias("buddy_name"),
    ).where(condition).order_by(Flow.anchor_date).order_by(Flow.id).limit(limit).run()
    await add_progress(flows, today)
    return flows


async def add_progress(flows: list[dict[str, Any]], today: datetime.date) -> None:
    """Add ``total``, ``done``, ``percent``, ``overdue`` (steps), ``late`` (who) and ``next`` (step) to each flow."""
    if not flows:
        return
    steps = await FlowStep.select(
        FlowStep.flow, FlowStep.title, FlowStep.assignee, FlowStep.due_date, FlowStep.done_at, FlowStep.position,
    ).where(FlowStep.flow.is_in([f["id"] for f in flows])).order_by(FlowStep.position).order_by(FlowStep.id).run()
    by_flow: dict[int, list[dict[str, Any]]] = {}
    for step in steps:
        by_flow.setdefault(int(step["flow"]), []).append(step)
    for flow in flows:
        mine = by_flow.get(int(flow["id"]), [])
        open_steps = [s for s in mine if s["done_at"] is None]
        overdue = [s for s in open_steps if s["due_date"] < today]
        flow["total"], flow["done"] = len(mine), len(mine) - len(open_steps)
        flow["percent"] = round(100 * flow["done"] / flow["total"]) if mine else 100
        flow["overdue"] = len(overdue)
        flow["late"] = sorted({s["assignee"] for s in overdue})
        flow["next"] = min(open_steps, key=lambda s: (s["due_date"], s["position"]), default=None)


async def completion_times(person_id: int, template_id: int | None = None) -> list[dict[str, Any]]:
    """Per step title: how many flows finished it, and on average how many days before (-) or after (+) its due date."""
    scope = await hr_scope(person_id)
    if scope is None:
        return []
    condition: Any = FlowStep.done_at.is_not_null() & FlowStep.flow.id.is_in(Flow.select(Flow.id).where(scope))
    if template_id is not None:
        condition = condition & (FlowStep.flow.template == template_id)
    rows = await FlowStep.select(FlowStep.title, FlowStep.due_date, FlowStep.done_at).where(condition).limit(
        20_000).run()
    summary: dict[str, list[int]] = {}
    for row in rows:
        summary.setdefault(row["title"], []).append((row["done_at"].date() - row["due_date"]).days)
    return [{"title": title, "count": len(days), "average": round(sum(days) / len(days), 1)}
            for title, days in sorted(summary.items())]


# --- reminders ------------------------------------------------------------------------


async def _hr_people(flow_unit: int | None) -> list[int]:
    """Active people holding ``onboarding.admin`` everywhere or for a unit above the flow's."""
    holders = RoleAssignment.role.is_in(RolePermission.select(RolePermission.role).where(
        RolePermission.permission.is_in([ADMIN, "*"])))
    where: Any = RoleAssignment.unit.is_null()
    if flow_unit is not None:
        unit = await Unit.select(Unit.path).where(Unit.id == flow_unit).first().run()
        if unit is not None:
            where = Or(where, RoleAssignment.unit.is_in(sorted(_ids_in_path(unit["path"]))))
    rows = await RoleAssignment.select(RoleAssignment.person).where(
        holders & where & (RoleAssignment.person.active == True)).run()  # noqa: E712
    return sorted({int(r["person"]) for r in rows})


async def _it_people() -> list[int]:
    rows = await RoleAssignment.select(RoleAssignment.person).where(
        RoleAssignment.role.is_in(RolePermission.select(RolePermission.role).where(
            RolePermission.permission == IT)) & (RoleAssignment.person.active == True)).run()  # noqa: E712
    return sorted({int(r["person"]) for r in rows})


async def send_reminders(app: Any, today: datetime.date) -> int:
    """Remind whoever does a step: ``remind_days_before`` days before it is due, and once it is overdue.

    Each step is claimed with a compare-and-set ``UPDATE`` of ``reminded``
    before its notice is sent, so two processes never both send it.
    Returns how many steps were reminded.
    """
    from intranet_core.i18n import format_date
    from intranet_core.i18n import gettext as _
    from intranet_core.notifications.service import notify

    days = settings_of(app).remind_days_before
    soon = today + datetime.timedelta(days=days)
    candidates = await FlowStep.select(
        FlowStep.id, FlowStep.title, FlowStep.assignee, FlowStep.due_date, FlowStep.reminded, FlowStep.flow,
        FlowStep.flow.person.as_alias("person"), FlowStep.flow.manager.as_alias("manager"),
        FlowStep.flow.buddy.as_alias("buddy"), FlowStep.flow.unit.as_alias("unit"),
        FlowStep.flow.person.name.as_alias("person_name"),  # type: ignore[union-attr]
    ).where(
        FlowStep.done_at.is_null() & (FlowStep.flow.status == "running") & (FlowStep.reminded != "overdue")
        & (FlowStep.due_date <= soon)
    ).order_by(FlowStep.due_date).order_by(FlowStep.id).limit(5000).run()
    sent = 0
    it_people: list[int] | None = None
    for step in candidates:
        overdue = step["due_date"] < today
        if not overdue and (days == 0 or step["reminded"] == "before"):
            continue
        new = "overdue" if overdue else "before"
        async with app.db.transaction(write=True):
            claimed = await FlowStep.update({FlowStep.reminded: new}).where(
                (FlowStep.id == step["id"]) & (FlowStep.reminded == step["reminded"])
            ).returning(FlowStep.id).run()
        if not claimed:
            continue
        assignee = step["assignee"]
        if assignee in ("new_hire", "manager", "buddy"):
            one = step[{"new_hire": "person"}.get(assignee, assignee)]
            recipients = [] if one is None else [int(one)]
        elif assignee == "it":
            it_people = await _it_people() if it_people is None else it_people
            recipients = it_people
        else:
            recipients = await _hr_people(step["unit"])
        if not recipients:
            continue
        url = f"/onboarding/flows/{step['flow']}#step-{step['id']}"
        values = {"title": step["title"], "name": step["person_name"], "date": step["due_date"]}

        def title(overdue: bool = overdue, values: dict[str, Any] = values) -> str:
            heading = _("Overdue onboarding step: %(title)s") if overdue else _("Onboarding step due soon: %(title)s")
            return heading % values

        def text(values: dict[str, Any] = values) -> str:
            return _("%(name)s's flow, due %(date)s") % {**values, "date": format_date(values["date"], "long")}

        await notify(app, recipients=recipients, kind="onboarding.overdue" if overdue else "onboarding.due",
                     title=title, url=url, text=text)
        sent += 1
    return sent


# --- personal data --------------------------------------------------------------------


async def export_person(person_id: int) -> dict[str, Any] | None:
    flows = await Flow.select(Flow.id, Flow.kind, Flow.anchor_date, Flow.status, Flow.created_at,
                              Flow.template.name.as_alias("template")).where(Flow.person == person_id).run()
    done = await FlowStep.select(FlowStep.title, FlowStep.done_at, FlowStep.flow).where(
        FlowStep.done_by == person_id).run()
    if not flows and not done:
        return None
    ids = [f["id"] for f in flows]
    steps = await FlowStep.select(FlowStep.id, FlowStep.flow, FlowStep.title, FlowStep.due_date, FlowStep.done_at,
                                  FlowStep.document).where(FlowStep.flow.is_in(ids)).run() if ids else []
    files = await StepFile.select(StepFile.step, StepFile.upload.filename.as_alias("filename"),
                                  StepFile.created_at).where(
        StepFile.step.is_in([s["id"] for s in steps])).order_by(StepFile.id).run() if steps else []
    for step in steps:
        step["files"] = [{"filename": f["filename"], "at": f["created_at"]} for f in files if f["step"] == step["id"]]
    for flow in flows:
        flow["steps"] = [{k: v for k, v in s.items() if k not in ("flow", "id")} for s in steps
                         if s["flow"] == flow["id"]]
    return {"flows": flows, "steps_ticked": [{"title": s["title"], "at": s["done_at"]} for s in done]}


async def erase_person(person_id: int) -> None:
    """Delete the person's own flows (their steps go with them); elsewhere keep the steps, not the person."""
    await Flow.delete().where(Flow.person == person_id).run()
    await Flow.update({Flow.manager: None}).where(Flow.manager == person_id).run()
    await Flow.update({Flow.buddy: None}).where(Flow.buddy == person_id).run()
    await Flow.update({Flow.started_by: None}).where(Flow.started_by == person_id).run()
    await FlowStep.update({FlowStep.done_by: None}).where(FlowStep.done_by == person_id).run()
    await FlowStep.update({FlowStep.meet_with: None}).where(FlowStep.meet_with == person_id).run()
    await TemplateVersion.update({TemplateVersion.created_by: None}).where(
        TemplateVersion.created_by == person_id).run()


async def preboarding_paths(app: Any, person_id: int) -> list[str] | None:
    """What a new hire may open before their start date: their flow and the intranet pages its steps link to.

    ``None`` when they have no running onboarding flow that starts later
    (the plugin has no say then); ``[]`` when pre-boarding is switched off.
    """
    today = local_today(app)
    flows = await Flow.select(Flow.id).where(
        (Flow.person == person_id) & (Flow.kind == "onboarding") & (Flow.status == "running")
        & (Flow.anchor_date > today)
    ).run()
    if not flows:
        return None
    if not settings_of(app).preboarding:
        return []
    links = await FlowStep.select(FlowStep.link).where(
        FlowStep.flow.is_in([f["id"] for f in flows]) & (FlowStep.kind == "read")).run()
    local = sorted({row["link"].split("?")[0].split("#")[0] for row in links
                    if row["link"].startswith("/") and not row["link"].startswith("//")} - {"", "/"})
    return ["/onboarding", *local]
