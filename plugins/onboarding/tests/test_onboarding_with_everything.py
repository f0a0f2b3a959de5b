"""The main paths again, on a site built from every installed plugin (as `intranet run` builds it)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from intranet_onboarding import service
from intranet_onboarding.tables import Flow
from litestar import Litestar
from onboarding_support import HTML, form_post, organisation, template

from intranet_core.plugins import discover_entry_points


@pytest.fixture
def intranet_plugins() -> list[Any]:
    installed = [(ep.name, ep.value) for ep in discover_entry_points()]
    if "onboarding" not in {name for name, _value in installed}:
        pytest.fail("intranet-onboarding is not installed (pip install -e plugins/onboarding)")
    return installed


async def test_flows_next_to_every_other_plugin(intranet_app: Litestar) -> None:
    assert len(intranet_app.state.intranet.plugins) > 2
    async with organisation(intranet_app) as org:
        await template(org)
        start = service.local_today(org.intranet) + datetime.timedelta(days=5)
        await org.person("anna", unit="north", start=start)
        await org.person("bo", unit="south", start=start)
        anna_flow = (await Flow.select(Flow.id).where(Flow.person == org.people["anna"]).first().run() or {})["id"]
        bo_flow = (await Flow.select(Flow.id).where(Flow.person == org.people["bo"]).first().run() or {})["id"]
        anna = await org.client("anna")
        assert (await anna.get("/onboarding", headers=HTML)).status_code == 200
        assert (await anna.get(f"/onboarding/flows/{bo_flow}", headers=HTML)).status_code == 404
        assert (await anna.get("/", headers=HTML)).status_code == 303  # pre-boarding: only her flow
        step = next(s for s in await service.steps_of(anna_flow) if s["assignee"] == "new_hire")
        assert step["kind"] == "document"
        assert (await form_post(anna, f"/onboarding/steps/{step['id']}",
                                {"done": "1", "document": "Signed on paper"})).status_code == 303
        hr = await org.client("hr")
        for path in ("/onboarding/hr", f"/onboarding/flows/{anna_flow}", "/", "/onboarding/start"):
            assert (await hr.get(path, headers=HTML)).status_code == 200, path
