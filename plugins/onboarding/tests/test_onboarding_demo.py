"""The demo: two templates, three newcomers at different stages, HR's view alive."""

from __future__ import annotations

from intranet_onboarding import service
from intranet_onboarding.tables import Flow, FlowTemplate
from litestar import Litestar
from onboarding_support import HTML

from intranet_core.demo import load_demo
from intranet_core.testing import client_for, csrf_token_of

DEMO_PASSWORD = "intranet-demo"  # noqa: S105 - the published password of the demo accounts


async def test_demo_has_templates_and_flows_with_an_overdue_step(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        lines = await load_demo(intranet)
    finally:
        await intranet.db.close()
    assert any("onboarding" in line for line in lines)
    async with client_for(intranet_app) as client:
        assert await FlowTemplate.count().run() == 2
        assert await Flow.count().run() == 3
        page = await client.get("/signin")
        answer = await client.post("/signin", data={"email": "admin@example.org", "password": DEMO_PASSWORD,
                                                    "_csrf_token": csrf_token_of(page.text)})
        assert answer.status_code == 303
        listing = await client.get("/onboarding/hr", headers=HTML)
        assert listing.status_code == 200
        flows = await service.hr_flows(await _admin_id(), service.FlowFilter(), today=service.local_today(intranet))
        assert len(flows) == 3 and any(f["overdue"] for f in flows) and any(0 < f["percent"] < 100 for f in flows)


async def _admin_id() -> int:
    from intranet_core.people.tables import Person

    row = await Person.select(Person.id).where(Person.email == "admin@example.org").first().run()
    assert row is not None
    return int(row["id"])
