"""Fill a migrated intranet database with many people and posts, fast (for benchmarks).

Rows are written straight into the core's tables, not through the ORM one
row at a time: PostgreSQL with ``COPY`` (asyncpg's
``copy_records_to_table``), SQLite with ``executemany`` in one transaction.
The tables' secondary indexes are dropped before the copy and created again
from their own definitions afterwards (so they are exactly the migrations'
indexes), and PostgreSQL's foreign-key triggers are skipped during the copy
(``session_replication_role = replica``); then ``VACUUM ANALYZE`` on
PostgreSQL, as autovacuum would do on a live site, and on SQLite the
sampled ``ANALYZE`` the site's daily ``core.analyze`` task runs
(``Database.analyze``).

The organisation grows with the number of people: a head office with seven
departments, and one district per thousand people (at least ten), each with
teams of about 100. Posts are spread over the last year (three years from
100,000 posts up), newest last, to audiences in proportions seen on a union
intranet:

* 8 % national news to everyone (``all``);
* 4 % to a head-office department;
* 50 % to one district (``unit:<district>``), 8 % to two districts;
* 30 % to one team.

0.5 % are deleted, 1 % have expired, 1 % are important, the three newest
national posts are pinned, and ten are scheduled in the coming days (the
others count as announced, ``announced_at``, as after the migration that
added it: the site's scheduler has nothing to catch up on). Bodies
are markdown, rendered by the application's own renderer (a pool of 200,
reused), some with the word *overenskomst* for search. The search index
(``search_document``, when the search feature is there) gets every person and
every published, undeleted post, with the fields and words the search
service itself would write (on PostgreSQL through a staging table, as
``COPY`` cannot compute the ``tsvector``; on SQLite the FTS5 triggers fill
the word index). Everything is drawn from a fixed seed, so two fills of one
size are identical.

Used by ``feed_bench.py``; it can also be run alone::

    .venv/bin/python benchmarks/generate.py --people 1000 --posts 10000 \\
        postgresql://postgres@127.0.0.1:55432/bench
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from intranet_core.markup import render
from intranet_core.people.demo import FEMALE_NAMES, LAST_NAMES, MALE_NAMES, ascii_fold

SEED = 1899
BENCH_EMAIL = "bench@example.org"
BENCH_PASSWORD = "benchmark password, long enough"  # noqa: S105 - a throw-away benchmark database
SEARCH_WORD = "overenskomst"
BODY_POOL = 200
CHUNK = 50_000

DEPARTMENTS = ("Ledelse", "Kommunikation", "HR", "IT", "Økonomi", "Politik og analyse", "Medlemsservice")
DISTRICT_NAMES = (
    "Hovedstaden", "Sjælland", "Fyn", "Sydjylland", "Østjylland", "Midtjylland", "Vestjylland", "Nordjylland",
    "Bornholm", "Lolland-Falster",
)
TEAM_NAMES = ("Rådgivning", "Forhandling", "Arbejdsmiljø", "Organisering", "Sekretariat", "Jura", "Uddannelse")
TITLES = ("Faglig konsulent", "Sekretær", "Forhandlingskonsulent", "Jurist", "Organisator", "Kontorassistent")

NATIONAL_TITLES = (
    "Ny overenskomst er på plads", "Halvårsregnskabet er klar", "Kongressen: sæt kryds i kalenderen",
    "Hovedbestyrelsen har vedtaget en ny strategi", "Lønstatistikken for i år er klar",
    "Nyt medlemssystem fra 1. marts", "Ny politik for hjemmearbejde", "Trivselsmålingen: tak for jeres svar",
    "Sådan går forhandlingerne", "Velkommen til vores nye direktør", "Julefrokost for hele forbundet",
    "Nye regler for kørselsgodtgørelse",
)
LOCAL_TITLES = (
    "Personalemøde torsdag", "Sommerferieplanen er klar", "Nye kolleger", "Kaffe og kage fredag",
    "Husk at melde fravær", "Medlemsmøde om pension", "Ny vagtplan for telefonen", "Kontoret holder lukket",
    "Tillidsrepræsentanter på kursus", "Fælles frokost på fredag", "Status på sagerne", "Nyt mødelokale",
)
SENTENCES = (
    "Vi har brug for, at alle læser dette inden næste uge.",
    "Tak til alle, der har bidraget i en travl periode.",
    "Spørgsmål kan stilles til din nærmeste leder eller i kommentarerne.",
    "Materialet ligger også på intranettets side for personalehåndbogen.",
    "Husk at registrere din tid senest fredag kl. 12.",
    "Mødet holdes i store mødelokale, og der er kaffe fra kl. 8.45.",
    "Der bliver mulighed for at deltage online for dem, der arbejder hjemme.",
    "Vi følger op på sagen på næste personalemøde.",
    "Medlemmerne har taget godt imod de nye tilbud.",
    "Planen er lavet i samarbejde med tillidsrepræsentanterne.",
    "Ændringen gælder fra den første i næste måned.",
    "Se vedhæftede oversigt for detaljer om de enkelte datoer.",
)
SEARCH_SENTENCES = (
    "Den nye overenskomst giver lønstigninger på 10 procent over tre år.",
    "Urafstemningen om overenskomsten slutter om to uger.",
)
LIST_ITEMS = (
    "tilmelding senest onsdag", "husk medlemsnummer", "mødet er for alle ansatte", "frokost er inkluderet",
    "parkering i gården", "præsentationen kommer bagefter", "spørgsmål til HR",
)


@dataclass(frozen=True)
class Plan:
    people: int
    posts: int
    seed: int = SEED

    @property
    def districts(self) -> int:
        return max(10, self.people // 1000)

    @property
    def teams_per_district(self) -> int:
        district_people = self.people * 9 // 10 // self.districts
        return max(2, district_people // 100)

    @property
    def days(self) -> int:
        return 365 if self.posts < 100_000 else 3 * 365


@dataclass
class Organisation:
    units: list[tuple[Any, ...]] = field(default_factory=list)  # id, parent, name, kind, path, sort_order, created
    departments: list[int] = field(default_factory=list)
    districts: list[int] = field(default_factory=list)
    teams: dict[int, list[int]] = field(default_factory=dict)  # district id -> its team ids
    members: dict[int, list[int]] = field(default_factory=dict)  # unit id -> person ids (primary members)
    bench_person: int = 0
    bench_team: int = 0
    bench_district: int = 0
    pinned: list[int] = field(default_factory=list)  # the three newest national posts


UNIT_COLUMNS = ("id", "parent", "name", "kind", "path", "sort_order", "created_at")
PERSON_COLUMNS = ("id", "email", "name", "title", "phone", "mobile", "active", "password_hash", "start_date",
                  "created_at", "updated_at")
MEMBERSHIP_COLUMNS = ("id", "person", "unit", "title", "is_primary", "is_manager")
POST_COLUMNS = ("id", "author", "title", "body", "body_html", "important", "pinned_until", "published_at",
                "expires_at", "created_at", "deleted_at")
AUDIENCE_COLUMNS = ("id", "post", "key", "published_at")
SEARCH_COLUMNS = ("kind", "ref_id", "title", "body", "url", "audience", "updated_at")
# PostgreSQL also gets the words of the title and the body, split as the search service splits them.
SEARCH_WORD_COLUMNS = ("title_words", "body_words")
FILLED_TABLES = ("org_unit", "person", "membership", "post", "post_audience", "search_document")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0)


def organisation(plan: Plan, moment: datetime.datetime) -> Organisation:
    org = Organisation()
    ids = itertools.count(1)

    def add(parent: tuple[Any, ...] | None, name: str, kind: str) -> tuple[Any, ...]:
        unit_id = next(ids)
        path = f"{parent[4] if parent else '/'}{unit_id}/"
        row = (unit_id, parent[0] if parent else None, name, kind, path, unit_id, moment)
        org.units.append(row)
        return row

    root = add(None, "Forbundet", "organisation")
    head = add(root, "Hovedkontoret", "head office")
    org.departments = [add(head, name, "department")[0] for name in DEPARTMENTS]
    for index in range(plan.districts):
        name = DISTRICT_NAMES[index] if index < len(DISTRICT_NAMES) else f"Distrikt {index + 1}"
        district = add(root, name, "district")
        org.districts.append(district[0])
        org.teams[district[0]] = [
            add(district, f"{TEAM_NAMES[t % len(TEAM_NAMES)]} {t // len(TEAM_NAMES) + 1} {name}", "team")[0]
            for t in range(plan.teams_per_district)
        ]
    return org


def people(plan: Plan, org: Organisation, rng: random.Random, moment: datetime.datetime,
           password_hash: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Person rows and their primary memberships; person 1 is the benchmark's signed-in member."""
    head_units = org.departments
    local_units = [u for d in org.districts for u in (d, *org.teams[d])]
    persons: list[tuple[Any, ...]] = []
    memberships: list[tuple[Any, ...]] = []
    for person_id in range(1, plan.people + 1):
        if person_id == 1:
            # A member of a team in the first district: keys all, the organisation, the district, the team.
            org.bench_district = org.districts[0]
            org.bench_team = org.teams[org.bench_district][0]
            unit, email, name = org.bench_team, BENCH_EMAIL, "Bente Benchmark"
        else:
            unit = rng.choice(head_units) if rng.random() < 0.1 else rng.choice(local_units)
            first = rng.choice(FEMALE_NAMES if rng.random() < 0.55 else MALE_NAMES)
            last = rng.choice(LAST_NAMES)
            name = f"{first} {last}"
            email = f"{ascii_fold(first)}.{ascii_fold(last)}.{person_id}@bench.example.org".lower().replace(" ", "")
        title = rng.choice(TITLES)
        phone = f"+45 {rng.randrange(20, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)} {rng.randrange(10, 99)}"
        start = (moment - datetime.timedelta(days=rng.randrange(30, 9000))).date()
        persons.append((person_id, email, name, title, phone, "", True, password_hash if person_id == 1 else None,
                        start, moment, moment))
        memberships.append((person_id, person_id, unit, title, True, False))
        org.members.setdefault(unit, []).append(person_id)
    org.bench_person = 1
    return persons, memberships


