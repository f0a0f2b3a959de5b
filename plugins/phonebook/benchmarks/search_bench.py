"""Phonebook search at scale: the search service, and the HTTP endpoint the page's script calls.

For each run asked for (``--run sqlite:50000 postgres:1000`` …) it

1. builds a site with the core and the phonebook only, on a fresh database
   (SQLite: a file in a temporary directory; PostgreSQL: the database of
   ``--postgres``, **emptied**: its ``public`` schema is dropped);
2. fills it with the core's ``benchmarks/generate.py`` (people, units and
   memberships by ``COPY`` / ``executemany``; a token number of posts);
3. gives the people phonebook profiles as a real site would have them:
   60 % with one to three "ask me about" topics, an office, and for some a
   number shown only to their unit (10 %) or to administrators (3 %); then
   builds the search index with the phonebook's own indexer
   (``reindex_all``, 500 people per transaction) and, on PostgreSQL,
   ``VACUUM ANALYZE`` as autovacuum would (SQLite is left as the site
   leaves it);
4. measures the search service (``intranet_phonebook.search.search``: the
   query, the cards with the fields the searcher may see, and their
   topics) in-process, as a plain member who holds no special permission:
   each query of the mix below ``--repeat`` times, interleaved;
5. starts ``intranet run --workers 1`` (uvicorn) on a free loopback port,
   signs in as that member and measures ``GET /phonebook/results?q=…``
   (what the page's script fetches as one types) over one kept-alive
   connection, the same mix, and the full page ``GET /phonebook?q=…`` for a
   few queries.

The mix: first names and their first letters ("je", "mette"), full names,
surnames with Danish letters typed either way ("østergaard", "oestergaard",
"aagaard"), job titles, unit names, topics, phone numbers in full, by their
first four digits typed as "12 34" and by their last four, a unit filter
with and without words, and two words that match nobody together. One-letter
queries are measured apart ("single letter"): they match a large part of the
organisation and are what a person types first.

Run from the repository root, with the phonebook installed::

    .venv/bin/python plugins/phonebook/benchmarks/search_bench.py --run sqlite:1000 sqlite:50000 \\
        postgres:1000 postgres:50000 --postgres postgresql://postgres@127.0.0.1:55432/intranet_phonebook

Prints a table per run: median, p95 and the slowest, in milliseconds, of
the service and of the endpoint, overall and per kind of query, with the
load average of the machine when it was measured. For the service it also
prints the CPU time the process spent per search (on SQLite that includes
the database's work, which runs in the process): unlike wall time, it hardly
moves when other work shares the CPUs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "benchmarks"))

import generate  # noqa: E402 - the core's benchmark data, next to the core's benchmarks

SEED = 1899
TOPICS = (
    "Overenskomster", "Afskedigelse", "Arbejdsskade", "Barsel", "Sygedagpenge", "Psykisk arbejdsmiljø",
    "Tillidsrepræsentanter", "Ferie", "Løn", "Pension", "Seniorordninger", "Diskrimination", "Forhandling",
    "Organisering", "Arbejdsmiljø", "Ansættelseskontrakter", "Excel", "SharePoint", "Presse", "Budget",
    "Rekruttering", "EU-ret", "Statistik", "A-kasse", "Forsikring",
)
CITIES = ("København", "Aarhus", "Odense", "Aalborg", "Esbjerg", "Kolding", "Roskilde", "Herning", "Rønne")
INTRANET = str(Path(sys.executable).parent / "intranet")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def summary(values: list[float]) -> str:
    return (f"median {statistics.median(values):6.2f}  p95 {percentile(values, 0.95):6.2f}  "
            f"max {max(values):7.2f}  (n={len(values)})")


# --- the site ----------------------------------------------------------------------------------


def settings_for(url: str) -> Any:
    from intranet_core.testing import make_settings

    return make_settings(url, site={"default_language": "en", "name": "Forbundet"})


async def build(url: str, people: int, log: Any) -> dict[str, float]:
    """A migrated, filled, indexed site; returns how long each step took."""
    import intranet_phonebook.plugin

    from intranet_core.testing import build_app

    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    app = await build_app(settings_for(url), [("phonebook", intranet_phonebook.plugin)])
    seconds["migrate"] = time.perf_counter() - t0
    plan = generate.Plan(people, max(10, people // 100))
    t0 = time.perf_counter()
    if url.startswith("postgresql://"):
        report = await generate.fill_postgres(url, plan, log=log)
    else:
        report = await generate.fill_sqlite(url.removeprefix("sqlite:///"), plan, log=log)
    seconds["fill (generate.py)"] = time.perf_counter() - t0
    log(f"  {report.line()}")
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        t0 = time.perf_counter()
        await profiles(intranet)
        seconds["profiles and topics"] = time.perf_counter() - t0
        from intranet_phonebook.index import reindex_all

        t0 = time.perf_counter()
        indexed = await reindex_all(intranet, batch=500)
        seconds[f"index ({indexed:,} people)"] = time.perf_counter() - t0
        from intranet_phonebook.tables import Term

        log(f"  {await Term.count().run():,} terms")
    finally:
        await intranet.db.close()
    if url.startswith("postgresql://"):
        import asyncpg

        t0 = time.perf_counter()
        connection = await asyncpg.connect(url)
        try:
            await connection.execute("VACUUM ANALYZE phonebook_term, phonebook_profile, phonebook_skill, person, "
                                     "membership, org_unit")
        finally:
            await connection.close()
        seconds["vacuum analyze"] = time.perf_counter() - t0
    return seconds


async def profiles(intranet: Any) -> None:
    """Profiles and topics for the generated people, in batches, as a site's people would fill them in."""
    from intranet_phonebook.index import now
    from intranet_phonebook.tables import Profile, Skill
    from intranet_phonebook.visibility import ADMINS, EVERYONE, UNIT

    from intranet_core.people.tables import Person

    rng = random.Random(SEED)  # noqa: S311 - benchmark data
    ids = [int(r["id"]) for r in await Person.select(Person.id).order_by(Person.id).run()]
    moment = now()
    for start in range(0, len(ids), 500):
        rows: list[Profile] = []
        skills: list[Skill] = []
        for person_id in ids[start:start + 500]:
            draw = rng.random()
            phone = ADMINS if draw < 0.03 else UNIT if draw < 0.13 else EVERYONE
            filled = person_id == 1 or rng.random() < 0.6
            rows.append(Profile({
                Profile.person: person_id, Profile.phone_visibility: phone, Profile.updated_at: moment,
                Profile.office: f"{rng.choice(CITIES)}, {rng.randint(1, 4)}. sal" if filled else "",
                Profile.working_hours: "Man-fre 8-16" if filled else "",
            }))
            if filled:
                for position, label in enumerate(rng.sample(TOPICS, rng.randint(1, 3))):
                    skills.append(Skill(person=person_id, label=label, position=position))
        async with intranet.db.transaction(write=True):
            for chunk in range(0, len(rows), 100):
                await Profile.insert(*rows[chunk:chunk + 100]).run()
            for chunk in range(0, len(skills), 1000):
                await Skill.insert(*skills[chunk:chunk + 1000]).run()


