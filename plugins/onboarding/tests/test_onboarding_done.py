"""The issue's walk-through, over HTTP: HR adds a person, the flow starts, the new hire answers and ticks, the
manager is reminded, and HR's view shows the progress and the answers."""

from __future__ import annotations

import datetime
import re

from intranet_onboarding import service
from intranet_onboarding.tables import Flow
from litestar import Litestar
from onboarding_support import HTML, form_post, organisation, template

from intranet_core.notifications.tables import Notification
from intranet_core.people.tables import Person
from intranet_core.tasks.service import registered_tasks, run_due
from intranet_core.testing import TEST_PASSWORD, Mailbox


async def test_hr_adds_a_person_and_follows_the_flow_to_its_answers(intranet_app: Litestar, mailbox: Mailbox) -> None:
    from intranet_surveys import service as surveys
    from intranet_surveys.questionnaire import Definition, Question, Section

    async with organisation(intranet_app) as org:
        await org.grant("hr", "admin")
        made = await surveys.create_questionnaire(org.intranet, definition=Definition(
            title="Welcome", sections=[Section(key="s1", questions=[
                Question(key="welcome", type="scale", label="I felt welcome", required=True)])]),
            created_by=None, owner="onboarding")
        await template(org, units=["north"], questionnaire=made.id)
        start = service.local_today(org.intranet) + datetime.timedelta(days=7)
        hr = await org.client("hr")

        # HR adds the person through the administration pages, in a district, starting next week.
        created = await form_post(hr, "/admin/people/new", {
            "email": "nina@example.org", "name": "Nina Ny", "unit_id": str(org.units["north"]),
            "start_date": start.isoformat(), "password": TEST_PASSWORD}, page="/admin/people/new")
        assert created.status_code == 303, created.text
        nina = (await Person.select(Person.id).where(Person.email == "nina@example.org").first().run() or {})["id"]
        flow = await Flow.select(Flow.id, Flow.manager).where(Flow.person == nina).first().run()
        assert flow is not None and flow["manager"] == org.people["boss"], "the flow started by itself"

        # The new hire signs in: only the checklist; she answers the questionnaire and ticks a task.
        org.people["nina"] = nina
        new_hire = await org.client("nina")
        front = await new_hire.get("/", headers=HTML)
        assert front.status_code == 303 and front.headers["location"] == "/onboarding"
        checklist = await new_hire.get("/onboarding", headers=HTML)
        assert "Your onboarding" in checklist.text and "0 of 6 steps done" in checklist.text
        steps = {s["title"]: s["id"] for s in await service.steps_of(flow["id"])}
        answer = f"/onboarding/steps/{steps['First week']}/answer"
        assert (await form_post(new_hire, answer, {"_step": "0", "q.welcome": "5"}, page=answer)).status_code == 303
        assert (await form_post(new_hire, f"/onboarding/steps/{steps['Read the handbook']}",
                                {"done": "1"})).status_code == 303
        assert "2 of 6 steps done (33%)" in (await new_hire.get("/onboarding", headers=HTML)).text

        # The manager's step ("Prepare the desk", due today) brings a reminder, by notice and by e-mail.
        task = next(t for t in registered_tasks(org.intranet) if t.name == "onboarding.reminders")
        assert await run_due(org.intranet, [task]) == ["onboarding.reminders"]
        [notice] = await Notification.select(Notification.title, Notification.url).where(
            Notification.person == org.people["boss"]).run()
        assert "Prepare the desk" in notice["title"] and notice["url"].startswith(f"/onboarding/flows/{flow['id']}")
        assert mailbox.to("boss@example.org")

        # HR's view: Nina at 33 %, her next step, and her answers on her timeline.
        listing = await hr.get("/onboarding/hr", headers=HTML)
        row = re.search(r"<tr>(?:(?!</tr>).)*Nina Ny(?:(?!</tr>).)*</tr>", listing.text, re.S)
        assert row is not None and "33" in row.group(0)
        timeline = await hr.get(f"/onboarding/flows/{flow['id']}", headers=HTML)
        assert "<dt>I felt welcome</dt><dd>5</dd>" in timeline.text
