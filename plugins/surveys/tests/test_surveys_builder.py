"""The builder, as HR uses it: a new survey, its questions without JavaScript, the preview, sending it, versions."""

from __future__ import annotations

import re
from typing import Any

import pytest
from intranet_surveys import service, surveys
from intranet_surveys.tables import QuestionnaireVersion, Round, Survey
from surveys_helpers import EN, join, make_people, make_unit

from intranet_core.audit.tables import AuditEntry
from intranet_core.testing import csrf_token_of, sign_in


def form_fields(html: str) -> dict[str, list[str]]:
    """What a browser would send from the builder's form, as it stands."""
    html = html[html.index("data-builder"):]
    html = html[: html.index("</form>")]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html):
        fields.setdefault(name, []).append(value.replace("&#34;", '"').replace("&quot;", '"').replace("&amp;", "&"))
    for name, value in re.findall(r'<input id="[^"]*" name="([^"]+)"(?: [^>]*?)? value="([^"]*)"', html):
        fields.setdefault(name, []).append(value.replace("&amp;", "&"))
    for name, value in re.findall(r'<textarea id="[^"]*" name="([^"]+)"[^>]*>([^<]*)</textarea>', html):
        fields.setdefault(name, []).append(value.replace("&amp;", "&"))
    for name, body in re.findall(r'<select id="[^"]*" name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        fields[name] = re.findall(r'<option value="([^"]+)" selected>', body)
        if not fields[name]:
            del fields[name]
    for name in re.findall(r'<input type="checkbox" name="([^"]+)" checked>', html):
        fields[name] = ["on"]
    return fields


async def post_builder(client: Any, survey_id: int, page: Any, changes: dict[str, Any], action: str = "save") -> Any:
    fields = form_fields(page.text)
    for key, value in changes.items():
        if value is None:
            fields.pop(key, None)
        else:
            fields[key] = value if isinstance(value, list) else [value]
    fields["action"] = [action]
    fields["_csrf_token"] = [csrf_token_of(page.text)]
    return await client.post(f"/surveys/{survey_id}/questions", data=fields, headers=EN)


@pytest.fixture
async def hr(intranet: Any, intranet_client: Any) -> Any:
    return await sign_in(intranet_client, intranet.litestar, "hr@example.org", name="HR", roles=[("hr", None)])


