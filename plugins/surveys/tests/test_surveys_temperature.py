"""The intranet's temperature: usage figures within k, next to the temperature survey's results."""

from __future__ import annotations

import datetime
import re
from collections import Counter
from typing import Any

import pytest
from intranet_surveys import catalog, service, surveys, temperature
from surveys_helpers import EN, make_people, make_unit

from intranet_core.testing import sign_in
from intranet_core.usage.recorder import write_counts


@pytest.fixture
async def usage(intranet: Any) -> dict[str, Any]:
    root = await make_unit(intranet, "Forbundet", kind="organisation")
    big = await make_unit(intranet, "Fyn", parent=root)
    small = await make_unit(intranet, "Bornholm", parent=root)
    quiet = await make_unit(intranet, "Lolland", parent=root)
    big_people = await make_people(intranet, 8, big, prefix="fyn")
    small_people = await make_people(intranet, 3, small, prefix="born")
    quiet_people = await make_people(intranet, 6, quiet, prefix="lol")
    today = temperature.local_today(intranet)
    counts: Counter[Any] = Counter()
    for offset in range(20):
        day = today - datetime.timedelta(days=offset)
        for index, person in enumerate(big_people):
            counts[(person, day, "phone" if index < 6 else "desktop", 8 + index % 3, "feed")] += 2
        for person in small_people:
            counts[(person, day, "tablet", 22, "surveys")] += 1
    counts[(quiet_people[0], today, "desktop", 12, "feed")] += 1
    await write_counts(intranet, counts)
    return {"root": root, "big": big, "small": small, "quiet": quiet, "big_people": big_people}


async def test_the_dashboard_shows_use_within_k(intranet: Any, intranet_client: Any, usage: dict[str, Any]) -> None:
    await sign_in(intranet_client, intranet.litestar, "hr@example.org", name="HR", roles=[("hr", None)])
    page = await intranet_client.get("/surveys/temperature?days=30", headers=EN)
    assert page.status_code == 200
    main = page.text[page.text.index("<main"):]
    # 12 of 18 staff (HR included) used it: 8 in Fyn, 3 on Bornholm, 1 on Lolland.
    assert "of 18 staff used it in the period" in main and "67%" in main
    # Every chart comes with its table.
    assert main.count('<svg class="chart"') == 5
    assert len(re.findall(r"</svg>\s*<div class=\"visually-hidden\"><table>", main)) == 5
    # Tablets (3 people) and the surveys section (3 people) are held back; phones (6) are shown.
    assert re.search(r'<th scope="row">Tablet</th><td colspan="3">fewer than 5</td>', main)
    assert re.search(r'<th scope="row">Surveys</th><td colspan="3">fewer than 5</td>', main)
    assert re.search(r'<th scope="row">Phone</th><td>6</td>', main)
    # Per unit: Bornholm (3 staff) is not listed; Lolland (6 staff, 1 active) is held back; Fyn is shown.
    units = main[main.index('id="units-heading"'):]
    assert "Bornholm" not in units
    assert re.search(r'Lolland</a></th><td class="number">6</td><td class="number"><span class="held-back">', units)
    assert re.search(r"Fyn</a></th><td class=\"number\">8</td><td class=\"number\">100%", units)
    # One unit's figures, or nothing when fewer than k of its people were active.
    fyn = await intranet_client.get(f"/surveys/temperature?days=30&unit={usage['big']}", headers=EN)
    assert "of 8 staff used it in the period" in fyn.text
    lolland = await intranet_client.get(f"/surveys/temperature?days=30&unit={usage['quiet']}", headers=EN)
    assert "its figures are held back" in lolland.text and '<svg class="chart"' not in lolland.text
    assert "No temperature survey has been sent yet." in main


async def test_the_temperature_survey_is_shown_side_by_side(intranet: Any, intranet_client: Any,
                                                           usage: dict[str, Any]) -> None:
    hr = await sign_in(intranet_client, intranet.litestar, "hr@example.org", name="HR", roles=[("hr", None)])
    created = await service.create_questionnaire(intranet, definition=catalog.temperature("en"), created_by=hr.id,
                                                 template="temperature")
    version = await service.current_version(created.id)
    assert version is not None
    plan = surveys.SurveyPlan(title="Temperature 2026", questionnaire_id=created.id, audience=["all"],
                              opens_at=surveys.now() - datetime.timedelta(minutes=1), kind="temperature")
    survey_id = await surveys.create_survey(intranet, plan, created_by=hr.id)
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    assert survey is not None and round_row is not None
    for index, person in enumerate(usage["big_people"][:5]):
        answers = {"frequency": "daily", "device": "phone", "findable": 4, "informed": 3 + index % 2, "recommend": 9,
                   "works": "The phonebook"}
        await surveys.answer(intranet, survey, round_row["id"], person,
                             service.Submission(version_id=version.id, answers=answers))
    page = await intranet_client.get("/surveys/temperature", headers=EN)
    main = page.text[page.text.index("<main"):]
    assert "Temperature 2026" in main and "Net Promoter Score 100" in main
    assert "How often do you use the intranet?" in main
    assert "The phonebook" not in main  # free text stays on the results page


async def test_only_those_who_see_results_see_the_temperature(intranet: Any, intranet_client: Any) -> None:
    await sign_in(intranet_client, intranet.litestar, "member@example.org", name="Member")
    assert (await intranet_client.get("/surveys/temperature")).status_code == 403