def bodies(rng: random.Random) -> list[tuple[str, str]]:
    """A pool of markdown bodies and their HTML, rendered by the application's renderer."""
    pool = []
    for index in range(BODY_POOL):
        paragraphs = [" ".join(rng.sample(SENTENCES, rng.randint(2, 4))) for _ in range(rng.randint(1, 3))]
        if index % 10 == 0:
            paragraphs.insert(0, " ".join(SEARCH_SENTENCES))
        if index % 3 == 0:
            paragraphs.append("\n".join(f"- {item}" for item in rng.sample(LIST_ITEMS, 3)))
        if index % 4 == 0:
            paragraphs.append("Læs mere på [forbundets hjemmeside](https://example.org/nyheder) — **husk fristen**.")
        text = "\n\n".join(paragraphs)
        pool.append((text, str(render(text))))
    return pool


def posts(plan: Plan, org: Organisation, rng: random.Random,
          moment: datetime.datetime) -> Iterator[tuple[tuple[Any, ...], list[tuple[Any, ...]]]]:
    """(post row, its audience rows), oldest first; ids from 1."""
    pool = bodies(rng)
    search_bodies = [i for i in range(BODY_POOL) if i % 10 == 0]
    span = datetime.timedelta(days=plan.days).total_seconds()
    step = span / plan.posts
    head_people = [p for d in org.departments for p in org.members.get(d, [])] or [1]
    district_people = {
        d: [p for u in (d, *org.teams[d]) for p in org.members.get(u, [])] or head_people for d in org.districts
    }
    national_ids: list[int] = []
    audience_id = itertools.count(1)
    scheduled = set(range(plan.posts - 9, plan.posts + 1))  # the ten newest ids are published in the future
    for post_id in range(1, plan.posts + 1):
        if post_id in scheduled:
            published = moment + datetime.timedelta(hours=6 * (post_id - plan.posts + 10))
        else:
            age = span - (post_id - 1) * step - rng.random() * step * 0.5
            published = moment - datetime.timedelta(seconds=max(60.0, age))
        draw = rng.random()
        if draw < 0.08:
            keys = ["all"]
            author = rng.choice(head_people)
            title = rng.choice(NATIONAL_TITLES)
            body_index = rng.choice(search_bodies) if rng.random() < 0.5 else rng.randrange(BODY_POOL)
            if post_id not in scheduled:
                national_ids.append(post_id)
        elif draw < 0.12:
            department = rng.choice(org.departments)
            keys = [f"unit:{department}"]
            author = rng.choice(org.members.get(department) or head_people)
            title = rng.choice(LOCAL_TITLES)
            body_index = rng.randrange(BODY_POOL)
        else:
            district = rng.choice(org.districts)
            author = rng.choice(district_people[district])
            title = rng.choice(LOCAL_TITLES)
            body_index = rng.randrange(BODY_POOL)
            if draw < 0.62:
                keys = [f"unit:{district}"]
            elif draw < 0.70:
                other = rng.choice(org.districts)
                keys = list(dict.fromkeys([f"unit:{district}", f"unit:{other}"]))
            else:
                keys = [f"unit:{rng.choice(org.teams[district])}"]
        body, body_html = pool[body_index]
        important = rng.random() < 0.01
        deleted = moment - datetime.timedelta(days=1) if rng.random() < 0.005 else None
        expires = published + datetime.timedelta(days=7) if rng.random() < 0.01 else None
        row = (post_id, author, title, body, body_html, important, None, published, expires, published, deleted)
        yield row, [(next(audience_id), post_id, key, published) for key in keys]
    # The pins: set by an update once the rows are written.
    org.pinned = national_ids[-3:]


