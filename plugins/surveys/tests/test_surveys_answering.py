"""Answering a survey over HTTP: who sees it, the form page by page, errors, once only; the announcement."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from intranet_surveys import service, surveys
from intranet_surveys.questionnaire import Condition, Definition, Option, Question, Section
from intranet_surveys.tables import AnonResponse, Participation, Response
from surveys_helpers import EN, join, make_people, make_questionnaire, make_survey, make_unit

from intranet_core import hookimpl
from intranet_core.contributions import AudienceChoice
from intranet_core.feed.tables import Post, PostAudience
from intranet_core.notifications.tables import Notification
from intranet_core.testing import csrf_token_of, sign_in


@pytest.fixture
async def setup(intranet: Any) -> dict[str, Any]:
    district = await make_unit(intranet, "Fyn")
    other = await make_unit(intranet, "Sjælland")
    people = await make_people(intranet, 6, district, prefix="fyn")
    outsiders = await make_people(intranet, 2, other, prefix="sj")
    [hr] = await make_people(intranet, 1, None, prefix="hr")
    return {"district": district, "other": other, "people": people, "outsiders": outsiders, "hr": hr}


async def answer_over_http(client: Any, survey_id: int, pages: list[dict[str, Any]]) -> Any:
    """Fill in and send each page in turn, carrying the hidden fields like a browser."""
    page = await client.get(f"/surveys/{survey_id}", headers=EN)
    response = page
    for fields in pages:
        form_html = response.text[response.text.index(f'action="/surveys/{survey_id}"'):]
        form_html = form_html[: form_html.index("</form>")]
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html))
        data: list[tuple[str, str]] = [(k, v) for k, v in hidden.items() if k != "_csrf_token"]
        for key, value in fields.items():
            data = [(k, v) for k, v in data if k != f"q.{key}"]
            for item in value if isinstance(value, list) else [value]:
                data.append((f"q.{key}", item))
        data += [("_csrf_token", csrf_token_of(response.text)), ("_go", "next")]
        form: dict[str, list[str]] = {}
        for key, value in data:
            form.setdefault(key, []).append(value)
        response = await client.post(f"/surveys/{survey_id}", data=form, headers=EN)
        if response.status_code != 200:
            break
    return response


async def test_the_audience_answers_once_and_others_do_not_see_the_survey(
    intranet: Any, intranet_client: Any, setup: dict[str, Any]
) -> None:
    survey_id, _version = await make_survey(intranet, setup["hr"], [f"unit:{setup['district']}"], title="Fyn pulse")
    # A member: the survey is listed, on the front page too.
    member = await sign_in(intranet_client, intranet.litestar, "fyn.member@example.org", name="Fyn Member")
    await join(intranet, member.id, setup["district"])
    listing = await intranet_client.get("/surveys", headers=EN)
    assert "Fyn pulse" in listing.text and f"/surveys/{survey_id}" in listing.text
    front = await intranet_client.get("/", headers=EN)
    if front.status_code == 200:
        assert "Open surveys for you" in front.text and "Fyn pulse" in front.text
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=EN)
    assert page.status_code == 200
    assert "Your answers are anonymous." in page.text and 'name="q.mood"' in page.text
    assert page.headers["cache-control"] == "no-store"

    # Page 1 with a required answer missing: the form again, with a message, nothing stored.
    response = await answer_over_http(intranet_client, survey_id, [{"office": "no"}])
    assert response.status_code == 400
    assert "Please answer this question." in response.text and 'role="alert"' in response.text
    assert await Participation.count().run() == 0

    # Both pages: stored, and the page says thank you.
    response = await answer_over_http(intranet_client, survey_id, [
        {"mood": "5", "office": "no", "tools": ["mail", "chat"]},
        {"nps": "9", "why": "Quiet at home", "comment": "Thanks"},
    ])
    assert response.status_code == 303 and response.headers["location"] == f"/surveys/{survey_id}"
    assert await Participation.count().run() == 1 and await AnonResponse.count().run() == 1
    assert await Response.count().run() == 0
    thanks = await intranet_client.get(f"/surveys/{survey_id}", headers=EN)
    assert "Thank you for your answers." in thanks.text and 'name="q.mood"' not in thanks.text

    # A second answer (an old form sent again) is refused.
    again = await intranet_client.post(f"/surveys/{survey_id}", headers=EN, data={
        "_csrf_token": csrf_token_of(thanks.text), "_step": "1", "_go": "next", "q.mood": "1", "q.office": "no",
        "q.nps": "0",
    })
    assert again.status_code == 409 and "already answered" in again.text
    assert await Participation.count().run() == 1

    # Without the CSRF token: refused.
    assert (await intranet_client.post(f"/surveys/{survey_id}", data={"q.mood": "1"})).status_code == 403


async def test_a_person_outside_the_audience_gets_404(intranet: Any, intranet_client: Any,
                                                      setup: dict[str, Any]) -> None:
    survey_id, _version = await make_survey(intranet, setup["hr"], [f"unit:{setup['district']}"], title="Fyn only")
    outsider = await sign_in(intranet_client, intranet.litestar, "sj.out@example.org", name="Outsider")
    await join(intranet, outsider.id, setup["other"])
    assert (await intranet_client.get(f"/surveys/{survey_id}")).status_code == 404
    assert (await intranet_client.get("/surveys/999999")).status_code == 404
    assert "Fyn only" not in (await intranet_client.get("/surveys", headers=EN)).text
    page = await intranet_client.get("/surveys", headers=EN)
    response = await intranet_client.post(f"/surveys/{survey_id}", headers=EN, data={
        "_csrf_token": csrf_token_of(page.text), "_step": "1", "q.mood": "1", "q.office": "no", "q.nps": "0",
    })
    assert response.status_code == 404
    assert await Participation.count().run() == 0


async def test_a_named_survey_stores_the_answer_with_the_person(intranet: Any, intranet_client: Any,
                                                                setup: dict[str, Any]) -> None:
    survey_id, _version = await make_survey(intranet, setup["hr"], ["all"], anonymous=False)
    member = await sign_in(intranet_client, intranet.litestar, "named@example.org", name="Named Person")
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=EN)
    assert "stored with your name" in page.text
    response = await answer_over_http(intranet_client, survey_id, [
        {"mood": "3", "office": "yes", "days": "one"}, {"nps": "6"},
    ])
    assert response.status_code == 303
    rows = await Response.select().run()
    assert len(rows) == 1 and rows[0]["person"] == member.id and rows[0]["context"].startswith("surveys.round:")
    assert await AnonResponse.count().run() == 0


async def test_opening_a_survey_posts_in_the_feed_and_notifies_its_audience(
    intranet: Any, setup: dict[str, Any]
) -> None:
    survey_id, _version = await make_survey(intranet, setup["hr"], [f"unit:{setup['district']}"],
                                            title="Trivsel på Fyn")
    posts = await Post.select(Post.id, Post.title, Post.body, Post.author).run()
    assert len(posts) == 1 and posts[0]["title"] == "Trivsel på Fyn" and posts[0]["author"] == setup["hr"]
    assert f"/surveys/{survey_id}" in posts[0]["body"]
    assert [r["key"] for r in await PostAudience.select(PostAudience.key).run()] == [f"unit:{setup['district']}"]
    notified = {r["person"] for r in await Notification.select(Notification.person).where(
        Notification.kind == "surveys.opened").run()}
    assert notified == set(setup["people"])


class Groups:
    """A plugin with one audience of its own, ``group:1``, holding the people it is given."""

    def __init__(self) -> None:
        self.members: set[int] = set()

    @hookimpl
    def user_audience_keys(self, app: Any, user: Any) -> list[str]:
        return ["group:1"] if user.id in self.members else []

    @hookimpl
    def publishable_audiences(self, app: Any, user: Any) -> list[AudienceChoice]:
        return [AudienceChoice(key="group:1", label="The choir", order=50)] if user.id in self.members else []

    @hookimpl
    def audience_members(self, app: Any, keys: list[str]) -> list[int]:
        return sorted(self.members) if "group:1" in keys else []


@pytest.fixture
def groups() -> Groups:
    return Groups()


@pytest.fixture
def intranet_plugins(groups: Groups) -> list[Any]:
    import intranet_surveys.plugin

    return [("surveys", intranet_surveys.plugin), ("groups", groups)]


async def test_a_survey_to_a_plugin_audience_reaches_its_members_only(
    intranet: Any, intranet_client: Any, setup: dict[str, Any], groups: Groups
) -> None:
    singer = await sign_in(intranet_client, intranet.litestar, "singer@example.org", name="Singer",
                           roles=[("hr", None)])
    groups.members |= {singer.id, setup["people"][0], setup["outsiders"][0]}
    # The group is offered where the survey is sent, since the person may publish to it.
    draft = await surveys.create_draft(intranet, title="Choir", questionnaire_id=(await make_questionnaire(
        intranet))[0].id, created_by=singer.id)
    settings = await intranet_client.get(f"/surveys/{draft}/settings", headers=EN)
    assert 'value="group:1"' in settings.text and "The choir" in settings.text
    survey_id, _version = await make_survey(intranet, singer.id, ["group:1"], title="Choir practice")
    notified = {r["person"] for r in await Notification.select(Notification.person).where(
        Notification.kind == "surveys.opened").run()}
    assert notified == {singer.id, setup["people"][0], setup["outsiders"][0]}
    assert (await intranet_client.get(f"/surveys/{survey_id}")).status_code == 200
    listing = await intranet_client.get("/surveys", headers=EN)
    assert "Choir practice" in listing.text
    groups.members.discard(singer.id)
    assert (await intranet_client.get(f"/surveys/{survey_id}")).status_code == 200  # they still run it
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=EN)
    assert "You are not in this survey's audience." in page.text


async def test_unknown_fields_are_refused_and_labels_are_escaped_everywhere(
    intranet: Any, intranet_client: Any, setup: dict[str, Any]
) -> None:
    hr = await sign_in(intranet_client, intranet.litestar, "hr2@example.org", name="HR", roles=[("hr", None)])
    xss = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    definition = Definition(title=xss, description=xss, sections=[Section(key="s", title=xss, questions=[
        Question(key="pick", type="single", label=xss, help=xss, required=True,
                 options=[Option(value="a", label=xss), Option(value="b", label="B")]),
        Question(key="note", type="text", label="Note", show_if=Condition(question="pick", values=["a"])),
    ])])
    survey_id, version = await make_survey(intranet, hr.id, ["all"], definition=definition, title=xss)
    people = setup["people"]
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    for person in people[:5]:
        await surveys.answer(intranet, survey, round_row["id"], person,  # type: ignore[index,arg-type]
                             service.Submission(version_id=version.id, answers={"pick": "a", "note": xss}))
    for path in (f"/surveys/{survey_id}", f"/surveys/{survey_id}/results", f"/surveys/{survey_id}/questions",
                 f"/surveys/{survey_id}/preview", f"/surveys/{survey_id}/settings", "/surveys/manage", "/surveys"):
        page = await intranet_client.get(path, headers=EN)
        assert page.status_code == 200, path
        assert "<script>alert" not in page.text and "<img src=x" not in page.text, path
    csv_text = (await intranet_client.get(f"/surveys/{survey_id}/results.csv", headers=EN)).text
    rows = list(csv.reader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert rows[0][0] == xss  # a CSV is data: it holds the text as written, served as an attachment
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=EN)
    token = csrf_token_of(page.text)
    for path, data in ((f"/surveys/{survey_id}", {"_step": "0", "q.pick": "a", "admin": "1"}),
                       (f"/surveys/{survey_id}/settings", {"title": "x", "created_by": "1"}),
                       ("/surveys/new", {"title": "x", "start": "blank", "kind": "temperature"}),
                       (f"/surveys/{survey_id}/questions", {"title": "x", "owner": "onboarding"})):
        response = await intranet_client.post(path, data={**data, "_csrf_token": token}, headers=EN)
        assert response.status_code == 400, path
