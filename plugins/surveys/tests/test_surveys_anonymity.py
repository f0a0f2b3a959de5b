"""Anonymous surveys are anonymous in the database: the schema and the stored rows are inspected.

Runs on SQLite and, with ``$INTRANET_TEST_DATABASE_URL``, on PostgreSQL,
where the transaction ids of rows (``xmin``) are looked at too.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from intranet_surveys import anonymous, surveys
from intranet_surveys.tables import AnonAnswer, AnonResponse, Participation, Response
from surveys_helpers import full_answer, make_people, make_survey, make_unit

from intranet_core.audit.tables import AuditEntry
from intranet_core.notifications.tables import Notification
from intranet_core.people.tables import Person

ANONYMOUS_TABLES = ("surveys_anon_response", "surveys_anon_answer")
PERSON_WORDS = ("person", "author", "user", "email", "name", "actor", "session", "ip", "agent")
FINE_TIME_TYPES = ("timestamp", "time", "datetime", "interval")


async def columns_of(intranet: Any, table: str) -> list[tuple[str, str, Any]]:
    """(name, declared type, default) of each column, from the database itself."""
    if intranet.db.is_sqlite:
        rows = await AnonResponse.raw(f"PRAGMA table_info({table})").run()
        return [(r["name"], str(r["type"]).lower(), r["dflt_value"]) for r in rows]
    rows = await AnonResponse.raw(
        "SELECT column_name, data_type, column_default FROM information_schema.columns WHERE table_name = {}",
        table,
    ).run()
    return [(r["column_name"], str(r["data_type"]).lower(), r["column_default"]) for r in rows]


async def foreign_tables(intranet: Any, table: str) -> set[str]:
    if intranet.db.is_sqlite:
        rows = await AnonResponse.raw(f"PRAGMA foreign_key_list({table})").run()
        return {r["table"] for r in rows}
    rows = await AnonResponse.raw(
        "SELECT ccu.table_name AS target FROM information_schema.table_constraints tc "
        "JOIN information_schema.constraint_column_usage ccu ON tc.constraint_name = ccu.constraint_name "
        "WHERE tc.table_name = {} AND tc.constraint_type = 'FOREIGN KEY'", table,
    ).run()
    return {r["target"] for r in rows}


async def test_the_anonymous_tables_have_no_place_for_a_person_or_a_time(intranet: Any) -> None:
    for table in ANONYMOUS_TABLES:
        columns = await columns_of(intranet, table)
        assert columns, table
        for name, kind, default in columns:
            assert not any(word in name.lower() for word in PERSON_WORDS), (table, name)
            assert not any(t in kind for t in FINE_TIME_TYPES), (table, name, kind)
            # No sequence or serial: ids come from no counter.
            assert "nextval" not in str(default or ""), (table, name, default)
        assert "person" not in await foreign_tables(intranet, table)
    # The only date is a day.
    kinds = {name: kind for name, kind, _default in await columns_of(intranet, "surveys_anon_response")}
    assert kinds["day"] == "date"
    # Who has answered: person and round, no time, no counter.
    participation = await columns_of(intranet, "surveys_participation")
    assert sorted(name for name, _kind, _default in participation) == ["id", "mix", "person", "round"]
    assert all("nextval" not in str(default or "") for _name, _kind, default in participation)
    # Nothing joins participation to answers but the round.
    assert await foreign_tables(intranet, "surveys_participation") == {"person", "surveys_round"}
    assert "surveys_participation" not in await foreign_tables(intranet, "surveys_anon_response")


@pytest.fixture
async def district(intranet: Any) -> dict[str, Any]:
    unit = await make_unit(intranet, "Østjylland")
    people = await make_people(intranet, 12, unit, prefix="staff")
    [hr] = await make_people(intranet, 1, None, prefix="hr")
    return {"unit": unit, "people": people, "hr": hr}


async def test_stored_answers_carry_no_identity_and_no_order(intranet: Any, district: dict[str, Any],
                                                             caplog: pytest.LogCaptureFixture) -> None:
    people = district["people"]
    survey_id, version = await make_survey(intranet, district["hr"], [f"unit:{district['unit']}"])
    round_row = await surveys.open_round(survey_id)
    assert round_row is not None
    # What a site logs (INFO and up); database drivers at DEBUG log every query with its values.
    caplog.set_level(logging.INFO)
    audit_before = await AuditEntry.count().run()
    notices_before = await Notification.count().run()
    for index, person in enumerate(people):
        await surveys.answer(intranet, await surveys.get_survey(survey_id), round_row["id"], person,  # type: ignore[arg-type]
                             full_answer(version, mood=1 + index % 5, comment=f"Note {index}"))

    responses = await AnonResponse.select().run()
    answers = await AnonAnswer.select().run()
    participation = await Participation.select().run()
    assert len(responses) == 12 and len(participation) == 12
    # No response mentions any person: not their id, e-mail or name, in any column.
    staff = await Person.select(Person.id, Person.email, Person.name).where(Person.id.is_in(people)).run()
    identity = {str(p["email"]) for p in staff} | {str(p["name"]) for p in staff}
    for row in [*responses, *answers]:
        for column, value in row.items():
            assert str(value) not in identity, (column, value)
    assert {r["round"] for r in responses} == {round_row["id"]}
    # Ids follow no order: neither the responses' nor the participation rows' match the order of answering.
    by_person = {r["person"]: r["id"] for r in participation}
    assert [by_person[p] for p in people] != sorted(by_person.values())
    comments = {a["response"]: a["text"] for a in answers if a["question"] == "comment"}
    in_id_order = [comments[r["id"]] for r in sorted(responses, key=lambda r: r["id"])]
    assert in_id_order != [f"Note {i}" for i in range(12)]
    # ... nor does the order the database returns them in (SQLite's row id is the random id).
    natural = [comments[r["id"]] for r in responses]
    assert natural != [f"Note {i}" for i in range(12)]
    # The units stored are the district's (12 people there, at least k).
    assert {r["unit"] for r in responses} == {district["unit"]}
    # Answering wrote nothing to the audit log or the notifications, and logged no identity.
    assert await AuditEntry.count().run() == audit_before
    assert await Notification.count().run() == notices_before
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for person in staff:
        assert person["email"] not in logged and person["name"] not in logged
    # Named answer tables are untouched.
    assert await Response.count().run() == 0


async def test_answers_are_released_k_at_a_time(intranet: Any, district: dict[str, Any]) -> None:
    survey_id, version = await make_survey(intranet, district["hr"], [f"unit:{district['unit']}"])
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    assert survey is not None and round_row is not None
    released = []
    for person in district["people"][:11]:
        await surveys.answer(intranet, survey, round_row["id"], person, full_answer(version))
        released.append(await surveys.released_count(round_row["id"], True))
    assert released == [0, 0, 0, 0, 5, 5, 5, 5, 5, 10, 10]
    assert await AnonResponse.count().where(AnonResponse.released == False).run() == 1  # noqa: E712


async def test_a_person_answers_once(intranet: Any, district: dict[str, Any]) -> None:
    survey_id, version = await make_survey(intranet, district["hr"], [f"unit:{district['unit']}"])
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    assert survey is not None and round_row is not None
    person = district["people"][0]
    await surveys.answer(intranet, survey, round_row["id"], person, full_answer(version))
    with pytest.raises(anonymous.AlreadyAnswered):
        await surveys.answer(intranet, survey, round_row["id"], person, full_answer(version, mood=1))
    assert await AnonResponse.count().run() == 1
    assert await surveys.has_answered(round_row["id"], person)


async def test_small_units_are_generalised_to_a_unit_with_at_least_k_people(intranet: Any,
                                                                             district: dict[str, Any]) -> None:
    team = await make_unit(intranet, "Team Aarhus", parent=district["unit"], kind="team")
    [lonely] = await make_people(intranet, 1, team, prefix="lonely")
    assert await anonymous.generalised_unit(lonely, 5) == district["unit"]
    assert await anonymous.generalised_unit(lonely, 1) == team
    assert await anonymous.generalised_unit(lonely, 100) is None
    assert await anonymous.generalised_unit(district["hr"], 5) is None  # in no unit


async def test_no_transaction_ties_one_person_to_one_answer(intranet: Any, district: dict[str, Any]) -> None:
    """PostgreSQL stamps each row with the transaction that wrote it (``xmin``): none pairs a person and an answer."""
    if intranet.db.is_sqlite:
        pytest.skip("SQLite rows carry no transaction id")
    survey_id, version = await make_survey(intranet, district["hr"], [f"unit:{district['unit']}"])
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    assert survey is not None and round_row is not None
    k = surveys.k_of(intranet)
    for count, person in enumerate(district["people"][:8], start=1):
        await surveys.answer(intranet, survey, round_row["id"], person, full_answer(version))
        people_by_xmin: dict[str, int] = {}
        for row in await Participation.raw("SELECT xmin::text AS x FROM surveys_participation").run():
            people_by_xmin[row["x"]] = people_by_xmin.get(row["x"], 0) + 1
        answers_by_xmin: dict[str, int] = {}
        for row in await AnonResponse.raw("SELECT xmin::text AS x FROM surveys_anon_response").run():
            answers_by_xmin[row["x"]] = answers_by_xmin.get(row["x"], 0) + 1
        for stamp, people in people_by_xmin.items():
            if stamp in answers_by_xmin:
                # The last writer wrote min(count, k) participation rows: one of them is the newest.
                assert people >= min(count, k) or answers_by_xmin[stamp] >= k, (count, people, answers_by_xmin)