def chunks(rows: Iterable[tuple[Any, ...]], size: int = CHUNK) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


@dataclass
class Report:
    people: int = 0
    posts: int = 0
    audience_rows: int = 0
    documents: int = 0
    units: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    def line(self) -> str:
        steps = ", ".join(f"{name} {s:.1f} s" for name, s in self.seconds.items())
        return (f"filled {self.people:,} people, {self.units:,} units, {self.posts:,} posts "
                f"({self.audience_rows:,} audience rows, {self.documents:,} search documents): {steps}")


class SearchRows:
    """Search documents as the search service writes them (people and published, undeleted posts)."""

    def __init__(self, moment: datetime.datetime) -> None:
        from intranet_core.markup import plain_text
        from intranet_core.search import providers, service

        self.moment = moment
        self.plain_text = plain_text
        self.words = service.words
        self.person_body = providers.person_body
        self.person_url = providers.person_url
        self.kind_post, self.kind_person = service.KIND_POST, service.KIND_PERSON
        self._bodies: dict[str, tuple[str, str]] = {}

    def person(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        _id, email, name, title, phone, mobile = row[:6]
        body = self.person_body(title=title, email=email, phone=phone, mobile=mobile)
        return (self.kind_person, row[0], name, body, self.person_url(email), "all", self.moment,
                " ".join(self.words(name)), " ".join(self.words(body)))

    def post(self, row: tuple[Any, ...], keys: list[tuple[Any, ...]]) -> tuple[Any, ...] | None:
        post_id, _author, title, body = row[:4]
        published, deleted = row[7], row[10]
        if deleted is not None or published > self.moment:
            return None
        if body not in self._bodies:
            text = self.plain_text(body)
            self._bodies[body] = (text, " ".join(self.words(text)))
        text, body_words = self._bodies[body]
        title = title or self.plain_text(body, 80)
        audience = " ".join(sorted(key[2] for key in keys))
        return (self.kind_post, post_id, title, text, f"/posts/{post_id}", audience, self.moment,
                " ".join(self.words(title)), body_words)


async def _write_all(plan: Plan, write: Callable[[str, Sequence[str], list[tuple[Any, ...]]], Any],
                     password_hash: str, report: Report, log: Callable[[str], None], *, search: bool,
                     announced: bool) -> list[int]:
    """Write everything; ``announced``: the post table has ``announced_at`` (set for published posts)."""
    moment = now()
    post_columns = (*POST_COLUMNS, "announced_at") if announced else POST_COLUMNS
    rng = random.Random(plan.seed)  # noqa: S311 - benchmark data, not secrets
    org = organisation(plan, moment)
    persons, memberships = people(plan, org, rng, moment, password_hash)
    report.units, report.people = len(org.units), len(persons)
    searchable = SearchRows(moment) if search else None
    t0 = time.perf_counter()
    await write("org_unit", UNIT_COLUMNS, org.units)
    for chunk in chunks(persons):
        await write("person", PERSON_COLUMNS, chunk)
        if searchable is not None:
            await write("search_document", SEARCH_COLUMNS, [searchable.person(row) for row in chunk])
    for chunk in chunks(memberships):
        await write("membership", MEMBERSHIP_COLUMNS, chunk)
    report.seconds["people"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    audience: list[tuple[Any, ...]] = []
    post_rows: list[tuple[Any, ...]] = []
    documents: list[tuple[Any, ...]] = []

    async def flush() -> None:
        await write("post", post_columns, post_rows)
        await write("post_audience", AUDIENCE_COLUMNS, audience)
        if documents:
            await write("search_document", SEARCH_COLUMNS, documents)
        report.posts += len(post_rows)
        report.audience_rows += len(audience)
        report.documents += len(documents)

    for row, keys in posts(plan, org, rng, moment):
        # A published post has been announced (else the site's scheduler would announce every one of them).
        post_rows.append((*row, row[7] if row[7] <= moment else None) if announced else row)
        audience.extend(keys)
        if searchable is not None and (document := searchable.post(row, keys)) is not None:
            documents.append(document)
        if len(post_rows) >= CHUNK:
            await flush()
            post_rows, audience, documents = [], [], []
            if report.posts % (CHUNK * 4) == 0:
                log(f"  {report.posts:,} posts ({time.perf_counter() - t0:.0f} s)")
    if post_rows:
        await flush()
    report.seconds["posts"] = time.perf_counter() - t0
    return org.pinned


def _password_hash() -> str:
    from intranet_core.auth.passwords import hash_password

    return hash_password(BENCH_PASSWORD)


async def fill_postgres(url: str, plan: Plan, log: Callable[[str], None] = print) -> Report:
    """Fill a migrated, empty PostgreSQL database."""
    import asyncpg

    report = Report()
    connection = await asyncpg.connect(url)
    try:
        # The copy skips the foreign-key triggers; the generator keeps every reference valid.
        await connection.execute("SET session_replication_role = replica")
        indexes = await connection.fetch(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = ANY($1) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            list(FILLED_TABLES),
        )
        for index in indexes:
            await connection.execute(f'DROP INDEX "{index["indexname"]}"')

        search = bool(await connection.fetchval("SELECT to_regclass('public.search_document') IS NOT NULL"))
        if search:
            # COPY cannot compute the tsvector: the documents go through a staging table.
            await connection.execute(
                "CREATE TEMPORARY TABLE search_staging (kind text, ref_id int, title text, body text, url text, "
                "audience text, updated_at timestamptz, title_words text, body_words text)"
            )

        async def write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
            if table == "search_document":
                table, columns = "search_staging", (*columns, *SEARCH_WORD_COLUMNS)
            await connection.copy_records_to_table(table, records=rows, columns=list(columns))

        announced = bool(await connection.fetchval(
            "SELECT 1 FROM information_schema.columns WHERE table_name = 'post' AND column_name = 'announced_at'"
        ))
        pinned = await _write_all(plan, write, _password_hash(), report, log, search=search, announced=announced)
        if search:
            t0 = time.perf_counter()
            await connection.execute(
                f"INSERT INTO search_document ({', '.join(SEARCH_COLUMNS)}, tsv) "  # noqa: S608
                f"SELECT {', '.join(SEARCH_COLUMNS)}, setweight(to_tsvector('simple', title_words), 'A') || "
                "setweight(to_tsvector('simple', body_words), 'B') FROM search_staging"
            )
            await connection.execute("DROP TABLE search_staging")
            report.seconds["search"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for index in indexes:
            await connection.execute(index["indexdef"])
        report.seconds["indexes"] = time.perf_counter() - t0
        await connection.execute(
            "UPDATE post SET pinned_until = now() + interval '7 days' WHERE id = ANY($1::int[])", pinned
        )
        for table in FILLED_TABLES:
            if table == "search_document" and not search:
                continue
            await connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 1) FROM {table}))"  # noqa: S608
            )
        t0 = time.perf_counter()
        filled = [t for t in FILLED_TABLES if search or t != "search_document"]
        await connection.execute(f"VACUUM ANALYZE {', '.join(filled)}")
        report.seconds["vacuum analyze"] = time.perf_counter() - t0
    finally:
        await connection.close()
    return report


