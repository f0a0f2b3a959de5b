"""Storing an anonymous answer so that nothing in the database ties it to the person who gave it.

What is stored:

* ``surveys_participation``: that a person has answered a round (person and
  round, a random id, no time). It is what keeps a second answer out and
  what reminders skip.
* ``surveys_anon_response`` and ``surveys_anon_answer``: the answer, with
  the round, the questionnaire version, the day (never the time) and the
  respondent's unit generalised upwards until it has at least k people. No
  person, no session, no address.

What could still tie them together, and what is done about it:

* Ids in insertion order. Every id in these tables is a random 62-bit
  number, so neither ``ORDER BY id`` nor SQLite's row ids (an ``INTEGER
  PRIMARY KEY`` is the row id) follow the order of answers.
* The order rows were written in, and the transaction that wrote them
  (PostgreSQL's ``xmin``). A round's answers that are not yet released are
  deleted and written again, together with the new one, in a random order
  and under new random ids, by every answer; and each answer also rewrites
  the ``mix`` column of up to k-1 other participation rows of the round. So
  a transaction never writes just one participation row and just one
  answer: the newest person is one of k people, and their answer one of the
  round's pending answers.
* Results that change with each answer (comparing the page before and after
  someone answered). Answers are released to the results k at a time: the
  k-th pending answer releases the whole group. Answers left over when the
  round closes (fewer than k) are never shown.

Every step runs in one write transaction with the round's row locked, so
answers to a round are written one at a time on both databases.
"""

from __future__ import annotations

import datetime
import random
import secrets
import zoneinfo
from collections.abc import Sequence
from typing import Any

from intranet_core.people.tables import Membership, Unit
from intranet_core.permissions.service import ancestor_ids
from intranet_surveys.questions import Stored
from intranet_surveys.tables import AnonAnswer, AnonResponse, Participation, Round

_random = random.SystemRandom()


class AlreadyAnswered(Exception):
    """The person has answered this round already."""


class RoundClosed(Exception):
    """The round is not open (not yet, or no longer)."""


def random_id() -> int:
    """A random positive id that fits a signed 64-bit column."""
    return secrets.randbits(62) + 1


def today(intranet: Any) -> datetime.date:
    """The day in the site's time zone: all the time an anonymous answer keeps."""
    return datetime.datetime.now(zoneinfo.ZoneInfo(intranet.settings.usage.timezone)).date()


async def generalised_unit(person_id: int, k: int) -> int | None:
    """The person's primary unit, or the nearest unit above it whose branch has at least ``k`` active people.

    ``None`` when the person belongs to no unit, or no unit above them is that large.
    """
    row = await Membership.select(Membership.unit.path).where(Membership.person == person_id).order_by(
        Membership.is_primary, ascending=False
    ).order_by(Membership.id).first().run()
    if row is None or not row["unit.path"]:
        return None
    for unit_id in reversed(ancestor_ids(row["unit.path"])):
        unit = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
        if unit is None:
            continue
        size = await Membership.count(distinct=[Membership.person]).where(
            Membership.unit.path.like(f"{unit['path']}%") & (Membership.person.active == True)  # noqa: E712
        ).run()
        if size >= k:
            return unit_id
    return None


async def lock_open_round(intranet: Any, round_id: int) -> dict[str, Any]:
    """The round, locked for the rest of the transaction; :class:`RoundClosed` unless it is open now."""
    row = await intranet.db.for_update(
        Round.select(Round.id, Round.opens_at, Round.closes_at, Round.closed_at).where(Round.id == round_id)
    ).first().run()
    moment = datetime.datetime.now(datetime.UTC)
    if row is None or row["closed_at"] is not None or not row["opens_at"] <= moment < row["closes_at"]:
        raise RoundClosed(round_id)
    return dict(row)


async def add_participation(intranet: Any, round_id: int, person_id: int) -> int:
    """Record that the person has answered (in the caller's transaction); :class:`AlreadyAnswered` if they had."""
    mine = (Participation.round == round_id) & (Participation.person == person_id)
    if await Participation.exists().where(mine).run():
        raise AlreadyAnswered(round_id)
    participation_id = random_id()
    await Participation.insert(
        Participation(id=participation_id, round=round_id, person=person_id, mix=random_id())
    ).run()
    return participation_id


async def store(
    intranet: Any, *, round_id: int, version_id: int, rows: Sequence[tuple[str, Stored]], person_id: int, k: int
) -> bool:
    """Store one anonymous answer to an open round; ``True`` if it completed a group of ``k`` (results changed).

    :raises RoundClosed: the round is not open.
    :raises AlreadyAnswered: the person has answered this round.
    """
    unit = await generalised_unit(person_id, k)
    day = today(intranet)
    async with intranet.db.transaction(write=True):
        await lock_open_round(intranet, round_id)
        participation_id = await add_participation(intranet, round_id, person_id)

        pending = await AnonResponse.select(
            AnonResponse.id, AnonResponse.version, AnonResponse.day, AnonResponse.unit
        ).where((AnonResponse.round == round_id) & (AnonResponse.released == False)).run()  # noqa: E712
        pending_ids = [int(r["id"]) for r in pending]
        answers: dict[int, list[dict[str, Any]]] = {}
        if pending_ids:
            for answer in await AnonAnswer.select(
                AnonAnswer.response, AnonAnswer.question, AnonAnswer.value, AnonAnswer.number, AnonAnswer.text
            ).where(AnonAnswer.response.is_in(pending_ids)).run():
                answers.setdefault(int(answer.pop("response")), []).append(answer)
            await AnonAnswer.delete().where(AnonAnswer.response.is_in(pending_ids)).run()
            await AnonResponse.delete().where(AnonResponse.id.is_in(pending_ids)).run()

        batch: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
            ({"version": r["version"], "day": r["day"], "unit": r["unit"]}, answers.get(int(r["id"]), []))
            for r in pending
        ]
        batch.append((
            {"version": version_id, "day": day, "unit": unit},
            [{"question": key, "value": s.value, "number": s.number, "text": s.text} for key, s in rows],
        ))
        _random.shuffle(batch)
        released = len(batch) >= k
        responses: list[AnonResponse] = []
        answer_rows: list[AnonAnswer] = []
        for head, its_answers in batch:
            response_id = random_id()
            responses.append(AnonResponse(id=response_id, round=round_id, released=released, **head))
            shuffled = list(its_answers)
            _random.shuffle(shuffled)
            answer_rows += [AnonAnswer(id=random_id(), response=response_id, **answer) for answer in shuffled]
        await AnonResponse.insert(*responses).run()
        if answer_rows:
            await AnonAnswer.insert(*answer_rows).run()

        # From a random point of the (random) ids, wrapping round: up to k-1 others.
        start = random_id()
        others = [int(r["id"]) for r in await Participation.select(Participation.id).where(
            (Participation.round == round_id) & (Participation.id != participation_id) & (Participation.id > start)
        ).order_by(Participation.id).limit(k - 1).run()]
        if len(others) < k - 1:
            others += [int(r["id"]) for r in await Participation.select(Participation.id).where(
                (Participation.round == round_id) & (Participation.id != participation_id)
                & (Participation.id <= start)
            ).order_by(Participation.id).limit(k - 1 - len(others)).run()]
        for other in others:
            await Participation.update({Participation.mix: random_id()}).where(Participation.id == other).run()
    return released
