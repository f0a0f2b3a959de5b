"""Personal data: named answers are exported and erased; anonymous ones hold nothing to find."""

from __future__ import annotations

import json
from typing import Any

from intranet_surveys import service, surveys
from intranet_surveys.tables import AnonResponse, Participation, Response, Survey
from surveys_helpers import full_answer, make_people, make_survey, make_unit

from intranet_core.personal_data.service import erase_person, export_person, leftover_references


async def test_export_and_erase(intranet: Any) -> None:
    unit = await make_unit(intranet, "Midtjylland")
    people = await make_people(intranet, 6, unit, prefix="midt")
    anna = people[0]
    [hr] = await make_people(intranet, 1, None, prefix="hr")
    anonymous_id, version = await make_survey(intranet, hr, [f"unit:{unit}"], title="Anonymous pulse")
    named_id, named_version = await make_survey(intranet, hr, [f"unit:{unit}"], title="Named poll", anonymous=False)
    for survey_id, its_version in ((anonymous_id, version), (named_id, named_version)):
        survey = await surveys.get_survey(survey_id)
        round_row = await surveys.open_round(survey_id)
        for person in people:
            await surveys.answer(intranet, survey, round_row["id"], person,  # type: ignore[index,arg-type]
                                 full_answer(its_version, comment=f"From {person}"))
    await service.store_answers(intranet, service.Submission(version_id=named_version.id, answers={"mood": 2}),
                                person_id=anna, context="onboarding.step:4")

    document = await export_person(intranet, anna, actor_id=None)
    mine = document["plugins"]["surveys"]
    named_round = (await surveys.rounds_of(named_id))[0]["id"]
    assert [a["context"] for a in mine["answers_with_name"]] == [f"surveys.round:{named_round}", "onboarding.step:4"]
    assert mine["answers_with_name"][0]["answers"]["Anything else?"] == f"From {anna}"
    assert {t["survey"] for t in mine["took_part_in"]} == {"Anonymous pulse", "Named poll"}
    # The anonymous answer's text is nowhere in the export.
    text = json.dumps(document, default=str)
    assert text.count(f"From {anna}") == 1

    hr_document = await export_person(intranet, hr, actor_id=None)
    assert {s["title"] for s in hr_document["plugins"]["surveys"]["surveys_created"]} == {"Anonymous pulse",
                                                                                         "Named poll"}

    anonymous_before = await AnonResponse.count().run()
    await erase_person(intranet, anna, actor_id=None)
    await erase_person(intranet, hr, actor_id=None)
    assert await leftover_references(intranet, anna) == {}
    assert await leftover_references(intranet, hr) == {}
    assert await Response.count().where(Response.person == anna).run() == 0
    assert await Participation.count().where(Participation.person == anna).run() == 0
    # The anonymous answers stay (they were never anyone's); the surveys stay, without their maker.
    assert await AnonResponse.count().run() == anonymous_before
    assert await Survey.count().where(Survey.created_by.is_null()).run() == 2