async def test_hr_builds_previews_and_sends_a_survey(intranet: Any, intranet_client: Any, hr: Any) -> None:
    unit = await make_unit(intranet, "Hovedkontoret")
    staff = await make_people(intranet, 6, unit, prefix="hk")
    await join(intranet, hr.id, unit)
    new = await intranet_client.get("/surveys/new", headers=EN)
    assert new.status_code == 200
    # A title is needed: the form comes back with the message, nothing is made.
    response = await intranet_client.post("/surveys/new", headers=EN, data={
        "_csrf_token": csrf_token_of(new.text), "title": "", "start": "blank"})
    assert response.status_code == 400 and "Give the survey a title." in response.text
    assert await Survey.count().run() == 0
    response = await intranet_client.post("/surveys/new", headers=EN, data={
        "_csrf_token": csrf_token_of(new.text), "title": "Kantinen", "start": "blank"})
    assert response.status_code == 303
    survey_id = int(response.headers["location"].split("/")[2])
    survey = await surveys.get_survey(survey_id)
    assert survey is not None and survey["draft"]
    # A draft is seen by nobody else.
    assert await surveys.visible_survey(intranet, hr, survey_id) is None

    page = await intranet_client.get(f"/surveys/{survey_id}/questions", headers=EN)
    assert page.status_code == 200 and 'name="s0q0.label"' in page.text
    # Add a question (no JavaScript: the form comes back with it, nothing saved).
    page = await post_builder(intranet_client, survey_id, page, {}, action="add_question:0")
    assert page.status_code == 200 and "Not saved yet" in page.text and 'name="s0q1.label"' in page.text
    # Saving with its text missing: refused, with the message.
    refused = await post_builder(intranet_client, survey_id, page, {"s0q1.type": "single"})
    assert refused.status_code == 400 and "Every question needs a text." in refused.text
    saved = await post_builder(intranet_client, survey_id, page, {
        "s0q0.label": "The food is good", "s0q1.label": "What do you eat?", "s0q1.type": "single",
        "s0q1.options": "Salad\nSoup\nPasta",
    })
    assert saved.status_code == 303
    version = await service.current_version(int(survey["questionnaire"]))
    assert version is not None and version.number == 1
    question = version.definition.question(version.definition.questions()[1].key)
    assert question is not None and [o.label for o in question.options] == ["Salad", "Soup", "Pasta"]

    # A condition on the saved options: "why soup?" only for soup.
    page = await intranet_client.get(f"/surveys/{survey_id}/questions", headers=EN)
    soup = [o.value for o in question.options if o.label == "Soup"]
    page = await post_builder(intranet_client, survey_id, page, {}, action="add_question:0")
    saved = await post_builder(intranet_client, survey_id, page, {
        "s0q2.label": "Why soup?", "s0q2.type": "text", "s0q2.show_if": [f"{question.key}={soup[0]}"],
    })
    assert saved.status_code == 303
    version = await service.current_version(int(survey["questionnaire"]))
    assert version is not None and version.number == 1  # no answers yet: changed in place
    why = version.definition.questions()[2]
    assert why.show_if is not None and why.show_if.values == soup
    # The options kept their values.
    assert [o.value for o in version.definition.questions()[1].options] == [o.value for o in question.options]

    preview = await intranet_client.get(f"/surveys/{survey_id}/preview", headers=EN)
    assert preview.status_code == 200 and "Nothing you enter here is stored." in preview.text
    done = await intranet_client.post(f"/surveys/{survey_id}/preview", headers=EN, data={
        "_csrf_token": csrf_token_of(preview.text), "_step": "0", "q." + version.definition.questions()[0].key: "4",
        "q." + question.key: soup[0], "q." + why.key: "Warm",
    })
    assert done.status_code == 200 and "That was the last page." in done.text
    assert not await service.has_answers(version.id)

    # Send it to the head office, anonymous, open now.
    settings = await intranet_client.get(f"/surveys/{survey_id}/settings", headers=EN)
    assert settings.status_code == 200 and f'value="unit:{unit}"' in settings.text
    token = csrf_token_of(settings.text)
    bad = await intranet_client.post(f"/surveys/{survey_id}/settings", headers=EN, data={
        "_csrf_token": token, "title": "Kantinen", "opens_on": "2020-01-01", "round_days": "7",
        "repeat_weeks": "0", "reminder_days": "9", "anonymous": "on",
    })
    assert bad.status_code == 400
    assert "Choose who the survey is for." in bad.text and "cannot open in the past" in bad.text
    assert await Round.count().run() == 0
    today = re.search(r'name="opens_on" type="date" required value="([^"]+)"', settings.text)
    assert today is not None
    sent = await intranet_client.post(f"/surveys/{survey_id}/settings", headers=EN, data={
        "_csrf_token": token, "title": "Kantinen", "audience": f"unit:{unit}", "opens_on": today.group(1),
        "round_days": "7", "repeat_weeks": "0", "reminder_days": "2", "anonymous": "on", "announce": "on",
    })
    assert sent.status_code == 303, sent.text
    assert await surveys.open_round(survey_id) is not None
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action).run()}
    assert {"surveys.survey_create", "surveys.questionnaire_save", "surveys.survey_send"} <= actions

    # Someone answers; the next save makes version 2, and the answer keeps version 1.
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    first_key = version.definition.questions()[0].key
    await surveys.answer(intranet, survey, round_row["id"], staff[0],  # type: ignore[index,arg-type]
                         service.Submission(version_id=version.id, answers={first_key: 2}))
    page = await intranet_client.get(f"/surveys/{survey_id}/questions", headers=EN)
    assert "saving makes a new version" in page.text
    saved = await post_builder(intranet_client, survey_id, page, {"s0q0.label": "The food is very good"})
    assert saved.status_code == 303
    newest = await service.current_version(int(survey["questionnaire"]))  # type: ignore[index]
    assert newest is not None and newest.number == 2
    assert await QuestionnaireVersion.count().run() == 2
    assert (await service.get_version(version.id)).definition.questions()[0].label == "The food is good"  # type: ignore[union-attr]


async def test_builder_moves_and_removes_questions(intranet: Any, intranet_client: Any, hr: Any) -> None:
    new = await intranet_client.get("/surveys/new", headers=EN)
    response = await intranet_client.post("/surveys/new", headers=EN, data={
        "_csrf_token": csrf_token_of(new.text), "title": "Temperature", "start": "temperature"})
    survey_id = int(response.headers["location"].split("/")[2])
    page = await intranet_client.get(f"/surveys/{survey_id}/questions", headers=EN)
    labels = re.findall(r'name="s0q\d\.label"[^>]*>([^<]*)<', page.text)
    assert labels[0] == "How often do you use the intranet?"
    moved = await post_builder(intranet_client, survey_id, page, {}, action="down:0:0")
    labels_after = re.findall(r'name="s0q\d\.label"[^>]*>([^<]*)<', moved.text)
    assert labels_after[:2] == [labels[1], labels[0]]
    removed = await post_builder(intranet_client, survey_id, moved, {}, action="remove:0:0")
    assert len(re.findall(r'name="s0q\d\.label"', removed.text)) == len(labels) - 1
    with_page = await post_builder(intranet_client, survey_id, removed, {}, action="add_section")
    assert 'name="s3.key"' in with_page.text
    unknown = await post_builder(intranet_client, survey_id, page, {}, action="explode:1")
    assert unknown.status_code == 400


async def test_only_those_who_may_create_surveys_reach_the_builder(intranet: Any, intranet_client: Any) -> None:
    [creator] = await make_people(intranet, 1, None, prefix="maker")
    created = await service.create_questionnaire(
        intranet, definition=__import__("surveys_helpers").sample_definition(), created_by=creator)
    survey_id = await surveys.create_draft(intranet, title="Secret", questionnaire_id=created.id,
                                           created_by=creator)
    await sign_in(intranet_client, intranet.litestar, "someone@example.org", name="Someone")
    assert (await intranet_client.get("/surveys/new")).status_code == 403
    assert (await intranet_client.get("/surveys/manage")).status_code == 403
    for path in ("questions", "preview", "settings", "results"):
        assert (await intranet_client.get(f"/surveys/{survey_id}/{path}")).status_code == 404, path
    assert (await intranet_client.get(f"/surveys/{survey_id}")).status_code == 404
