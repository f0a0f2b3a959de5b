"""Questionnaires: definitions, versions, the form page by page, conditions, and the service other plugins use."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
import pytest
from intranet_surveys import service
from intranet_surveys.questionnaire import Condition, Definition, Option, Question, Section
from intranet_surveys.questions import MultipleChoice, QuestionType, Stored, question_types
from intranet_surveys.tables import Answer, QuestionnaireVersion, Response
from surveys_helpers import make_people, sample_definition

from intranet_core import hookimpl


def answers_form(step: int, go: str = "next", **answers: Any) -> dict[str, Any]:
    form: dict[str, Any] = {"_step": str(step), "_go": go}
    for key, value in answers.items():
        form[f"q.{key}"] = value if isinstance(value, list) else [value]
    return form


async def test_a_definition_with_problems_is_refused(intranet: Any) -> None:
    broken = Definition(title="", sections=[Section(key="s", questions=[
        Question(key="a", type="single", label="Pick", options=[Option(value="x", label="X")]),
        Question(key="b", type="teleport", label="Where to?"),
        Question(key="c", type="text", label="Why?", show_if=Condition(question="d", values=["yes"])),
        Question(key="d", type="yesno", label="Sure?"),
        Question(key="e", type="text", label="Really?", show_if=Condition(question="d", values=["maybe"])),
    ])])
    with pytest.raises(service.QuestionnaireError) as caught:
        await service.create_questionnaire(intranet, definition=broken, created_by=None)
    problems = " | ".join(caught.value.problems)
    assert "title" in problems
    assert "two options" in problems
    assert "unknown type" in problems
    assert "earlier question" in problems
    assert "not answers to Sure?" in problems


async def test_editing_a_questionnaire_with_answers_makes_a_new_version(intranet: Any) -> None:
    [person] = await make_people(intranet, 1, None)
    created = await service.create_questionnaire(intranet, definition=sample_definition(), created_by=None)
    first = await service.current_version(created.id)
    assert first is not None and first.number == 1

    # Unanswered: changed in place.
    changed = msgspec.structs.replace(sample_definition(), title="Renamed")
    second = await service.save_definition(intranet, created.id, changed, actor_id=None)
    assert (second.id, second.number) == (first.id, 1)

    submission = service.Submission(version_id=first.id, answers={"mood": 4, "office": "no", "nps": 9})
    await service.store_answers(intranet, submission, person_id=person, context="test:1")
    assert await service.has_answers(first.id)

    # Answered: a new version; the answer keeps the old one, whose definition is unchanged.
    third = await service.save_definition(
        intranet, created.id, msgspec.structs.replace(changed, title="Third"), actor_id=None
    )
    assert third.number == 2 and third.id != first.id
    assert (await service.current_version(created.id)).id == third.id  # type: ignore[union-attr]
    old = await service.get_version(first.id)
    assert old is not None and old.definition.title == "Renamed"
    [stored] = await service.answers_of(context="test:1")
    assert stored.version_id == first.id
    assert [v.number for v in await service.versions_of(created.id)] == [1, 2]
    assert await QuestionnaireVersion.count().where(QuestionnaireVersion.questionnaire == created.id).run() == 2


async def test_the_form_goes_page_by_page_and_conditions_are_decided_on_the_server(intranet: Any) -> None:
    created = await service.create_questionnaire(intranet, definition=sample_definition(), created_by=None)
    version = await service.current_version(created.id)
    assert version is not None

    state = service.start(intranet, version)
    assert state.section == 0 and state.page == (1, 2)
    # "days" depends on a question on the same page: shown, with the condition for the script.
    shown = [q.key for q in state.shown_questions()]
    assert shown == ["mood", "office", "days", "tools"]
    assert state.condition_of(version.definition.question("days")) is not None  # type: ignore[arg-type]

    # Required questions left empty: the same page, with a message for each.
    state = service.advance(intranet, version, answers_form(0))
    assert state.section == 0 and set(state.errors) == {"mood", "office"}
    assert state.submission is None

    # Not a possible answer: refused.
    state = service.advance(intranet, version, answers_form(0, mood="9", office="yes", days="one"))
    assert set(state.errors) == {"mood"}

    # "No" at the office: "days" is hidden and its answer dropped; page 2 shows "why".
    state = service.advance(intranet, version, answers_form(0, mood="4", office="no", days="more",
                                                              tools=["mail", "chat"]))
    assert state.errors == {} and state.section == 1
    assert "days" in state.hidden and "days" not in state.values
    assert [q.key for q in state.shown_questions()] == ["nps", "why", "start", "comment"]
    carried = dict(state.carried())
    assert carried["q.mood"] == "4" and "q.days" not in carried
    assert ("q.tools", "mail") in state.carried() and ("q.tools", "chat") in state.carried()

    # "Yes": "why" (on the next page) is not even shown.
    yes = service.advance(intranet, version, answers_form(0, mood="4", office="yes", days="one"))
    assert yes.section == 1 and "why" in yes.hidden
    assert [q.key for q in yes.shown_questions()] == ["nps", "start", "comment"]

    # Back keeps what was entered.
    back = service.advance(intranet, version, {**answers_form(1, go="back", mood="4", office="no"), "q.nps": ["7"]})
    assert back.section == 0 and back.values["nps"] == ["7"] and back.errors == {}

    # The last page: a bad date, then everything valid -> a typed submission.
    last = service.advance(intranet, version, answers_form(1, mood="4", office="no", tools=["chat"], nps="10",
                                                           why="Quiet", start="31-31-2020"))
    assert last.section == 1 and set(last.errors) == {"start"}
    done = service.advance(intranet, version, answers_form(1, mood="4", office="no", tools=["chat"], nps="10",
                                                           why="Quiet", start="2020-03-01", days="one"))
    assert done.errors == {}
    assert done.submission is not None
    assert done.submission.answers == {
        "mood": 4, "office": "no", "tools": ["chat"], "nps": 10, "why": "Quiet",
        "start": datetime.date(2020, 3, 1),
    }


async def test_a_tampered_earlier_page_is_caught_at_the_end(intranet: Any) -> None:
    created = await service.create_questionnaire(intranet, definition=sample_definition(), created_by=None)
    version = await service.current_version(created.id)
    assert version is not None
    # Page 2 sent with page 1's required answer removed from the hidden fields.
    state = service.advance(intranet, version, answers_form(1, office="no", nps="5"))
    assert state.submission is None and state.section == 0 and "mood" in state.errors


async def test_render_form_shows_the_page_with_its_hidden_fields(intranet: Any, intranet_client: Any) -> None:
    created = await service.create_questionnaire(intranet, definition=sample_definition(), created_by=None)
    version = await service.current_version(created.id)
    assert version is not None
    html = str(service.render_form(intranet, service.start(intranet, version)))
    assert 'name="q.mood"' in html and 'name="_step" value="0"' in html
    assert "<strong>work</strong>" in html  # the description as markdown
    assert 'data-show-if="q.office"' in html and 'data-show-values="yes"' in html
    assert "Answer this if you answered Yes to" in html
    assert "<script" not in html
    state = service.advance(intranet, version, answers_form(0, mood="2", office="no"))
    html = str(service.render_form(intranet, state))
    assert 'type="hidden" name="q.mood" value="2"' in html and 'value="back"' in html


async def test_named_answers_are_stored_and_read_back(intranet: Any) -> None:
    [anna, bo] = await make_people(intranet, 2, None)
    created = await service.create_questionnaire(intranet, definition=sample_definition(), created_by=None,
                                                 owner="onboarding")
    version = await service.current_version(created.id)
    assert version is not None
    submission = service.Submission(version_id=version.id, answers={
        "mood": 5, "office": "yes", "days": "more", "tools": ["mail", "phone"], "nps": 8,
        "start": datetime.date(2024, 1, 2), "comment": "Fine",
    })
    await service.store_answers(intranet, submission, person_id=anna, context="onboarding.step:3")
    await service.store_answers(intranet, service.Submission(version_id=version.id, answers={"mood": 1}),
                                person_id=bo, context="onboarding.step:3")
    mine = await service.answers_of(context="onboarding.step:3", person_id=anna)
    assert len(mine) == 1 and mine[0].person_id == anna
    assert mine[0].answers["tools"] == [Stored(value="mail"), Stored(value="phone")]
    assert mine[0].answers["mood"] == [Stored(value="5", number=5)]
    assert mine[0].answers["comment"] == [Stored(text="Fine")]
    assert mine[0].answers["start"] == [Stored(value="2024-01-02")]
    assert len(await service.answers_of(context="onboarding.step:3")) == 2
    assert await Response.count().run() == 2
    assert await Answer.count().run() == 9
    with pytest.raises(ValueError):
        await service.store_answers(intranet, submission, person_id=anna, context="")
    for wrong in ({"mood": 6}, {"tools": ["fax"]}, {"nobody": "asked"}):
        with pytest.raises(ValueError):
            await service.store_answers(intranet, service.Submission(version_id=version.id, answers=wrong),
                                        person_id=anna, context="onboarding.step:3")
    assert await Response.count().run() == 2




class StarPlugin:
    @hookimpl
    def register_survey_question_types(self, app: Any) -> list[QuestionType]:
        class ThreeStars(QuestionType):
            name = "stars"
            template = "surveys/questions/single.html"

            def label(self) -> str:
                return "Stars"

            def value_type(self, question: Any, max_text: int) -> Any:
                from typing import Annotated

                return Annotated[int, msgspec.Meta(ge=1, le=3)]

            def categories(self, question: Any) -> list[tuple[str, str]]:
                return [("1", "*"), ("2", "**"), ("3", "***")]

            def store(self, question: Any, value: Any) -> list[Stored]:
                return [Stored(value=str(value), number=int(value))]

        return [ThreeStars()]


@pytest.fixture
def intranet_plugins() -> list[Any]:
    import intranet_surveys.plugin

    return [("surveys", intranet_surveys.plugin), ("stars", StarPlugin())]


async def test_another_plugin_adds_a_question_type_through_the_hook(intranet: Any) -> None:
    types = question_types(intranet)
    assert set(types) >= {"single", "multiple", "scale", "nps", "yesno", "text", "date", "stars"}
    definition = Definition(title="Rate", sections=[Section(key="s", questions=[
        Question(key="rating", type="stars", label="How many stars?", required=True),
        Question(key="why", type="text", label="Why three?", show_if=Condition(question="rating", values=["3"])),
    ])])
    created = await service.create_questionnaire(intranet, definition=definition, created_by=None)
    version = await service.current_version(created.id)
    assert version is not None
    assert service.advance(intranet, version, answers_form(0, rating="4")).errors.keys() == {"rating"}
    done = service.advance(intranet, version, answers_form(0, rating="3", why="Great"))
    assert done.submission is not None and done.submission.answers == {"rating": 3, "why": "Great"}
    html = str(service.render_form(intranet, service.start(intranet, version)))
    assert 'value="3"' in html and "***" in html


def test_several_choices_read_in_the_order_of_the_options_whatever_order_they_were_stored_in() -> None:
    # Anonymous answers have random ids, so rows arrive in any order.
    question = sample_definition().question("tools")
    assert question is not None
    kind = MultipleChoice()
    rows = [Stored(value="phone"), Stored(value="chat"), Stored(value="mail")]
    assert kind.display(question, rows) == "Mail; Chat; Phone"
    assert kind.display(question, list(reversed(rows))) == "Mail; Chat; Phone"
