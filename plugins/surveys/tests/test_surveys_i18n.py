"""The pages speak Danish (that every message has a translation is part of the plugin contract)."""

from __future__ import annotations

from typing import Any

from surveys_helpers import DA, make_survey

from intranet_core.testing import sign_in


async def test_pages_answer_in_danish(intranet: Any, intranet_client: Any) -> None:
    person = await sign_in(intranet_client, intranet.litestar, "dansk@example.org", name="Dansk",
                           roles=[("hr", None)])
    survey_id, _version = await make_survey(intranet, person.id, ["all"], title="Trivsel")
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=DA)
    assert "Dine svar er anonyme." in page.text and "Meget enig" in page.text and "Næste" in page.text
    results = await intranet_client.get(f"/surveys/{survey_id}/results", headers=DA)
    assert "Færre end 5 svar: resultaterne er skjult." in results.text
    assert "Intranettets temperatur" in (await intranet_client.get("/surveys/temperature", headers=DA)).text
