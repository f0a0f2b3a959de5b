"""Templates, versions, automatic start, who sees what, ticking steps, questionnaires, HR's view, reminders."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

from intranet_onboarding import service
from intranet_onboarding.models import StepSpec, TemplateSpec
from intranet_onboarding.tables import Flow, FlowStep, TemplateVersion
from litestar import Litestar
from onboarding_support import HTML, form_post, organisation, template

from intranet_core.audit.tables import AuditEntry
from intranet_core.notifications.tables import Notification
from intranet_core.people.service import get_person, update_person
from intranet_core.personal_data.service import erase_person, leftover_references
from intranet_core.tasks.service import registered_tasks, run_due
from intranet_core.testing import Mailbox


def today(org: object) -> datetime.date:
    return service.local_today(org.intranet)  # type: ignore[attr-defined]


async def test_a_flow_starts_when_a_person_with_a_start_date_is_created(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org, units=["north"])
        start = today(org) + datetime.timedelta(days=7)
        anna = await org.person("anna", unit="north", start=start)
        flows = await Flow.select().where(Flow.person == anna).run()
        assert len(flows) == 1 and flows[0]["anchor_date"] == start and flows[0]["status"] == "running"
        assert flows[0]["manager"] == org.people["boss"]
        steps = await FlowStep.select().where(FlowStep.flow == flows[0]["id"]).order_by(FlowStep.position).run()
        assert [s["due_date"] for s in steps] == [start + datetime.timedelta(days=d) for d in (-7, -1, 0, 2, 30)]
        # Someone in another district, or without a start date, gets none.
        await org.person("bo", unit="south", start=start)
        await org.person("carl", unit="north")
        assert await Flow.count().run() == 1
        # A start date set later starts one; updating again does not start a second.
        person = await update_person(org.intranet, org.people["carl"], fields={"start_date": start}, actor_id=None)
        assert await Flow.count().where(Flow.person == org.people["carl"]).run() == 1
        await update_person(org.intranet, org.people["carl"], fields={"start_date": start + datetime.timedelta(days=1)},
                            actor_id=None)
        assert await Flow.count().where(Flow.person == org.people["carl"]).run() == 1
        assert person.start_date == start
        moved = await Flow.select(Flow.id, Flow.anchor_date).where(Flow.person == org.people["carl"]).first().run()
        assert moved is not None and moved["anchor_date"] == start + datetime.timedelta(days=1)
        assert (await service.steps_of(moved["id"]))[0]["due_date"] == start - datetime.timedelta(days=6)
        # An old start date (a record imported years later) starts nothing.
        await org.person("dora", unit="north", start=datetime.date(2019, 1, 1))
        assert not await Flow.exists().where(Flow.person == org.people["dora"]).run()


async def test_a_leaving_date_starts_an_offboarding_flow(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org, kind="offboarding", name="Leaving")
        erik = await org.person("erik", unit="north")
        leaving = today(org) + datetime.timedelta(days=20)
        await update_person(org.intranet, erik, fields={"leaving_date": leaving}, actor_id=None)
        flow = await Flow.select(Flow.kind, Flow.anchor_date).where(Flow.person == erik).first().run()
        assert flow == {"kind": "offboarding", "anchor_date": leaving}


async def test_templates_by_job_title_and_the_more_specific_one_wins(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        everyone = await template(org, name="Everyone")
        nurses = await template(org, titles=["Nurse"], units=["north"], name="Nurses in the north")
        start = today(org) + datetime.timedelta(days=3)
        nurse = await org.person("nina", unit="north", start=start, title="nurse")
        clerk = await org.person("olga", unit="north", start=start, title="Clerk")
        chosen = {row["person"]: row["template"] for row in await Flow.select(Flow.person, Flow.template).run()}
        assert chosen[nurse] == nurses and chosen[clerk] == everyone


async def test_editing_a_template_in_use_makes_a_new_version(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        template_id = await template(org, units=["north"])
        first = (await TemplateVersion.select(TemplateVersion.id).where(
            TemplateVersion.template == template_id).first().run() or {})["id"]
        spec = TemplateSpec(name="District staff", units=[org.units["north"]],
                            steps=[StepSpec(title="Only step", offset_days=1)])
        # Not used yet: changed in place.
        assert await service.save_template(org.intranet, template_id, spec, actor_id=None) == first
        anna = await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=5))
        spec2 = TemplateSpec(name="District staff v2", units=[org.units["north"]],
                             steps=[StepSpec(title="New first step"), StepSpec(title="New second step")])
        second = await service.save_template(org.intranet, template_id, spec2, actor_id=None)
        assert second != first
        versions = await TemplateVersion.select(TemplateVersion.number).where(
            TemplateVersion.template == template_id).order_by(TemplateVersion.number).run()
        assert [v["number"] for v in versions] == [1, 2]
        running = await Flow.select(Flow.id, Flow.version).where(Flow.person == anna).first().run()
        assert running is not None and running["version"] == first
        titles = [s["title"] for s in await service.steps_of(running["id"])]
        assert titles == ["Only step"]
        bo = await org.person("bo", unit="north", start=today(org) + datetime.timedelta(days=5))
        new_flow = await Flow.select(Flow.id, Flow.version).where(Flow.person == bo).first().run()
        assert new_flow is not None and new_flow["version"] == second
        assert [s["title"] for s in await service.steps_of(new_flow["id"])] == ["New first step", "New second step"]


def test_due_dates_are_calendar_days_across_daylight_saving() -> None:
    # 2026-10-25 is the night Europe/Copenhagen leaves summer time: 30 days after is still the same clock day.
    assert service.due_date(datetime.date(2026, 10, 10), 30) == datetime.date(2026, 11, 9)
    assert service.due_date(datetime.date(2026, 3, 30), -7) == datetime.date(2026, 3, 23)


async def test_today_is_counted_in_the_sites_time_zone(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    zone = intranet.plugin_settings("onboarding").timezone
    assert zone == "Europe/Copenhagen"
    import zoneinfo

    assert service.local_today(intranet) == datetime.datetime.now(zoneinfo.ZoneInfo(zone)).date()


async def test_new_hire_sees_only_their_own_flow_and_managers_only_their_reports(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org)
        start = today(org) + datetime.timedelta(days=7)
        await org.person("anna", unit="north", start=start)
        await org.person("bo", unit="south", start=start)
        anna_flow = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        bo_flow = (await Flow.select(Flow.id).where(Flow.person == org.people["bo"]).first().run() or {})["id"]
        anna = await org.client("anna")
        page = await anna.get("/onboarding", headers=HTML)
        assert page.status_code == 200 and "Your onboarding" in page.text and "Sign the contract" in page.text
        assert "<strong>Important</strong>" in page.text  # markdown, rendered and sanitised
        assert (await anna.get(f"/onboarding/flows/{bo_flow}", headers=HTML)).status_code == 404
        # Ticking someone else's step: as if it were not there.
        bo_step = (await FlowStep.select(FlowStep.id).where(
            (FlowStep.flow == bo_flow) & (FlowStep.assignee == "new_hire")).first().run() or {})["id"]
        assert (await form_post(anna, f"/onboarding/steps/{bo_step}", {"done": "1"})).status_code == 404
        untouched = await FlowStep.select(FlowStep.done_at).where(FlowStep.id == bo_step).first().run()
        assert untouched is not None and untouched["done_at"] is None
        # The manager of the north sees Anna's flow, not Bo's; HR sees both.
        boss = await org.client("boss")
        assert (await boss.get(f"/onboarding/flows/{anna_flow}", headers=HTML)).status_code == 200
        assert (await boss.get(f"/onboarding/flows/{bo_flow}", headers=HTML)).status_code == 404
        assert (await boss.get("/onboarding/hr", headers=HTML)).status_code == 403
        hr = await org.client("hr")
        listing = await hr.get("/onboarding/hr", headers=HTML)
        assert listing.status_code == 200 and "Anna" in listing.text and "Bo" in listing.text
        # HR for the south only sees the south.
        await org.person("southhr")
        await org.grant("southhr", "hr", "south")
        southhr = await org.client("southhr")
        listing = await southhr.get("/onboarding/hr", headers=HTML)
        assert ">Bo<" in listing.text and ">Anna<" not in listing.text
        assert (await southhr.get(f"/onboarding/flows/{anna_flow}", headers=HTML)).status_code == 404


async def test_ticking_steps_and_progress(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org)
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=7))
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        steps = {s["title"]: s["id"] for s in await service.steps_of(flow_id)}
        anna = await org.client("anna")
        answer = await form_post(anna, f"/onboarding/steps/{steps['Sign the contract']}",
                                 {"done": "1", "document": "Contract signed, in the post"})
        assert answer.status_code == 303 and answer.headers["location"].endswith(f"#step-{steps['Sign the contract']}")
        # Not hers: the manager's step.
        answer = await form_post(anna, f"/onboarding/steps/{steps['Prepare the desk']}", {"done": "1"})
        assert answer.status_code == 404
        boss = await org.client("boss")
        answer = await form_post(boss, f"/onboarding/steps/{steps['Prepare the desk']}", {"done": "1"})
        assert answer.status_code == 303
        flows = await service.hr_flows(org.people["hr"], service.FlowFilter(), today=today(org))
        assert flows[0]["done"] == 2 and flows[0]["total"] == 5 and flows[0]["percent"] == 40
        # The widget on the front page shows the manager their open steps (Anna, not started yet, has no front page).
        front = await boss.get("/", headers=HTML)
        assert "My onboarding tasks" in front.text and "Follow-up talk" in front.text
        assert "Read the handbook" not in front.text
        # HR ticks the rest for everyone: the flow is done, and HR's ticks are in the audit log.
        hr = await org.client("hr")
        for title in ("Laptop", "Read the handbook", "Follow-up talk"):
            assert (await form_post(hr, f"/onboarding/steps/{steps[title]}", {"done": "1"})).status_code == 303
        assert (await Flow.select(Flow.status).where(Flow.id == flow_id).first().run() or {})["status"] == "done"
        assert await AuditEntry.count().where(AuditEntry.action == "onboarding.step_done").run() == 2
        # Undo reopens it.
        await form_post(hr, f"/onboarding/steps/{steps['Laptop']}", {"done": "0"})
        assert (await Flow.select(Flow.status).where(Flow.id == flow_id).first().run() or {})["status"] == "running"


async def test_questionnaire_step_through_the_surveys_service(intranet_app: Litestar) -> None:
    from intranet_surveys import service as surveys
    from intranet_surveys.questionnaire import Definition, Question, Section

    async with organisation(intranet_app) as org:
        made = await surveys.create_questionnaire(org.intranet, definition=Definition(
            title="First week", sections=[Section(key="s1", questions=[
                Question(key="welcome", type="scale", label="I felt welcome", required=True),
                Question(key="laptop", type="yesno", label="Was your laptop ready?", required=True),
            ])]), created_by=None, owner="onboarding")
        await template(org, questionnaire=made.id)
        await org.person("anna", unit="north", start=today(org))
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        step_id = next(s["id"] for s in await service.steps_of(flow_id) if s["kind"] == "questionnaire")
        anna = await org.client("anna")
        form = await anna.get(f"/onboarding/steps/{step_id}/answer", headers=HTML)
        assert form.status_code == 200 and "I felt welcome" in form.text
        page = f"/onboarding/steps/{step_id}/answer"
        # Incomplete: the form again with a message, nothing stored.
        bad = await form_post(anna, page, {"_step": "0", "q.welcome": "4"}, page=page)
        assert bad.status_code == 400
        assert await surveys.answers_of(context=f"onboarding.step:{step_id}") == []
        good = await form_post(anna, page, {"_step": "0", "q.welcome": "4", "q.laptop": "yes"}, page=page)
        assert good.status_code == 303
        stored = await surveys.answers_of(context=f"onboarding.step:{step_id}", person_id=org.people["anna"])
        assert len(stored) == 1 and stored[0].answers["welcome"][0].value == "4"
        assert (await FlowStep.select(FlowStep.done_at).where(FlowStep.id == step_id).first().run() or {})["done_at"]
        # Someone else cannot answer for her; HR sees the answers on the flow.
        bo = await org.client("boss")
        assert (await bo.get(page, headers=HTML)).status_code == 404
        hr = await org.client("hr")
        flow_page = await hr.get(f"/onboarding/flows/{flow_id}", headers=HTML)
        assert "Answers" in flow_page.text and "<dt>I felt welcome</dt><dd>4</dd>" in flow_page.text


async def test_hr_filters_csv_start_by_hand_and_buddy(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        template_id = await template(org)
        start = today(org) + datetime.timedelta(days=7)
        await org.person("anna", unit="north", start=start)
        await org.person("bo", unit="south", start=start + datetime.timedelta(days=30))
        hr = await org.client("hr")
        north = await hr.get(f"/onboarding/hr?unit={org.units['north']}", headers=HTML)
        assert ">Anna<" in north.text and ">Bo<" not in north.text
        later = await hr.get(f"/onboarding/hr?start_from={(start + datetime.timedelta(days=1)).isoformat()}",
                             headers=HTML)
        assert ">Anna<" not in later.text and ">Bo<" in later.text
        assert (await hr.get("/onboarding/hr?start_from=yesterday", headers=HTML)).status_code == 400
        csv = await hr.get("/onboarding/hr.csv")
        assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
        assert "Anna" in csv.text and "Bo" in csv.text and "Prepare the desk" in csv.text
        assert await AuditEntry.exists().where(AuditEntry.action == "onboarding.export").run()
        # By hand: someone without a start date.
        carl = await org.person("carl", unit="north")
        bad = await form_post(hr, "/onboarding/start", {"email": "nobody@example.org", "template": str(template_id),
                                                        "anchor": start.isoformat()}, page="/onboarding/start")
        assert bad.status_code == 400 and "No active person" in bad.text
        assert not await Flow.exists().where(Flow.person == carl).run()
        answer = await form_post(hr, "/onboarding/start", {"email": "carl@example.org", "template": str(template_id),
                                                           "anchor": start.isoformat()}, page="/onboarding/start")
        assert answer.status_code == 303
        flow_id = int(re.search(r"/onboarding/flows/(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]
        again = await form_post(hr, "/onboarding/start", {"email": "carl@example.org", "template": str(template_id),
                                                          "anchor": start.isoformat()}, page="/onboarding/start")
        assert again.status_code == 400
        assert await AuditEntry.exists().where(AuditEntry.action == "onboarding.flow_start").run()
        # The manager assigns a buddy; the buddy then sees the flow and their step.
        boss = await org.client("boss")
        answer = await form_post(boss, f"/onboarding/flows/{flow_id}/buddy", {"email": "buddy@example.org"})
        assert answer.status_code == 303
        buddy = await org.client("buddy")
        assert (await buddy.get(f"/onboarding/flows/{flow_id}", headers=HTML)).status_code == 200
        southboss = await org.client("southboss")
        answer = await form_post(southboss, f"/onboarding/flows/{flow_id}/buddy", {"email": "hr@example.org"})
        assert answer.status_code == 404
        answer = await form_post(boss, f"/onboarding/flows/{flow_id}/buddy", {"email": "nobody@example.org"})
        assert answer.status_code == 303 and answer.headers["location"].endswith("?buddy=unknown")
        again = await boss.get(answer.headers["location"], headers=HTML)
        assert "can be the buddy" in again.text


async def test_reminders_through_the_task_runner(intranet_app: Litestar, mailbox: Mailbox) -> None:
    async with organisation(intranet_app) as org:
        await template(org)
        # Started 10 days ago: the manager's "Prepare the desk" is overdue; "Read the handbook" was due 8 days ago.
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=1))
        # The site writes English; the manager reads Danish, and is told in Danish.
        await update_person(org.intranet, org.people["boss"], fields={"language": "da"}, actor_id=None)
        task = next(t for t in registered_tasks(org.intranet) if t.name == "onboarding.reminders")
        assert await run_due(org.intranet, [task]) == ["onboarding.reminders"]
        to_boss = await Notification.select(Notification.kind, Notification.title, Notification.text).where(
            Notification.person == org.people["boss"]).run()
        # Due 6 days ago (overdue) for the boss; Anna's contract is due tomorrow (within 2 days: "due soon").
        assert [n["kind"] for n in to_boss] == ["onboarding.overdue"]
        assert to_boss[0]["title"] == "Forsinket onboardingtrin: Prepare the desk"
        assert to_boss[0]["text"].startswith("Forløbet for Anna, frist ")
        assert mailbox.to("boss@example.org")[0]["Subject"] == "Forsinket onboardingtrin: Prepare the desk"
        [to_anna_first] = await Notification.select(Notification.title).where(
            Notification.person == org.people["anna"]).run()
        assert to_anna_first["title"] == "Onboarding step due soon: Sign the contract"
        to_anna = await Notification.select(Notification.kind).where(Notification.person == org.people["anna"]).run()
        assert [n["kind"] for n in to_anna] == ["onboarding.due"]
        assert mailbox.to("boss@example.org"), "the manager is e-mailed at once"
        # A second run (another process, or later) sends nothing twice.
        await service.send_reminders(org.intranet, today(org))
        assert await Notification.count().where(Notification.person == org.people["boss"]).run() == 1
        # Later, with a controllable day: the contract becomes overdue and is reminded once more.
        await service.send_reminders(org.intranet, today(org) + datetime.timedelta(days=2))
        kinds = [n["kind"] for n in await Notification.select(Notification.kind).where(
            Notification.person == org.people["anna"]).order_by(Notification.id).run()]
        # The contract (due tomorrow) is now overdue; the handbook (due in three days) is due soon.
        assert kinds == ["onboarding.due", "onboarding.overdue", "onboarding.due"]


async def test_personal_data_export_and_erase(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org)
        anna = await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=3))
        flow_id = (await Flow.select(Flow.id).where(Flow.person == anna).first().run() or {})["id"]
        boss_step = next(s["id"] for s in await service.steps_of(flow_id) if s["assignee"] == "manager")
        await service.mark_step(org.intranet, org.people["boss"], boss_step, done=True)
        exported = await service.export_person(anna)
        assert exported is not None and exported["flows"][0]["steps"]
        person = await get_person(anna)
        assert person is not None
        await erase_person(org.intranet, anna, actor_id=org.people["hr"], mode="anonymise")
        assert await leftover_references(org.intranet, anna) == {}
        await erase_person(org.intranet, org.people["boss"], actor_id=org.people["hr"], mode="anonymise")
        assert await leftover_references(org.intranet, org.people["boss"]) == {}


async def test_preboarding_shows_only_the_flow_before_the_start_date(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        spec = TemplateSpec(name="With a page", steps=[
            StepSpec(title="Read the page", kind="read", link="/notifications", offset_days=-2),
            StepSpec(title="Read the front page", kind="read", link="/", offset_days=-1)])
        await service.create_template(org.intranet, spec, actor_id=None)
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=7))
        await org.person("bo", unit="north", start=today(org) - datetime.timedelta(days=3))
        anna = await org.client("anna")
        front = await anna.get("/", headers=HTML)
        assert front.status_code == 303 and front.headers["location"] == "/onboarding"
        assert (await anna.get("/onboarding", headers=HTML)).status_code == 200
        assert (await anna.get("/notifications", headers=HTML)).status_code == 200  # linked from a step
        assert (await anna.get("/search?q=a", headers=HTML)).status_code == 404
        # A linked "/" does not open the whole site.
        assert (await anna.get("/posts/1", headers=HTML)).status_code == 404
        # Someone whose start date has passed is not limited.
        bo = await org.client("bo")
        assert (await bo.get("/", headers=HTML)).status_code == 200


async def test_without_preboarding_a_new_hire_sees_nothing_before_starting(tmp_path: Path, mailbox: Mailbox) -> None:
    import intranet_onboarding.plugin
    import intranet_surveys.plugin

    from intranet_core.testing import build_app, database_url_for_tests, mail_settings, make_settings

    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                             mail=mail_settings(mailbox), plugins={"onboarding": {"preboarding": False}})
    app = await build_app(settings, [("surveys", intranet_surveys.plugin), ("onboarding", intranet_onboarding.plugin)])
    async with organisation(app) as org:
        await template(org)
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=7))
        anna = await org.client("anna")
        assert (await anna.get("/", headers=HTML)).status_code == 404
        assert (await anna.get("/onboarding", headers=HTML)).status_code == 404


async def test_a_document_step_takes_the_file_handed_in(intranet_app: Litestar) -> None:
    from intranet_onboarding.tables import StepFile

    from intranet_core.testing import csrf_token_of

    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    async with organisation(intranet_app) as org:
        await template(org)
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=3))
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        step = next(s["id"] for s in await service.steps_of(flow_id) if s["kind"] == "document")
        anna = await org.client("anna")
        page = await anna.get("/onboarding", headers=HTML)
        assert 'enctype="multipart/form-data"' in page.text and 'name="file" type="file"' in page.text

        async def hand_in(files: list[tuple[str, bytes]], note: str = "") -> object:
            token = csrf_token_of((await anna.get("/onboarding", headers=HTML)).text)
            return await anna.post(f"/onboarding/steps/{step}", headers=HTML,
                                   data={"done": "1", "document": note, "_csrf_token": token},
                                   files=[("file", (name, content)) for name, content in files] or None)

        async def state() -> tuple[object, int]:
            row = await FlowStep.select(FlowStep.done_at).where(FlowStep.id == step).first().run()
            return (row or {}).get("done_at"), await StepFile.count().run()

        # Nothing handed in: the form again with the message, nothing written.
        empty = await hand_in([])
        assert empty.status_code == 400 and "Add the file, or write a note" in empty.text  # type: ignore[attr-defined]
        assert await state() == (None, 0)
        # A type that is not allowed (and a good file beside it): refused, nothing written.
        bad = await hand_in([("contract.pdf", pdf), ("contract.html", b"<html><script>alert(1)</script></html>")])
        assert bad.status_code == 400 and "not allowed" in bad.text  # type: ignore[attr-defined]
        assert await state() == (None, 0)
        good = await hand_in([("Kontrakt æøå.pdf", pdf)])
        assert good.status_code == 303  # type: ignore[attr-defined]
        done_at, count = await state()
        assert done_at is not None and count == 1
        [file_id] = [r["id"] for r in await StepFile.select(StepFile.id).run()]
        flow_page = await anna.get("/onboarding", headers=HTML)
        assert f'href="/onboarding/files/{file_id}"' in flow_page.text and "Kontrakt æøå.pdf" in flow_page.text
        download = await anna.get(f"/onboarding/files/{file_id}")
        assert download.status_code == 200 and download.content == pdf
        assert download.headers["content-disposition"].startswith("attachment;")
        assert download.headers["x-content-type-options"] == "nosniff"
        hr = await org.client("hr")
        assert (await hr.get(f"/onboarding/files/{file_id}")).status_code == 200
        hr_page = await hr.get(f"/onboarding/flows/{flow_id}", headers=HTML)
        assert f'href="/onboarding/files/{file_id}"' in hr_page.text
        # The manager sees the flow but not the new hire's contract; other people not even the flow.
        boss = await org.client("boss")
        assert (await boss.get(f"/onboarding/flows/{flow_id}", headers=HTML)).status_code == 200
        assert f"/onboarding/files/{file_id}" not in (await boss.get(f"/onboarding/flows/{flow_id}", headers=HTML)).text
        for client in (boss, await org.client("southboss"), await org.client("buddy")):
            assert (await client.get(f"/onboarding/files/{file_id}")).status_code == 404
        # A done step's file stays; undone, the new hire may take it back (the manager may not).
        assert (await form_post(anna, f"/onboarding/files/{file_id}/remove", {})).status_code == 404
        assert (await form_post(anna, f"/onboarding/steps/{step}", {"done": "0"})).status_code == 303
        assert (await form_post(boss, f"/onboarding/files/{file_id}/remove", {},
                                page=f"/onboarding/flows/{flow_id}")).status_code == 404
        exported = await service.export_person(org.people["anna"])
        assert exported is not None
        assert [f["filename"] for s in exported["flows"][0]["steps"] for f in s["files"]] == ["Kontrakt æøå.pdf"]
        removed = await form_post(anna, f"/onboarding/files/{file_id}/remove", {})
        assert removed.status_code == 303 and await StepFile.count().run() == 0
        assert (await anna.get(f"/onboarding/files/{file_id}")).status_code == 404
        # A note alone is enough (handed in on paper).
        assert (await hand_in([], note="On paper, to HR")).status_code == 303  # type: ignore[attr-defined]
        assert (await state())[0] is not None
        # From a page opened before: a file for a step already done is added; the step keeps its time.
        first = (await state())[0]
        assert (await hand_in([("page 2.pdf", pdf + b"%2\n")])).status_code == 303  # type: ignore[attr-defined]
        assert await state() == (first, 1)
        # Erasing the new hire takes the step's files with the flow; the bytes go at the next purge.
        await erase_person(org.intranet, org.people["anna"], actor_id=org.people["hr"], mode="anonymise")
        assert await StepFile.count().run() == 0
        assert await leftover_references(org.intranet, org.people["anna"]) == {}


async def test_a_running_flow_follows_moves_and_new_managers(intranet_app: Litestar) -> None:
    from intranet_core.people.service import add_membership, remove_membership, update_membership
    from intranet_core.people.tables import Membership

    async def flow_row() -> dict[str, object]:
        return await Flow.select(Flow.unit, Flow.manager).where(Flow.person == org.people["anna"]).first().run() or {}

    async def membership(person: str, unit: str) -> int:
        row = await Membership.select(Membership.id).where(
            (Membership.person == org.people[person]) & (Membership.unit == org.units[unit])).first().run()
        assert row is not None
        return int(row["id"])

    async with organisation(intranet_app) as org:
        await template(org)
        await org.person("anna", unit="north", start=today(org) + datetime.timedelta(days=7))
        assert await flow_row() == {"unit": org.units["north"], "manager": org.people["boss"]}
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        # Anna moves to the south before she starts: the flow's unit and manager move with her.
        await add_membership(org.intranet, org.people["anna"], org.units["south"], is_primary=True, actor_id=None)
        await remove_membership(org.intranet, org.people["anna"], await membership("anna", "north"), actor_id=None)
        assert await flow_row() == {"unit": org.units["south"], "manager": org.people["southboss"]}
        boss, southboss = await org.client("boss"), await org.client("southboss")
        assert (await boss.get(f"/onboarding/flows/{flow_id}", headers=HTML)).status_code == 404
        assert (await southboss.get(f"/onboarding/flows/{flow_id}", headers=HTML)).status_code == 200
        # The south's manager steps down: no manager, until someone above has one.
        await update_membership(org.intranet, org.people["southboss"], await membership("southboss", "south"),
                                is_manager=False, actor_id=None)
        assert (await flow_row())["manager"] is None
        ceo = await org.person("ceo")
        await add_membership(org.intranet, ceo, org.units["root"], is_manager=True, is_primary=True, actor_id=None)
        assert (await flow_row())["manager"] == ceo
        # A done flow is history: it keeps who was there.
        await Flow.update({Flow.status: "done"}).where(Flow.id == flow_id).run()
        await update_membership(org.intranet, org.people["southboss"], await membership("southboss", "south"),
                                is_manager=True, actor_id=None)
        assert (await flow_row())["manager"] == ceo


async def test_a_meeting_goes_into_a_calendar(intranet_app: Litestar) -> None:
    import icalendar

    async with organisation(intranet_app) as org:
        spec = TemplateSpec(name="Meetings", steps=[
            StepSpec(title="Coffee with the team lead", kind="meeting", meet_with=org.people["buddy"],
                     offset_days=3, text="In the canteen"),
            StepSpec(title="Read the handbook", kind="read", link="/", offset_days=1)])
        await service.create_template(org.intranet, spec, actor_id=None)
        start = today(org) + datetime.timedelta(days=7)
        await org.person("anna", unit="north", start=start)
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        meeting, reading = [s["id"] for s in await service.steps_of(flow_id)]
        anna = await org.client("anna")
        page = (await anna.get("/onboarding", headers=HTML)).text
        assert f'href="/onboarding/steps/{meeting}/calendar.ics"' in page
        answer = await anna.get(f"/onboarding/steps/{meeting}/calendar.ics")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")
        [event] = icalendar.Calendar.from_ical(answer.content).walk("VEVENT")
        assert event.decoded("dtstart") == start + datetime.timedelta(days=3)
        assert event.decoded("dtend") == start + datetime.timedelta(days=4)
        assert str(event["summary"]) == "Coffee with the team lead (Anna's onboarding)"
        assert "In the canteen" in str(event["description"]) and "Meet: Buddy" in str(event["description"])
        assert f"/onboarding/flows/{flow_id}#step-{meeting}" in str(event["url"])
        # The manager sees the flow, and its meetings; someone else, and a step that is no meeting, are not there.
        boss = await org.client("boss")
        assert (await boss.get(f"/onboarding/steps/{meeting}/calendar.ics")).status_code == 200
        southboss = await org.client("southboss")
        assert (await southboss.get(f"/onboarding/steps/{meeting}/calendar.ics")).status_code == 404
        assert (await anna.get(f"/onboarding/steps/{reading}/calendar.ics")).status_code == 404


async def test_hr_cancels_a_flow_and_deactivation_ends_onboarding_not_offboarding(intranet_app: Litestar) -> None:
    from intranet_core.people.service import set_active

    async with organisation(intranet_app) as org:
        await template(org)
        await template(org, kind="offboarding", name="Leaving")
        start = today(org) + datetime.timedelta(days=1)
        await org.person("anna", unit="north", start=start)
        flow_id = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        steps = {s["title"]: s["id"] for s in await service.steps_of(flow_id)}
        # The manager may not cancel; HR may, once.
        boss = await org.client("boss")
        assert "Cancel this flow" not in (await boss.get(f"/onboarding/flows/{flow_id}", headers=HTML)).text
        assert (await form_post(boss, f"/onboarding/flows/{flow_id}/cancel", {})).status_code == 403
        hr = await org.client("hr")
        page = (await hr.get(f"/onboarding/flows/{flow_id}", headers=HTML)).text
        assert "Cancel this flow" in page
        assert (await form_post(hr, f"/onboarding/flows/{flow_id}/cancel", {})).status_code == 303
        assert (await Flow.select(Flow.status).where(Flow.id == flow_id).first().run() or {})["status"] == "cancelled"
        assert await AuditEntry.exists().where(AuditEntry.action == "onboarding.flow_cancel").run()
        # Nobody is reminded of it, nothing more is ticked, it leaves the running list and the tasks.
        assert await service.send_reminders(org.intranet, today(org) + datetime.timedelta(days=10)) == 0
        assert (await form_post(boss, f"/onboarding/steps/{steps['Prepare the desk']}", {"done": "1"})
                ).status_code == 404
        assert await service.my_open_steps(org.people["boss"]) == []
        assert ">Anna<" not in (await hr.get("/onboarding/hr", headers=HTML)).text
        assert ">Anna<" in (await hr.get("/onboarding/hr?status=cancelled", headers=HTML)).text
        assert "This flow was cancelled" in (await hr.get(f"/onboarding/flows/{flow_id}", headers=HTML)).text
        assert (await form_post(hr, f"/onboarding/flows/{flow_id}/cancel", {})).status_code == 403  # not running
        # Someone deactivated before starting: their onboarding ends by itself; a leaver's offboarding goes on.
        await org.person("bo", unit="north", start=start)
        erik = await org.person("erik", unit="north")
        await update_person(org.intranet, erik, fields={"leaving_date": today(org) + datetime.timedelta(days=3)},
                            actor_id=None)
        for key in ("bo", "erik"):
            await set_active(org.intranet, org.people[key], False, actor_id=org.people["hr"])
        statuses = {(r["person"], r["kind"]): r["status"] for r in await Flow.select(
            Flow.person, Flow.kind, Flow.status).where(Flow.person.is_in([org.people["bo"], erik])).run()}
        assert statuses == {(org.people["bo"], "onboarding"): "cancelled", (erik, "offboarding"): "running"}
