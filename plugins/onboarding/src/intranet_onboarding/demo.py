"""Demo data: two templates (district staff, head-office staff) and flows for three newcomers at different stages."""

from __future__ import annotations

import datetime
from typing import Any

from intranet_core.people.models import PERSON_INFO_COLUMNS, PersonInfo
from intranet_core.people.tables import Person, Unit
from intranet_onboarding import service
from intranet_onboarding.models import StepSpec, TemplateSpec
from intranet_onboarding.tables import FlowStep


async def _welcome_questionnaire(app: Any, actor_id: int | None) -> int | None:
    import intranet_surveys.service as surveys
    from intranet_surveys.questionnaire import Definition, Question, Section

    definition = Definition(title="Din første uge / Your first week", sections=[Section(key="s1", questions=[
        Question(key="welcome", type="scale", label="Jeg følte mig velkommen / I felt welcome", required=True),
        Question(key="laptop", type="yesno", label="Var din computer klar? / Was your laptop ready?", required=True),
        Question(key="missing", type="text", label="Hvad manglede du? / What did you miss?", required=False),
    ])])
    made = await surveys.create_questionnaire(app, definition=definition, created_by=actor_id, owner="onboarding")
    return made.id


def _steps(questionnaire: int | None, district: bool) -> list[StepSpec]:
    steps = [
        StepSpec(title="Velkomstmail og første dag / Welcome e-mail and first day", assignee="manager",
                 offset_days=-7, text="Send the new colleague where and when to meet on day one."),
        StepSpec(title="Computer, telefon og adgang / Laptop, phone and access", assignee="it", offset_days=-3),
        StepSpec(title="Læs personalehåndbogen / Read the staff handbook", kind="read", link="/",
                 offset_days=-2, text="The handbook covers holidays, sick leave and expenses."),
        StepSpec(title="Aflever skattekort og kontooplysninger / Hand in tax card and bank details",
                 kind="document", assignee="new_hire", offset_days=0),
        StepSpec(title="Mød din buddy / Meet your buddy", kind="meeting", assignee="buddy", offset_days=1),
        StepSpec(title="Velkomstskema / Welcome questionnaire", kind="questionnaire", questionnaire=questionnaire,
                 assignee="new_hire", offset_days=5),
        StepSpec(title="Opfølgningssamtale / Follow-up talk", kind="meeting", assignee="manager", offset_days=30),
        StepSpec(title="Prøvetid afsluttet / Probation ends", assignee="hr", offset_days=90),
    ]
    if district:
        steps.insert(4, StepSpec(title="Kør med en kollega / Ride along with a colleague", kind="meeting",
                                 assignee="new_hire", offset_days=2))
    return steps


async def load(app: Any) -> list[str] | None:
    units = await Unit.select(Unit.id, Unit.kind).where(Unit.kind.is_in(["district", "head office"])).run()
    if not units:
        return None
    admin = await Person.select(Person.id, Person.password_hash).where(
        Person.email == "admin@example.org").first().run()
    actor = None if admin is None else int(admin["id"])
    questionnaire = await _welcome_questionnaire(app, actor)
    districts = [int(u["id"]) for u in units if u["kind"] == "district"]
    head = [int(u["id"]) for u in units if u["kind"] == "head office"]
    ids = {}
    for name, unit_ids, district in (("Ny medarbejder i et distrikt / New district staff", districts, True),
                                     ("Ny medarbejder på hovedkontoret / New head-office staff", head, False)):
        ids[district] = await service.create_template(
            app, TemplateSpec(name=name, units=unit_ids, steps=_steps(questionnaire, district)), actor_id=actor)
    today = service.local_today(app)
    # Three newcomers: one starting soon, one who started two weeks ago (a step overdue), one a month in.
    rows = await Person.select(*[getattr(Person, c) for c in PERSON_INFO_COLUMNS]).where(
        Person.start_date >= today - datetime.timedelta(days=40)
    ).order_by(Person.start_date).limit(3).run()
    starts = [today + datetime.timedelta(days=7), today - datetime.timedelta(days=14),
              today - datetime.timedelta(days=35)]
    lines = []
    for row, start in zip(rows, starts, strict=False):
        person = PersonInfo.from_row(row)
        template = await service.matching_template(person, "onboarding")
        if template is None:
            continue
        flow = await service.start_flow(app, person, template_id=template, anchor=start, started_by=actor)
        if flow is None:
            continue
        await Person.update({Person.start_date: start}).where(Person.id == person.id).run()
        # Steps due more than three days ago are done, save one (so HR's view shows an overdue step).
        due = await FlowStep.select(FlowStep.id).where(
            (FlowStep.flow == flow) & (FlowStep.due_date < today - datetime.timedelta(days=3))
            & (FlowStep.kind != "questionnaire")
        ).order_by(FlowStep.position).run()
        done_ids = [int(r["id"]) for r in due[1:]]
        if done_ids:
            await FlowStep.update({FlowStep.done_at: service.now()}).where(FlowStep.id.is_in(done_ids)).run()
        if start > today and admin is not None:
            # The newcomer starting next week may sign in (with the demo password) to try pre-boarding on a phone.
            await Person.update({Person.password_hash: admin["password_hash"]}).where(Person.id == person.id).run()
            lines.append(f"onboarding: new hire {person.email} (starts {start.isoformat()}) signs in like the others")
        else:
            lines.append(f"onboarding: a flow for {person.email} (started {start.isoformat()})")
    return lines