async def query_mix(people: int) -> list[tuple[str, str, int | None]]:
    """``(kind, query, unit id)``: what people type, drawn from the data itself."""
    from intranet_core.people.tables import Membership, Person, Unit

    rng = random.Random(SEED + 1)  # noqa: S311 - benchmark data
    sample = await Person.select(Person.name, Person.phone).where(Person.id > 1).order_by(Person.id).limit(
        min(people, 2000)
    ).run()
    picks = rng.sample(sample, 6)
    numbers = [re.sub(r"\D", "", p["phone"])[2:] for p in picks]
    district = await Unit.select(Unit.id, Unit.name).where(Unit.kind == "district").order_by(Unit.id).first().run()
    team = await Membership.select(Membership.unit).where(Membership.person == 1).first().run()
    assert district is not None and team is not None
    mix: list[tuple[str, str, int | None]] = [
        ("first name, typed", "je", None), ("first name, typed", "jens", None),
        ("first name, typed", "mette", None), ("first name, typed", "søren", None),
        ("full name", picks[0]["name"], None), ("full name", picks[1]["name"].lower(), None),
        ("name, two starts", f"{picks[2]['name'].split()[0][:3]} {picks[2]['name'].split()[-1][:2]}", None),
        ("surname, Danish letters", "østergaard", None), ("surname, Danish letters", "oestergaard", None),
        ("surname, Danish letters", "noergaard", None), ("surname, Danish letters", "kjær", None),
        ("job title", "jurist", None), ("job title", "faglig konsulent", None),
        ("unit", district["name"].lower(), None), ("unit", "rådgivning 1", None),
        ("topic", "pension", None), ("topic", "psykisk arbejdsmiljø", None), ("topic", "barsel jens", None),
        ("number, whole", "+45 " + " ".join(numbers[0][i:i + 2] for i in range(0, 8, 2)), None),
        ("number, whole", numbers[1], None),
        ("number, first four as '12 34'", f"{numbers[2][:2]} {numbers[2][2:4]}", None),
        ("number, first four as '12 34'", f"{numbers[3][:2]} {numbers[3][2:4]}", None),
        ("number, last four", numbers[4][-4:], None), ("number, last four", numbers[5][-4:], None),
        ("unit filter and a name", "anne", int(district["id"])),
        ("unit filter alone (a team)", "", int(team["unit"])),
        ("nobody", "jurist zebra", None),
    ]
    return mix


