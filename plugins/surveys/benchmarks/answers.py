"""Surveys at scale: answering an anonymous survey (one at a time and many at once), and its results.

    .venv/bin/python plugins/surveys/benchmarks/answers.py                       # SQLite in a temporary directory
    .venv/bin/python plugins/surveys/benchmarks/answers.py --people 5000 --answers 300 --released 20000
    .venv/bin/python plugins/surveys/benchmarks/answers.py --database-url postgresql://.../db   # EMPTIES it

Builds an organisation of ``--people`` in ten districts, and an anonymous
survey to everyone (the temperature questionnaire: eleven questions). Then:

* ``answer``: ``--answers`` people answer one after another (each answer is
  one write transaction: participation, the round's pending answers written
  again in a random order, k-1 participation rows touched);
* ``burst``: as many again answer at once (``asyncio.gather``), queueing on
  the round's lock;
* ``results`` and ``csv``: a closed round of ``--released`` answers (at most ``--people``)
  (written in bulk), its results with breakdowns per unit, and its CSV;
* ``page``: ``GET /surveys/<id>/results`` for that round, through the ASGI app.

Prints the median and 95th percentile of each, in milliseconds, and answers per second.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import intranet_surveys.plugin
from intranet_surveys import catalog, demo, service, surveys
from intranet_surveys.tables import Round

from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.testing import build_app, client_for, make_settings, sign_in

HTML = {"accept": "text/html", "accept-language": "en"}


def ms(values: list[float]) -> str:
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(len(values) * 0.95))]
    return f"median {statistics.median(values) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   (n={len(values)})"


async def organisation(intranet: Any, people: int) -> list[int]:
    now = datetime.datetime.now(datetime.UTC)
    async with intranet.db.transaction(write=True):
        rows = await Unit.insert(Unit(name="Org", kind="organisation", path="/", created_at=now)).returning(
            Unit.id).run()
        root = int(rows[0]["id"])
        await Unit.update({Unit.path: f"/{root}/"}).where(Unit.id == root).run()
        districts = []
        for index in range(10):
            rows = await Unit.insert(Unit(name=f"District {index}", kind="district", parent=root, path="/",
                                          created_at=now)).returning(Unit.id).run()
            unit = int(rows[0]["id"])
            await Unit.update({Unit.path: f"/{root}/{unit}/"}).where(Unit.id == unit).run()
            districts.append(unit)
        ids: list[int] = []
        for first in range(0, people, 500):
            batch = [Person(email=f"p{i}@example.org", name=f"Person {i}", active=True, created_at=now,
                            updated_at=now) for i in range(first, min(people, first + 500))]
            ids += [int(r["id"]) for r in await Person.insert(*batch).returning(Person.id).run()]
        for first in range(0, len(ids), 500):
            await Membership.insert(*[Membership(person=p, unit=districts[p % 10], is_primary=True)
                                      for p in ids[first:first + 500]]).run()
    return ids


def answer_for(rng: random.Random, version: service.Version) -> service.Submission:
    return service.Submission(version_id=version.id, answers={
        "frequency": rng.choice(["daily", "weekly", "rarely"]), "device": rng.choice(["phone", "computer"]),
        "when": ["morning"], "features": ["news", "people"], "findable": rng.randint(1, 5),
        "informed": rng.randint(1, 5), "recommend": rng.randint(0, 10), "works": "The phonebook",
    })


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=10000)
    parser.add_argument("--answers", type=int, default=200)
    parser.add_argument("--released", type=int, default=10000)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        settings = make_settings(url, site={"default_language": "en"}, tasks={"scheduler": False},
                                 uploads={"directory": str(Path(directory) / "uploads")})
        app = await build_app(settings, [("surveys", intranet_surveys.plugin)])
        intranet = app.state.intranet
        async with client_for(app) as client:
            people = await organisation(intranet, args.people)
            hr = await sign_in(client, app, "hr@example.org", name="HR", roles=[("hr", None)])
            created = await service.create_questionnaire(intranet, definition=catalog.temperature("en"),
                                                         created_by=hr.id)
            version = await service.current_version(created.id)
            assert version is not None
            plan = surveys.SurveyPlan(title="Bench", questionnaire_id=created.id, audience=["all"], announce=False,
                                      opens_at=surveys.now() - datetime.timedelta(minutes=1), round_days=30)
            survey_id = await surveys.create_survey(intranet, plan, created_by=hr.id)
            survey = await surveys.get_survey(survey_id)
            round_row = await surveys.open_round(survey_id)
            assert survey is not None and round_row is not None
            rng = random.Random(1)  # noqa: S311 - made-up answers, not secrets
            timings = []
            started = time.perf_counter()
            for person in people[: args.answers]:
                moment = time.perf_counter()
                await surveys.answer(intranet, survey, round_row["id"], person, answer_for(rng, version))
                timings.append(time.perf_counter() - moment)
            elapsed = time.perf_counter() - started
            print(f"{intranet.db.engine.engine_type}, {args.people} people")
            print(f"answer   {ms(timings)}   {args.answers / elapsed:6.1f} answers/s")

            burst = people[args.answers: args.answers * 2]

            async def one(person: int) -> float:
                moment = time.perf_counter()
                await surveys.answer(intranet, survey, round_row["id"], person, answer_for(rng, version))
                return time.perf_counter() - moment

            started = time.perf_counter()
            waits = await asyncio.gather(*(one(p) for p in burst))
            elapsed = time.perf_counter() - started
            print(f"burst    {ms(list(waits))}   {len(burst) / elapsed:6.1f} answers/s")

            # A closed round with many released answers, written in bulk as the demo writes them.
            closed_at = surveys.now() - datetime.timedelta(days=40)
            rows = await Round.insert(Round(survey=survey_id, number=2, opens_at=closed_at,
                                            closes_at=closed_at + datetime.timedelta(days=7), opened_at=closed_at,
                                            closed_at=closed_at + datetime.timedelta(days=7))).returning(
                Round.id).run()
            big_round = {**round_row, "id": int(rows[0]["id"]), "number": 2,
                         "closed_at": closed_at + datetime.timedelta(days=7),
                         "closes_at": closed_at + datetime.timedelta(days=7)}
            filling = time.perf_counter()
            answers = [(person, answer_for(rng, version).answers) for person in people[: args.released]]
            await demo._answers(intranet, rng, big_round["id"], version, answers, closed_at.date(), 7)
            print(f"(wrote {args.released} answers in bulk in {time.perf_counter() - filling:.1f} s)")
            from intranet_surveys import results

            timings = []
            for _ in range(5):
                moment = time.perf_counter()
                found = await results.round_results(intranet, survey, big_round)
                timings.append(time.perf_counter() - moment)
            assert found.respondents >= args.released - 5
            print(f"results  {ms(timings)}")
            timings = []
            for _ in range(3):
                moment = time.perf_counter()
                text = await results.csv_export(intranet, survey, big_round)
                timings.append(time.perf_counter() - moment)
            assert text is not None
            print(f"csv      {ms(timings)}   ({len(text) // 1024} KiB)")
            timings = []
            for _ in range(5):
                moment = time.perf_counter()
                response = await client.get(f"/surveys/{survey_id}/results?round=2", headers=HTML)
                timings.append(time.perf_counter() - moment)
                assert response.status_code == 200
            print(f"page     {ms(timings)}")


if __name__ == "__main__":
    asyncio.run(main())
