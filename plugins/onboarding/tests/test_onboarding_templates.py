"""HR's template editor: bad input gives the form back with nothing saved; saving a used template makes a version."""

from __future__ import annotations

import datetime
import re

from intranet_onboarding import service
from intranet_onboarding.tables import Flow, FlowTemplate, TemplateVersion
from litestar import Litestar
from onboarding_support import HTML, form_post, organisation


def step(i: int, **values: str) -> dict[str, str]:
    defaults = {"title": "", "text": "", "kind": "task", "assignee": "new_hire", "offset": "0", "link": "",
                "questionnaire": "", "meet_with": "", "order": str(i + 1)}
    return {f"step-{i}-{k}": v for k, v in {**defaults, **values}.items()}


async def test_make_and_edit_a_template_through_the_form(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        hr = await org.client("hr")
        page = "/onboarding/templates/new"
        assert (await hr.get(page, headers=HTML)).status_code == 200
        bad = await form_post(hr, page, {
            "name": "Nurses", "kind": "onboarding", "rows": "2", "units": str(org.units["north"]),
            **step(0, title="Meet the boss", kind="meeting", meet_with="nobody@example.org"),
            **step(1, title="Read", kind="read", link="javascript:alert(1)")}, page=page)
        assert bad.status_code == 400 and "nobody@example.org" in bad.text and "https://" in bad.text
        assert await FlowTemplate.count().run() == 0
        good = await form_post(hr, page, {
            "name": "Nurses", "kind": "onboarding", "rows": "3", "units": str(org.units["north"]),
            "job_titles": "Nurse, Night nurse",
            **step(0, title="Second", order="2", offset="3"),
            **step(1, title="First", order="1", kind="meeting", assignee="manager", meet_with="buddy@example.org",
                   offset="-2"),
            **step(2)}, page=page)
        assert good.status_code == 303
        template_id = int(re.search(r"/onboarding/templates/(\d+)", good.headers["location"]).group(1))  # type: ignore[union-attr]
        row = await FlowTemplate.select().where(FlowTemplate.id == template_id).first().run()
        assert row is not None
        steps = await service.version_steps(row["current_version"])
        assert [s.title for s in steps] == ["First", "Second"] and steps[0].meet_with == org.people["buddy"]
        edit = await hr.get(f"/onboarding/templates/{template_id}", headers=HTML)
        assert 'value="First"' in edit.text and "buddy@example.org" in edit.text
        # Used by a flow, then saved: a new version, the flow keeps its steps.
        start = service.local_today(org.intranet) + datetime.timedelta(days=4)
        anna = await org.person("anna", unit="north", start=start, title="Night nurse")
        flow = await Flow.select(Flow.id, Flow.version).where(Flow.person == anna).first().run()
        assert flow is not None
        page = f"/onboarding/templates/{template_id}"
        again = await form_post(hr, page, {"name": "Nurses", "kind": "onboarding", "rows": "1",
                                           **step(0, title="Only one now")}, page=page)
        assert again.status_code == 303
        assert await TemplateVersion.count().where(TemplateVersion.template == template_id).run() == 2
        assert [s["title"] for s in await service.steps_of(flow["id"])] == ["First", "Second"]
        # Only HR for the whole organisation edits templates.
        boss = await org.client("boss")
        assert (await boss.get("/onboarding/templates", headers=HTML)).status_code == 403
