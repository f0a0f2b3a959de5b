"""Results: nothing below k, charts with their tables, breakdowns within k, trends across rounds, CSV, live."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from typing import Any

import pytest
from intranet_surveys import results, surveys
from surveys_helpers import EN, answer_round, go_back_in_time, join, make_people, make_survey, make_unit

from intranet_core.audit.tables import AuditEntry
from intranet_core.live.service import live_feed
from intranet_core.testing import sign_in


@pytest.fixture
async def org(intranet: Any) -> dict[str, Any]:
    district = await make_unit(intranet, "Nordjylland")
    north = await make_unit(intranet, "Team Nord", parent=district, kind="team")
    south = await make_unit(intranet, "Team Syd", parent=district, kind="team")
    tiny = await make_unit(intranet, "Team Lille", parent=district, kind="team")
    return {
        "district": district, "north": north, "south": south, "tiny": tiny,
        "north_people": await make_people(intranet, 7, north, prefix="nord"),
        "south_people": await make_people(intranet, 6, south, prefix="syd"),
        "tiny_people": await make_people(intranet, 2, tiny, prefix="lille"),
    }


async def hr_client(intranet: Any, client: Any) -> Any:
    return await sign_in(client, intranet.litestar, "hr@example.org", name="HR Person", roles=[("hr", None)])


async def test_results_are_hidden_below_k_then_shown_with_charts_and_tables(
    intranet: Any, intranet_client: Any, org: dict[str, Any]
) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"], title="Pulse Nord")
    people = org["north_people"]
    await answer_round(intranet, survey_id, people[:4], version, mood=lambda i: 1 + i, comment="Godt")

    page = await intranet_client.get(f"/surveys/{survey_id}/results", headers=EN)
    assert page.status_code == 200
    assert "Fewer than 5 answers: the results are hidden." in page.text
    assert "<svg class=\"chart\"" not in page.text and "Godt" not in page.text
    assert (await intranet_client.get(f"/surveys/{survey_id}/results.csv")).status_code == 404

    await answer_round(intranet, survey_id, people[4:5], version, mood=5, comment="<script>alert(1)</script>")
    page = await intranet_client.get(f"/surveys/{survey_id}/results", headers=EN)
    assert "results are hidden" not in page.text
    main = page.text[page.text.index("<main"):]
    # One chart per question with categories, each followed by its table.
    charts = re.findall(r'<svg class="chart".*?</svg>\s*<div class="visually-hidden"><table>.*?</table>', main, re.S)
    assert len(charts) == 3  # scale, yes/no and NPS; the others had no answers
    assert "I enjoy my work" in main and "average 3.0" in main
    assert "Godt" in main
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in main and "<script>alert(1)" not in main
    # The round is open: no breakdown by unit yet.
    assert "By unit" not in main and "Figures per unit are shown when the round has closed." in main


async def test_breakdowns_by_unit_keep_every_cell_at_k_or_more(intranet: Any, intranet_client: Any,
                                                              org: dict[str, Any]) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"])
    everyone = org["north_people"] + org["south_people"] + org["tiny_people"]
    await answer_round(intranet, survey_id, everyone, version, mood=4)
    await go_back_in_time(survey_id, 15)
    await surveys.run_rounds(intranet)
    survey = await surveys.get_survey(survey_id)
    [round_row] = await surveys.rounds_of(survey_id)
    assert round_row["closed_at"] is not None
    found = await results.round_results(intranet, survey, round_row)  # type: ignore[arg-type]
    assert found.respondents == 15 and found.breakdowns
    mood = next(q for q in found.questions if q.question.key == "mood")
    shown = {cell.label: cell.respondents for cell in mood.breakdown}
    # Team Lille (2 people) is stored as its district; that cell is under k, and merging it alone would
    # let it be worked out, so Team Syd (6) goes too.
    assert shown == {"Team Nord": 7}
    assert mood.other_units is not None and mood.other_units.respondents == 8
    page = await intranet_client.get(f"/surveys/{survey_id}/results", headers=EN)
    assert "By unit" in page.text and "Team Nord" in page.text
    assert "Team Lille" not in page.text and "Team Syd" not in page.text
    assert '<th scope="row">Nordjylland<' not in page.text


def test_suppression_never_leaves_a_small_cell_to_be_worked_out() -> None:
    def cell(n: int, label: str) -> results.Cell:
        return results.Cell(label=label, respondents=n, categories=[])

    shown, rest = results.suppress([cell(9, "a"), cell(7, "b"), cell(1, "c")], 5)
    assert [c.label for c in shown] == ["a"] and rest == 8
    shown, rest = results.suppress([cell(9, "a"), cell(7, "b"), cell(6, "c")], 5)
    assert [c.label for c in shown] == ["a", "b", "c"] and rest == 0
    shown, rest = results.suppress([cell(3, "a"), cell(3, "b")], 5)
    assert shown == [] and rest == 6
    shown, rest = results.suppress([cell(9, "a"), cell(2, "b"), cell(3, "c")], 5)
    assert [c.label for c in shown] == ["a"] and rest == 5


async def test_results_are_only_for_those_who_may_see_them(intranet: Any, intranet_client: Any,
                                                          org: dict[str, Any]) -> None:
    [creator] = await make_people(intranet, 1, None, prefix="creator")
    survey_id, _version = await make_survey(intranet, creator, [f"unit:{org['district']}"])
    member = await sign_in(intranet_client, intranet.litestar, "member@example.org", name="Member")
    await join(intranet, member.id, org["north"])
    assert (await intranet_client.get(f"/surveys/{survey_id}")).status_code == 200
    for path in ("results", "results/fragment", "results/live", "results.csv"):
        assert (await intranet_client.get(f"/surveys/{survey_id}/{path}")).status_code == 404, path


async def test_csv_export_of_an_anonymous_round_holds_no_identity(intranet: Any, intranet_client: Any,
                                                                  org: dict[str, Any]) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"])
    people = org["north_people"]
    await answer_round(intranet, survey_id, people, version, mood=lambda i: 1 + i % 5, tools=["mail", "chat"],
                       comment=lambda i: f"=cmd|' /C calc'!A{i}")
    response = await intranet_client.get(f"/surveys/{survey_id}/results.csv", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    header, body = rows[0], rows[1:]
    assert header[0] == "I enjoy my work" and "Name" not in header and "E-mail" not in header
    assert len(body) == 5  # the released group of 5; 2 wait for the next group
    text = response.text
    for index in range(7):
        assert f"nord{index}@example.org" not in text and f"nord {index}" not in text
    assert "Mail; Chat" in text
    assert all(not cell.startswith("=") for row in body for cell in row)
    entries = await AuditEntry.select().where(AuditEntry.action == "surveys.results_export").run()
    assert len(entries) == 1 and entries[0]["actor_id"] == hr.id


async def test_a_named_survey_exports_names(intranet: Any, intranet_client: Any, org: dict[str, Any]) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"], anonymous=False)
    await answer_round(intranet, survey_id, org["tiny_people"], version, mood=2)
    response = await intranet_client.get(f"/surveys/{survey_id}/results.csv", headers=EN)
    rows = list(csv.reader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert rows[0][:2] == ["Name", "E-mail"] and {r[1] for r in rows[1:]} == {"lille0@example.org",
                                                                            "lille1@example.org"}


async def test_trends_across_the_rounds_of_a_pulse(intranet: Any, intranet_client: Any,
                                                   org: dict[str, Any]) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"], repeat_weeks=1,
                                           round_days=5, title="Weekly pulse")
    people = org["north_people"] + org["south_people"]
    for week, mood in enumerate((2, 3, 5)):
        if week:
            await go_back_in_time(survey_id, 7)
            done = await surveys.run_rounds(intranet)
            assert done["opened"] == 1
        await answer_round(intranet, survey_id, people[:10], version, mood=mood,
                           office=lambda i: "yes" if i < 5 else "no", days="one")
    rounds = await surveys.rounds_of(survey_id)
    assert [r["number"] for r in rounds] == [1, 2, 3]
    survey = await surveys.get_survey(survey_id)
    found = {t.question.key: t for t in await results.trends(intranet, survey)}  # type: ignore[arg-type]
    assert [p.value for p in found["mood"].points] == [2.0, 3.0, 5.0]
    assert [p.value for p in found["office"].points] == [50.0, 50.0, 50.0]
    assert [p.value for p in found["nps"].points] == [0.0, 0.0, 0.0]
    page = await intranet_client.get(f"/surveys/{survey_id}/results?round=2", headers=EN)
    assert "Across the rounds" in page.text and 'value="2" selected' in page.text
    assert (await intranet_client.get(f"/surveys/{survey_id}/results?round=9")).status_code == 404


async def test_results_pages_hear_of_each_released_group_live(intranet: Any, intranet_client: Any,
                                                              org: dict[str, Any]) -> None:
    hr = await hr_client(intranet, intranet_client)
    survey_id, version = await make_survey(intranet, hr.id, [f"unit:{org['district']}"])
    live = live_feed(intranet.litestar)
    assert live is not None
    heard: list[str | None] = []
    round_row = await surveys.open_round(survey_id)
    assert round_row is not None

    async def listen() -> None:
        async with live.topic_subscription(f"surveys.results:{survey_id}", lifetime=5, heartbeat=10) as events:
            async for data in events:
                heard.append(data)
                return

    listener = asyncio.create_task(listen())
    await asyncio.sleep(0.1)
    await answer_round(intranet, survey_id, org["north_people"][:4], version)
    await asyncio.sleep(0.1)
    assert heard == []  # four answers: nothing released, nothing told
    await answer_round(intranet, survey_id, org["north_people"][4:5], version)
    await asyncio.wait_for(listener, 5)
    assert heard == [str(round_row["id"])]
    fragment = await intranet_client.get(f"/surveys/{survey_id}/results/fragment", headers=EN)
    assert fragment.status_code == 200 and "<html" not in fragment.text and "I enjoy my work" in fragment.text
