"""Rounds through the core's periodic tasks: pulses every N weeks, reminders by e-mail (a real SMTP server)."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from intranet_surveys import surveys
from intranet_surveys.tables import Round
from surveys_helpers import answer_round, go_back_in_time, make_people, make_survey, make_unit

from intranet_core.feed.tables import Post
from intranet_core.notifications.tables import Notification
from intranet_core.people.tables import Person
from intranet_core.tasks import service as tasks
from intranet_core.testing import Mailbox, body_of, database_url_for_tests, mail_settings, make_settings


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    sections: dict[str, Any] = {
        "site": {"default_language": "en", "base_url": "https://intranet.example.org"},
        "mail": mail_settings(mailbox),
        "tasks": {"scheduler": False},
    }
    sections["uploads"] = {"directory": str(tmp_path / "uploads")}
    return make_settings(database_url_for_tests(tmp_path), **sections)


@pytest.fixture
async def team(intranet: Any) -> dict[str, Any]:
    unit = await make_unit(intranet, "Sydjylland")
    people = await make_people(intranet, 8, unit, prefix="syd")
    [hr] = await make_people(intranet, 1, None, prefix="hr")
    return {"unit": unit, "people": people, "hr": hr}


async def emails(ids: list[int]) -> list[str]:
    return [r["email"] for r in await Person.select(Person.email).where(Person.id.is_in(ids)).run()]


async def test_reminders_go_through_the_scheduler_to_those_who_have_not_answered(
    intranet: Any, intranet_client: Any, team: dict[str, Any], mailbox: Mailbox
) -> None:
    survey_id, version = await make_survey(intranet, team["hr"], [f"unit:{team['unit']}"], title="Arbejdsmiljø",
                                           round_days=7, reminder_days=2)
    answered, waiting = team["people"][:3], team["people"][3:]
    await answer_round(intranet, survey_id, answered, version)
    opened_mail = len(mailbox.messages)
    assert opened_mail == 0  # "a survey for you opens" comes in the daily digest by default
    assert await Notification.count().where(Notification.kind == "surveys.opened").run() == 8

    # The surveys' task alone (on SQLite the core's daily statistics task is due as well).
    rounds = [task for task in tasks.registered_tasks(intranet) if task.name == "surveys.rounds"]
    assert await tasks.run_due(intranet, rounds) == ["surveys.rounds"]
    assert await Notification.count().where(Notification.kind == "surveys.reminder").run() == 0

    # Two days before the round closes: the next run sends the reminder, once.
    await go_back_in_time(survey_id, 5.1)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10)
    assert await tasks.run_due(intranet, rounds, moment=later) == ["surveys.rounds"]
    reminded = {r["person"] for r in await Notification.select(Notification.person).where(
        Notification.kind == "surveys.reminder").run()}
    assert reminded == set(waiting)
    reminder_mails = mailbox.messages[opened_mail:]
    assert sorted(m["To"] for m in reminder_mails) == sorted(await emails(waiting))
    body = body_of(reminder_mails[0])
    assert "Reminder: Arbejdsmiljø" in reminder_mails[0]["Subject"]
    assert "https://intranet.example.org/surveys/" in body
    for address in await emails(answered):
        assert address not in body
    # Nothing twice: another run, even forced, finds the reminder sent.
    await surveys.run_rounds(intranet)
    assert await tasks.run_due(intranet, rounds, moment=later + datetime.timedelta(minutes=10)) == [
        "surveys.rounds"]
    assert await Notification.count().where(Notification.kind == "surveys.reminder").run() == len(waiting)
    assert len(mailbox.messages) == opened_mail + len(waiting)


async def test_a_pulse_opens_a_new_round_every_n_weeks_and_announces_each(
    intranet: Any, team: dict[str, Any], mailbox: Mailbox
) -> None:
    survey_id, version = await make_survey(intranet, team["hr"], [f"unit:{team['unit']}"], title="Puls",
                                           repeat_weeks=2, round_days=7)
    await answer_round(intranet, survey_id, team["people"][:5], version)
    assert await Post.count().run() == 1
    # Eight days on: the first round has closed, the second is not due.
    await go_back_in_time(survey_id, 8)
    done = await surveys.run_rounds(intranet)
    assert done == {"opened": 0, "closed": 1, "reminded": 0}
    assert await surveys.open_round(survey_id) is None
    assert (await surveys.next_round(survey_id)) is None  # planned only when due
    # Two weeks after the start: round 2 opens, with its own post and notices.
    await go_back_in_time(survey_id, 6.1)
    done = await surveys.run_rounds(intranet)
    assert done["opened"] == 1
    current = await surveys.open_round(survey_id)
    assert current is not None and current["number"] == 2
    assert await Post.count().run() == 2
    assert await Notification.count().where(Notification.kind == "surveys.opened").run() == 16
    # The same people answer again in the new round.
    await answer_round(intranet, survey_id, team["people"][:5], version)
    assert await surveys.respondents(current["id"]) == 5


async def test_rounds_missed_while_nothing_ran_are_not_opened_after_the_fact(intranet: Any,
                                                                            team: dict[str, Any]) -> None:
    survey_id, _version = await make_survey(intranet, team["hr"], [f"unit:{team['unit']}"], repeat_weeks=1,
                                            round_days=3)
    await go_back_in_time(survey_id, 7 * 5 + 1)
    await surveys.run_rounds(intranet)
    numbers = [r["number"] for r in await Round.select(Round.number).where(Round.survey == survey_id).order_by(
        Round.number).run()]
    assert numbers == [1, 6]


async def test_stopping_a_pulse_closes_it_and_opens_no_more(intranet: Any, team: dict[str, Any]) -> None:
    survey_id, _version = await make_survey(intranet, team["hr"], [f"unit:{team['unit']}"], repeat_weeks=1,
                                            round_days=3)
    await surveys.stop_survey(intranet, survey_id, actor_id=team["hr"])
    assert await surveys.open_round(survey_id) is None
    await go_back_in_time(survey_id, 15)
    await surveys.run_rounds(intranet)
    assert await Round.count().where(Round.survey == survey_id).run() == 1