SINGLE = [("single letter", "a", None), ("single letter", "m", None), ("single letter", "s", None)]
CPU = "cpu:"


async def measure_service(url: str, repeat: int, log: Any) -> tuple[dict[str, list[float]], list[tuple[Any, ...]]]:
    import intranet_phonebook.plugin
    from intranet_phonebook.index import defaults_of
    from intranet_phonebook.search import search
    from intranet_phonebook.visibility import viewer_for

    from intranet_core.app import create_app

    app = create_app(settings_for(url), plugins=[("phonebook", intranet_phonebook.plugin)], check_migrations=False)
    intranet = app.state.intranet
    await intranet.db.connect()
    timings: dict[str, list[float]] = {}
    try:
        mix = await query_mix(await _count(intranet))
        defaults = defaults_of(intranet)
        hits: dict[str, int] = {}
        for _warm in range(2):
            for _kind, query, unit in mix + SINGLE:
                page = await search(await viewer_for(1), query, defaults, unit_id=unit, limit=20)
                hits[query] = len(page.cards)
        for _round in range(repeat):
            for kind, query, unit in mix + SINGLE:
                t0, c0 = time.perf_counter(), time.process_time()
                # The whole service as a request uses it: who the viewer is, then the search.
                await search(await viewer_for(1), query, defaults, unit_id=unit, limit=20)
                timings.setdefault(kind, []).append((time.perf_counter() - t0) * 1000)
                # CPU of this process (with SQLite, the database's work too: it runs in
                # aiosqlite's threads here); hardly moved by other work on the machine.
                timings.setdefault(CPU + kind, []).append((time.process_time() - c0) * 1000)
        log("  hits per query (of at most 20): " + ", ".join(f"{q!r}: {n}" for q, n in hits.items()))
    finally:
        await intranet.db.close()
    return timings, mix


async def _count(intranet: Any) -> int:
    from intranet_core.people.tables import Person

    return int(await Person.count().run())