async def fill_sqlite(path: str, plan: Plan, log: Callable[[str], None] = print) -> Report:
    """Fill a migrated, empty SQLite file (one transaction)."""
    report = Report()
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = OFF")
        placeholders = ",".join("?" * len(FILLED_TABLES))
        indexes = connection.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
            f"AND tbl_name IN ({placeholders})",
            FILLED_TABLES,
        ).fetchall()
        connection.execute("BEGIN IMMEDIATE")
        for name, _sql in indexes:
            connection.execute(f'DROP INDEX "{name}"')

        def value(v: Any) -> Any:
            # As Piccolo stores them: timestamps and dates as text, booleans as 0/1.
            if isinstance(v, datetime.datetime | datetime.date):
                return str(v)
            return v

        async def write(table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
            sql = f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'  # noqa: S608
            # Search rows carry the split words for PostgreSQL too: SQLite's FTS5 triggers split their own.
            connection.executemany(sql, ([value(v) for v in row[: len(columns)]] for row in rows))

        search = connection.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_document'"
        ).fetchone() is not None
        announced = any(row[1] == "announced_at" for row in connection.execute("PRAGMA table_info(post)"))
        pinned = await _write_all(plan, write, _password_hash(), report, log, search=search, announced=announced)
        t0 = time.perf_counter()
        for _name, sql in indexes:
            connection.execute(sql)
        report.seconds["indexes"] = time.perf_counter() - t0
        until = str(now() + datetime.timedelta(days=7))
        connection.executemany("UPDATE post SET pinned_until = ? WHERE id = ?", [(until, p) for p in pinned])
        connection.execute("COMMIT")
        t0 = time.perf_counter()
        connection.execute("PRAGMA analysis_limit = 1000")  # as Database.analyze()
        connection.execute("ANALYZE")
        report.seconds["analyze"] = time.perf_counter() - t0
    finally:
        connection.close()
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("target", help="postgresql://… URL or a SQLite file path (migrated, empty)")
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--posts", type=int, default=10_000)
    args = parser.parse_args()
    plan = Plan(args.people, args.posts)
    t0 = time.perf_counter()
    if args.target.startswith(("postgres://", "postgresql://")):
        report = asyncio.run(fill_postgres(args.target, plan))
    else:
        report = asyncio.run(fill_sqlite(args.target.removeprefix("sqlite:///"), plan))
    print(report.line() + f"; {time.perf_counter() - t0:.1f} s in all")
    return 0


if __name__ == "__main__":
    sys.exit(main())
