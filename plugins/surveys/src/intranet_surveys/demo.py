"""Demo data: the intranet's temperature taken a month ago, a running pulse in Østjylland, 90 days of use.

* A temperature survey to everyone, anonymous, closed a month ago, with
  about 150 answers (the ready-made questionnaire, in the site's language).
* A wellbeing pulse for Østjylland every two weeks: four closed rounds with
  their answers (so the trend shows), and the current round open with a few
  answers, fewer than k: its results are still hidden, and
  ``member@example.org`` has not answered yet.
* 90 days of page views for most staff (phones in the districts, computers
  at the head office, mornings busiest), through the core's usage recorder.

Answers are written the way :mod:`intranet_surveys.anonymous` writes them
(random ids, days only, released in groups of k); nobody is notified.
Everything is drawn from a fixed seed and placed relative to today.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter
from typing import Any

from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.usage.recorder import write_counts
from intranet_surveys import anonymous, catalog, service, surveys
from intranet_surveys.questionnaire import Definition
from intranet_surveys.tables import AnonAnswer, AnonResponse, Participation, Round, Survey, SurveyAudience

SEED = 2024
PULSE_DISTRICT = "Østjylland"
MEMBER_EMAIL = "member@example.org"
ADMIN_EMAIL = "admin@example.org"
USAGE_DAYS = 90
TEMPERATURE_ANSWERS = 150

WORKS = [
    "Telefonbogen - jeg finder hurtigt en kollega, også fra telefonen.",
    "Nyhederne fra ledelsen er blevet meget bedre.",
    "At jeg kan læse og kommentere nyheder på mobilen.",
    "Gruppen for min kreds, med ferieplan og vejledninger samlet ét sted.",
    "Det er nemt at se, hvem der sidder hvor.",
    "Genvejene til systemerne.",
]
MISSING = [
    "Bedre søgning i dokumenter.",
    "Jeg mangler en oversigt over kommende møder i kredsen.",
    "Notifikationerne er for mange - jeg vil gerne kunne vælge mere fint.",
    "Det er svært at finde vejledningerne fra HR.",
    "En app, eller at siden husker mig længere på telefonen.",
    "Flere nyheder fra de andre kredse.",
]
PULSE_COMMENTS = ["Travlt op til overenskomsten.", "God stemning i teamet.", "Savner mere sparring.",
                  "Fint med det nye mødeformat."]


def _weighted(rng: random.Random, choices: list[tuple[Any, float]]) -> Any:
    return rng.choices([c for c, _w in choices], weights=[w for _c, w in choices])[0]


async def load(intranet: Any) -> list[str]:
    rng = random.Random(SEED)  # noqa: S311 - made-up demo data, not secrets
    people = await Person.select(Person.id, Person.email).where(
        Person.active == True  # noqa: E712 - SQL
    ).order_by(Person.id).run()
    if not people:
        return []
    by_email = {row["email"]: int(row["id"]) for row in people}
    creator = by_email.get(ADMIN_EMAIL, int(people[0]["id"]))
    language = intranet.settings.site.default_language
    await _usage(intranet, rng, [int(p["id"]) for p in people])
    temperature_id = await _temperature(intranet, rng, creator, language, [int(p["id"]) for p in people])
    pulse_id = await _pulse(intranet, rng, creator, language, by_email.get(MEMBER_EMAIL))
    lines = [f"Surveys: the intranet's temperature at /surveys/temperature, its survey at "
             f"/surveys/{temperature_id}/results"]
    if pulse_id is not None:
        lines.append(f"Surveys: a running pulse for {PULSE_DISTRICT} at /surveys/{pulse_id} "
                     f"({MEMBER_EMAIL} has not answered yet)")
    return lines


# --- 90 days of use --------------------------------------------------------------------------


async def _usage(intranet: Any, rng: random.Random, person_ids: list[int]) -> None:
    head_office = await _head_office_people()
    today = anonymous.today(intranet)
    sections = [("feed", 10.0), ("people", 4.0), ("search", 2.0), ("surveys", 1.0), ("notifications", 1.5),
                ("account", 0.5)]
    counts: Counter[Any] = Counter()
    for person in person_ids:
        keen = rng.betavariate(2.2, 1.4)  # how often this person comes by
        office = person in head_office
        phone_share = 0.25 if office else 0.7
        for back in range(USAGE_DAYS):
            day = today - datetime.timedelta(days=back)
            weekend = day.weekday() >= 5
            if rng.random() > keen * (0.15 if weekend else 0.9):
                continue
            for _visit in range(1 + int(rng.random() * 3 * keen)):
                hour = _weighted(rng, [(7, 2), (8, 6), (9, 5), (10, 4), (11, 3), (12, 5), (13, 3), (14, 3),
                                       (15, 2), (16, 2), (19, 1), (21, 1.5)])
                device = "phone" if rng.random() < phone_share else ("tablet" if rng.random() < 0.06 else "desktop")
                counts[(person, day, device, hour, _weighted(rng, sections))] += 1 + int(rng.random() * 4)
    await write_counts(intranet, counts)


async def _head_office_people() -> set[int]:
    office = await Unit.select(Unit.path).where(Unit.name == "Hovedkontoret").first().run()
    if office is None:
        return set()
    rows = await Membership.select(Membership.person).where(Membership.unit.path.like(f"{office['path']}%")).run()
    return {int(r["person"]) for r in rows}


# --- answers, written as the anonymous store writes them -----------------------------------------------


async def _survey(intranet: Any, *, definition: Definition, creator: int, title: str, audience: list[str],
                  kind: str, opens_at: datetime.datetime, round_days: int, repeat_weeks: int,
                  template: str = "") -> tuple[int, service.Version]:
    questionnaire = await service.create_questionnaire(intranet, definition=definition, created_by=creator,
                                                       template=template)
    version = await service.current_version(questionnaire.id)
    assert version is not None
    async with intranet.db.transaction(write=True):
        rows = await Survey.insert(Survey(
            questionnaire=questionnaire.id, title=title, anonymous=True, kind=kind, opens_at=opens_at,
            round_days=round_days, repeat_weeks=repeat_weeks, reminder_days=2 if repeat_weeks else 3,
            announce=True, created_by=creator, created_at=opens_at - datetime.timedelta(days=2),
        )).returning(Survey.id).run()
        survey_id = int(rows[0]["id"])
        await SurveyAudience.insert(*[SurveyAudience(survey=survey_id, key=key) for key in audience]).run()
    return survey_id, version


async def _round(survey_id: int, number: int, opens_at: datetime.datetime, days: int, *, closed: bool) -> int:
    closes_at = opens_at + datetime.timedelta(days=days)
    rows = await Round.insert(Round(
        survey=survey_id, number=number, opens_at=opens_at, closes_at=closes_at, opened_at=opens_at,
        reminder_at=closes_at - datetime.timedelta(days=2), reminded_at=closes_at - datetime.timedelta(days=2)
        if closed else None, closed_at=closes_at if closed else None,
    )).returning(Round.id).run()
    return int(rows[0]["id"])


async def _answers(intranet: Any, rng: random.Random, round_id: int, version: service.Version,
                   answers: list[tuple[int, dict[str, Any]]], start: datetime.date, days: int) -> None:
    """Participation and anonymous answers for a round, released in groups of k like real ones."""
    k = surveys.k_of(intranet)
    released = len(answers) - len(answers) % k
    responses, rows, participation = [], [], []
    order = list(answers)
    rng.shuffle(order)
    for index, (person, values) in enumerate(order):
        unit = await anonymous.generalised_unit(person, k)
        response_id = anonymous.random_id()
        responses.append(AnonResponse(
            id=response_id, round=round_id, version=version.id, unit=unit, released=index < released,
            day=start + datetime.timedelta(days=min(days - 1, int(rng.expovariate(0.4)))),
        ))
        submission = service.Submission(version_id=version.id, answers=values)
        for key, stored in service.stored_rows(intranet, version, submission):
            rows.append(AnonAnswer(id=anonymous.random_id(), response=response_id, question=key, value=stored.value,
                                   number=stored.number, text=stored.text))
        participation.append(Participation(id=anonymous.random_id(), round=round_id, person=person,
                                           mix=anonymous.random_id()))
    async with intranet.db.transaction(write=True):
        for table, items in ((AnonResponse, responses), (AnonAnswer, rows), (Participation, participation)):
            for first in range(0, len(items), 200):
                await table.insert(*items[first:first + 200]).run()


async def _temperature(intranet: Any, rng: random.Random, creator: int, language: str, people: list[int]) -> int:
    now = surveys.now()
    opens_at = now - datetime.timedelta(days=45)
    survey_id, version = await _survey(
        intranet, definition=catalog.temperature(language), creator=creator,
        title="Intranettets temperatur" if language == "da" else "The intranet's temperature",
        audience=["all"], kind="temperature", opens_at=opens_at, round_days=14, repeat_weeks=0,
        template="temperature",
    )
    round_id = await _round(survey_id, 1, opens_at, 14, closed=True)
    answers = []
    for person in rng.sample(people, min(TEMPERATURE_ANSWERS, len(people))):
        frequency = _weighted(rng, [("several_daily", 25), ("daily", 35), ("weekly", 25), ("rarely", 12),
                                    ("never", 3)])
        keen = {"several_daily": 2, "daily": 1, "weekly": 0, "rarely": -1, "never": -2}[frequency]
        values: dict[str, Any] = {
            "frequency": frequency,
            "device": _weighted(rng, [("phone", 45), ("computer", 38), ("tablet", 5), ("mixed", 12)]),
            "when": sorted(rng.sample(["early", "morning", "afternoon", "evening", "weekend"], rng.randint(1, 3))),
            "features": sorted(rng.sample(["news", "people", "groups", "documents", "onboarding", "surveys"],
                                          rng.randint(1, 4))),
            "findable": max(1, min(5, round(rng.gauss(3.4 + keen * 0.3, 0.9)))),
            "informed": max(1, min(5, round(rng.gauss(3.8 + keen * 0.3, 0.8)))),
            "recommend": max(0, min(10, round(rng.gauss(7.6 + keen * 0.6, 1.6)))),
        }
        if frequency in ("rarely", "never") and rng.random() < 0.6:
            values["why_rarely"] = rng.choice(["Jeg har ikke tid.", "Jeg får det meste på mail.",
                                                "Det er besværligt at logge ind på telefonen."])
        if rng.random() < 0.45:
            values["works"] = rng.choice(WORKS)
        if rng.random() < 0.4:
            values["missing"] = rng.choice(MISSING)
        answers.append((person, values))
    await _answers(intranet, rng, round_id, version, answers, opens_at.date(), 14)
    return survey_id


async def _pulse(intranet: Any, rng: random.Random, creator: int, language: str, member: int | None) -> int | None:
    district = await Unit.select(Unit.id, Unit.path).where(Unit.name == PULSE_DISTRICT).first().run()
    if district is None:
        return None
    staff = sorted({int(r["person"]) for r in await Membership.select(Membership.person).where(
        Membership.unit.path.like(f"{district['path']}%") & (Membership.person.active == True)  # noqa: E712
    ).run()})
    now = surveys.now()
    rounds_before = 4
    opens_at = now - datetime.timedelta(weeks=2 * rounds_before, days=2)
    definition = catalog.pulse(language)
    survey_id, version = await _survey(
        intranet, definition=definition, creator=creator,
        title=("Trivselspuls " if language == "da" else "Wellbeing pulse ") + PULSE_DISTRICT,
        audience=[f"unit:{district['id']}"], kind="survey", opens_at=opens_at, round_days=7, repeat_weeks=2,
    )
    others = [p for p in staff if p != member]
    for number in range(1, rounds_before + 2):
        round_opens = opens_at + datetime.timedelta(weeks=2 * (number - 1))
        current = number == rounds_before + 1
        round_id = await _round(survey_id, number, round_opens, 7, closed=not current)
        # Spirits rise round by round; the current round has only a few answers so far.
        count = 3 if current else min(len(others), rng.randint(int(len(others) * 0.6), len(others)))
        answers = [
            (person, {
                "mood": max(1, min(5, round(rng.gauss(2.9 + 0.3 * number, 0.8)))),
                "workload": max(1, min(5, round(rng.gauss(3.4 - 0.1 * number, 0.9)))),
                "support": "yes" if rng.random() < 0.7 + 0.04 * number else "no",
                **({"comment": rng.choice(PULSE_COMMENTS)} if rng.random() < 0.25 else {}),
            })
            for person in rng.sample(others, min(count, len(others)))
        ]
        await _answers(intranet, rng, round_id, version, answers, round_opens.date(), 7)
    return survey_id
