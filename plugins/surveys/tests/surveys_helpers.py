"""Building blocks shared by the surveys tests: people, units and questionnaires."""

from __future__ import annotations

from typing import Any

from intranet_surveys.questionnaire import Condition, Definition, Option, Question, Section

from intranet_core.people.service import add_membership, create_person, create_unit

EN = {"Accept-Language": "en"}
DA = {"Accept-Language": "da"}


async def make_unit(intranet: Any, name: str, parent: int | None = None, kind: str = "district") -> int:
    return await create_unit(intranet, name=name, kind=kind, parent_id=parent, actor_id=None)


async def make_people(intranet: Any, count: int, unit: int | None, prefix: str = "person") -> list[int]:
    ids = []
    for index in range(count):
        person = await create_person(
            intranet, actor_id=None, fields={"email": f"{prefix}{index}@example.org", "name": f"{prefix} {index}"},
            unit_id=unit,
        )
        ids.append(person.id)
    return ids


async def join(intranet: Any, person: int, unit: int) -> None:
    await add_membership(intranet, person, unit, actor_id=None, is_primary=True)


def sample_definition(title: str = "How are we doing?") -> Definition:
    """Every built-in type, two sections, and a condition within a section and across sections."""
    return Definition(
        title=title,
        description="A few questions about **work**.",
        sections=[
            Section(key="s1", title="Work", questions=[
                Question(key="mood", type="scale", label="I enjoy my work", required=True),
                Question(key="office", type="yesno", label="Do you work at the office?", required=True),
                Question(key="days", type="single", label="How many days at the office?", required=True,
                         options=[Option(value="one", label="One"), Option(value="more", label="More")],
                         show_if=Condition(question="office", values=["yes"])),
                Question(key="tools", type="multiple", label="Which tools do you use?",
                         options=[Option(value="mail", label="Mail"), Option(value="chat", label="Chat"),
                                  Option(value="phone", label="Phone")]),
            ]),
            Section(key="s2", title="More", questions=[
                Question(key="nps", type="nps", label="Would you recommend us?", required=True),
                Question(key="why", type="text", label="Why do you work from home?",
                         show_if=Condition(question="office", values=["no"])),
                Question(key="start", type="date", label="When did you start?"),
                Question(key="comment", type="text", label="Anything else?"),
            ]),
        ],
    )


async def make_questionnaire(intranet: Any, definition: Definition | None = None) -> Any:
    from intranet_surveys import service

    created = await service.create_questionnaire(intranet, definition=definition or sample_definition(),
                                                 created_by=None)
    version = await service.current_version(created.id)
    assert version is not None
    return created, version


async def make_survey(intranet: Any, creator: int, audience: list[str], *, anonymous: bool = True,
                      definition: Definition | None = None, **timing: Any) -> tuple[int, Any]:
    """A survey open now (unless ``opens_at`` says otherwise); returns its id and the questionnaire's version."""
    import datetime

    from intranet_surveys import surveys

    created, version = await make_questionnaire(intranet, definition)
    plan = surveys.SurveyPlan(
        title=timing.pop("title", "Pulse"), questionnaire_id=created.id, audience=audience, anonymous=anonymous,
        opens_at=timing.pop("opens_at", datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)),
        **timing,
    )
    survey_id = await surveys.create_survey(intranet, plan, created_by=creator)
    return survey_id, version


def full_answer(version: Any, mood: int = 4, office: str = "no", **more: Any) -> Any:
    from intranet_surveys import service

    answers: dict[str, Any] = {"mood": mood, "office": office, "nps": more.pop("nps", 8), **more}
    return service.Submission(version_id=version.id, answers=answers)


async def go_back_in_time(survey_id: int, days: float) -> None:
    """Move a survey and its rounds ``days`` into the past, as if that much time had passed."""
    import datetime

    from intranet_surveys.tables import Round, Survey

    shift = datetime.timedelta(days=days)
    survey = await Survey.select(Survey.opens_at).where(Survey.id == survey_id).first().run()
    await Survey.update({Survey.opens_at: survey["opens_at"] - shift}).where(Survey.id == survey_id).run()
    for row in await Round.select().where(Round.survey == survey_id).run():
        values: dict[Any, Any] = {Round.opens_at: row["opens_at"] - shift, Round.closes_at: row["closes_at"] - shift}
        for column in ("opened_at", "reminder_at", "reminded_at", "closed_at"):
            if row[column] is not None:
                values[getattr(Round, column)] = row[column] - shift
        await Round.update(values).where(Round.id == row["id"]).run()


async def answer_round(intranet: Any, survey_id: int, people: list[int], version: Any, **answers: Any) -> None:
    from intranet_surveys import surveys

    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    assert survey is not None and round_row is not None
    for index, person in enumerate(people):
        values = {key: (value(index) if callable(value) else value) for key, value in answers.items()}
        await surveys.answer(intranet, survey, round_row["id"], person, full_answer(version, **values))