# --- the endpoint ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def server(url: str, directory: Path) -> Iterator[str]:
    """``intranet run --workers 1`` on a free port, the core and the phonebook only."""
    config = directory / "intranet.toml"
    config.write_text(
        f'secret_key = "{"b" * 48}"\n\n[database]\nurl = "{url}"\n\n'
        '[plugins]\nenabled = ["phonebook"]\n\n[site]\nname = "Forbundet"\ndefault_language = "en"\n',
        encoding="utf-8",
    )
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [INTRANET, "run", "-c", str(config), "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        cwd=directory, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                raise RuntimeError("intranet run exited")
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("intranet run did not start in 60 s")
            time.sleep(0.2)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def measure_http(base: str, mix: list[tuple[str, str, int | None]], repeat: int) -> dict[str, list[float]]:
    import httpx

    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=base, timeout=30) as client:
        form = client.get("/signin").text
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form)
        assert token is not None
        signed = client.post("/signin", data={"email": generate.BENCH_EMAIL, "password": generate.BENCH_PASSWORD,
                                               "_csrf_token": token.group(1)})
        assert signed.status_code == 303, signed.status_code

        def get(path: str, query: str, unit: int | None) -> float:
            params = {"q": query, **({"unit": str(unit)} if unit else {})}
            t0 = time.perf_counter()
            response = client.get(path, params=params, headers={"accept": "text/html"})
            elapsed = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (path, params, response.status_code)
            return elapsed

        for _warm in range(2):
            for _kind, query, unit in mix + SINGLE:
                get("/phonebook/results", query, unit)
        for _round in range(repeat):
            for kind, query, unit in mix + SINGLE:
                timings.setdefault(kind, []).append(get("/phonebook/results", query, unit))
            for _kind, query, unit in mix[::6]:
                timings.setdefault("(the full page /phonebook)", []).append(get("/phonebook", query, unit))
    return timings


# --- a run ---------------------------------------------------------------------------------------


def report(title: str, timings: dict[str, list[float]]) -> None:
    print(f"  {title}")
    wall = {k: v for k, v in timings.items() if not k.startswith(CPU)}
    cpu = {k.removeprefix(CPU): v for k, v in timings.items() if k.startswith(CPU)}
    overall = [t for kind, values in wall.items() if kind != "single letter" and not kind.startswith("(")
               for t in values]
    print(f"    {'every query but single letters':34} {summary(overall)}")
    for kind, values in wall.items():
        print(f"    {kind[:34]:34} {summary(values)}")
    if cpu:
        overall = [t for kind, values in cpu.items() if kind != "single letter" for t in values]
        print("    CPU time of the process (ms):")
        print(f"    {'every query but single letters':34} {summary(overall)}")
        print(f"    {'single letter':34} {summary(cpu['single letter'])}")


def load_average() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def run(target: str, postgres: str, repeat: int, keep: bool) -> None:
    engine, _sep, size = target.partition(":")
    people = int(size or 1000)
    with tempfile.TemporaryDirectory(prefix="phonebook-bench-") as folder:
        directory = Path(folder)
        if engine == "sqlite":
            url = f"sqlite:///{directory / 'bench.sqlite3'}"
        elif engine == "postgres":
            url = postgres
        else:
            raise SystemExit(f"--run: expected sqlite:N or postgres:N, got {target!r}")
        print(f"\n{engine}, {people:,} people")
        steps = asyncio.run(build(url, people, log=print))
        print("  built: " + ", ".join(f"{name} {s:.1f} s" for name, s in steps.items()))
        service, mix = asyncio.run(measure_service(url, repeat, log=print))
        report(f"search service (in-process), ms; load average {load_average()}", service)
        with server(url, directory) as base:
            endpoint = measure_http(base, mix, repeat)
        report(f"GET /phonebook/results over HTTP (uvicorn, 1 worker, keep-alive), ms; load average "
               f"{load_average()}", endpoint)
        if keep and engine == "sqlite":
            kept = Path.cwd() / f"phonebook-bench-{people}.sqlite3"
            kept.write_bytes((directory / "bench.sqlite3").read_bytes())
            print(f"  kept {kept}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", nargs="+", default=["sqlite:1000"], help="sqlite:N or postgres:N, N people")
    parser.add_argument("--postgres", default=os.environ.get("INTRANET_BENCH_DATABASE_URL", ""),
                        help="a PostgreSQL database this script may empty")
    parser.add_argument("--repeat", type=int, default=15, help="rounds of the whole mix")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite file in the working directory")
    args = parser.parse_args()
    if any(t.startswith("postgres") for t in args.run) and not args.postgres:
        parser.error("--postgres: a PostgreSQL URL is needed for postgres runs (the database is emptied)")
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; {args.repeat} rounds of each query")
    for target in args.run:
        run(target, args.postgres, args.repeat, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
