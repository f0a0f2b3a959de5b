"""The demo: a completed temperature survey, a running pulse in Østjylland, 90 days of use."""

from __future__ import annotations

import time
from typing import Any

from intranet_surveys import results, surveys
from intranet_surveys.tables import AnonResponse, Participation, Survey
from surveys_helpers import EN

from intranet_core.demo import load_demo
from intranet_core.people.tables import Person
from intranet_core.testing import csrf_token_of
from intranet_core.usage.tables import UsageDay


async def test_the_demo_is_alive(intranet: Any, intranet_client: Any) -> None:
    started = time.perf_counter()
    lines = await load_demo(intranet)
    elapsed = time.perf_counter() - started
    print(f"demo loaded in {elapsed:.1f} s")
    assert any("/surveys/temperature" in line for line in lines)

    temperature = await Survey.select().where(Survey.kind == "temperature").first().run()
    assert temperature is not None
    [round_row] = await surveys.rounds_of(temperature["id"])
    assert round_row["closed_at"] is not None
    count = await AnonResponse.count().where(AnonResponse.round == round_row["id"]).run()
    assert 140 <= count <= 150
    found = await results.round_results(intranet, temperature, round_row)
    assert found.shown and found.respondents >= 140 and found.breakdowns
    assert any(q.breakdown for q in found.questions)

    pulse = await Survey.select().where(Survey.repeat_weeks == 2).first().run()
    assert pulse is not None
    rounds = await surveys.rounds_of(pulse["id"])
    assert len(rounds) == 5
    current = await surveys.open_round(pulse["id"])
    assert current is not None and current["number"] == 5
    assert await Participation.count().where(Participation.round == current["id"]).run() == 3
    member = await Person.select(Person.id).where(Person.email == "member@example.org").first().run()
    assert not await surveys.has_answered(current["id"], member["id"])
    trends = await results.trends(intranet, pulse)
    assert {t.question.key for t in trends} >= {"mood", "workload", "support"}

    days = await UsageDay.select(UsageDay.day).distinct().run()
    assert 80 <= len(days) <= 91

    # The admin sees the dashboard with its 90 days, and the survey side by side.
    page = await intranet_client.get("/signin")
    await intranet_client.post("/signin", data={"email": "admin@example.org", "password": "intranet-demo",
                                                "_csrf_token": csrf_token_of(page.text)})
    dashboard = await intranet_client.get("/surveys/temperature", headers=EN)
    assert dashboard.status_code == 200
    assert dashboard.text.count('<svg class="chart"') >= 8
    assert "Intranettets temperatur" in dashboard.text or "The intranet's temperature" in dashboard.text
    pulse_results = await intranet_client.get(f"/surveys/{pulse['id']}/results", headers=EN)
    assert "Fewer than 5 answers: the results are hidden." in pulse_results.text
    assert "Across the rounds" in pulse_results.text
