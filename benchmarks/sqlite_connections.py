"""SQLite select throughput through Piccolo: stock ``SQLiteEngine`` vs ``PooledSQLiteEngine``.

Both engines read the same WAL-mode database file (a temporary directory, a
Piccolo table of 1,000 rows). Each run selects one row by primary key, again
and again, from 1 task and from 8 concurrent tasks, for ``--seconds`` (or
``--max-queries``), and checks every row it gets back. Plain ``sqlite3`` and a
single raw ``aiosqlite`` connection are measured too, for reference.

Then a write check on the pooled engine: 200 concurrent read-then-write
transactions through ``Database.transaction(write=True)`` (``BEGIN IMMEDIATE``)
while other tasks keep running plain selects; it counts "database is locked"
failures, lost updates and connections left open. For contrast, the same with
Piccolo's own ``engine.transaction(TransactionType.immediate)`` (nothing the
core adds) and with ``Database.transaction(write=False)`` (``DEFERRED``).

Run from the repository root::

    .venv/bin/python benchmarks/sqlite_connections.py

Not a test: it prints figures, and exits 1 only if a row was wrong, a select
failed, an IMMEDIATE transaction lost an update, or a
``Database.transaction(write=True)`` failed.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import importlib.metadata
import os
import platform
import random
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiosqlite
from piccolo.columns import Integer, Serial, Varchar
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.table import Table

from intranet_core.db import Database, PooledSQLiteEngine

ROWS = 1_000
SELECT_SQL = 'SELECT "id", "name", "value" FROM "bench_row" WHERE "id" = ?'


class BenchRow(Table, tablename="bench_row"):
    id = Serial(primary_key=True)
    name = Varchar(length=50)
    value = Integer()


class BenchCounter(Table, tablename="bench_counter"):
    id = Serial(primary_key=True)
    value = Integer(default=0)


Expected = dict[int, dict[str, Any]]


def one(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        raise LookupError("expected a row, got none")
    return row


@dataclass
class Result:
    label: str
    tasks: int
    rates: list[float] = field(default_factory=list)
    queries: int = 0
    wrong: int = 0
    errors: collections.Counter[str] = field(default_factory=collections.Counter)

    @property
    def median(self) -> float:
        return statistics.median(self.rates) if self.rates else 0.0


# --- setup -------------------------------------------------------------------


async def create_database(path: Path) -> Expected:
    """WAL mode, the table and 1,000 rows, written through Piccolo; returns the rows as stored."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    if mode.lower() != "wal":
        raise SystemExit(f"could not switch {path} to WAL (journal_mode={mode})")
    engine = SQLiteEngine(path=str(path))
    BenchRow._meta.db = engine
    BenchCounter._meta.db = engine
    await BenchRow.create_table().run()
    await BenchCounter.create_table().run()
    async with engine.transaction():
        for start in range(0, ROWS, 250):
            await BenchRow.insert(
                *[BenchRow(name=f"row-{i:04d}", value=i * 7) for i in range(start, start + 250)]
            ).run()
    await BenchCounter.insert(BenchCounter(value=0)).run()

    with contextlib.closing(sqlite3.connect(path)) as connection:
        stored = connection.execute('SELECT "id", "name", "value" FROM "bench_row" ORDER BY "id"').fetchall()
    expected = {pk: {"id": pk, "name": name, "value": value} for pk, name, value in stored}
    if len(expected) != ROWS or any(r["value"] != int(r["name"][4:]) * 7 for r in expected.values()):
        raise SystemExit(f"set-up wrote {len(expected)} rows, or wrong ones")
    return expected


# --- timed loops -------------------------------------------------------------


async def timed(
    select: Callable[[int], Awaitable[dict[str, Any] | None]],
    result: Result,
    expected: Expected,
    seconds: float,
    max_queries: int,
    warmup_s: float = 0.2,
) -> None:
    """Run ``select(pk)`` from ``result.tasks`` tasks until the time or query budget is spent."""
    await _phase(select, result, expected, warmup_s, 10**9, record=False)
    await _phase(select, result, expected, seconds, max_queries, record=True)


async def _phase(
    select: Callable[[int], Awaitable[dict[str, Any] | None]],
    result: Result,
    expected: Expected,
    seconds: float,
    budget: int,
    *,
    record: bool,
) -> None:
    pks = list(expected)
    started = done = 0
    deadline = time.perf_counter() + seconds

    async def worker(seed: int) -> None:
        nonlocal started, done
        rnd = random.Random(seed)  # noqa: S311 - not for security
        while started < budget and time.perf_counter() < deadline:
            started += 1
            pk = rnd.choice(pks)
            try:
                row = await select(pk)
            except Exception as exc:
                if record:
                    result.errors[f"{type(exc).__name__}: {exc}"] += 1
                continue
            done += 1
            if record and row != expected[pk]:
                result.wrong += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(seed) for seed in range(result.tasks)))
    elapsed = time.perf_counter() - t0
    if record:
        result.rates.append(done / elapsed)
        result.queries += done


def piccolo_select(engine: SQLiteEngine) -> Callable[[int], Awaitable[dict[str, Any] | None]]:
    async def select(pk: int) -> dict[str, Any] | None:
        return await BenchRow.select(BenchRow.id, BenchRow.name, BenchRow.value).where(BenchRow.id == pk).first()

    def bound(pk: int) -> Awaitable[dict[str, Any] | None]:
        BenchRow._meta.db = engine
        return select(pk)

    return bound


def aiosqlite_select(
    connection: aiosqlite.Connection,
) -> Callable[[int], Awaitable[dict[str, Any] | None]]:
    async def select(pk: int) -> dict[str, Any] | None:
        async with connection.execute(SELECT_SQL, (pk,)) as cursor:
            row = await cursor.fetchone()
        return None if row is None else {"id": row[0], "name": row[1], "value": row[2]}

    return select


def sqlite3_loop(path: Path, expected: Expected, seconds: float, max_queries: int, result: Result) -> None:
    pks = list(expected)
    rnd = random.Random(0)  # noqa: S311 - not for security
    connection = sqlite3.connect(path)
    try:
        for _ in range(200):  # warm-up
            connection.execute(SELECT_SQL, (rnd.choice(pks),)).fetchone()
        done = 0
        t0 = time.perf_counter()
        deadline = t0 + seconds
        while done < max_queries and time.perf_counter() < deadline:
            pk = rnd.choice(pks)
            row = connection.execute(SELECT_SQL, (pk,)).fetchone()
            done += 1
            if row is None or {"id": row[0], "name": row[1], "value": row[2]} != expected[pk]:
                result.wrong += 1
        result.rates.append(done / (time.perf_counter() - t0))
        result.queries += done
    finally:
        connection.close()


# --- write check -------------------------------------------------------------


WRITE_MODES = {
    "database-write": "Database.transaction(write=True)",
    "piccolo-immediate": "Piccolo IMMEDIATE, no queue",
    "database-read": "Database.transaction(write=False)",
}


@dataclass
class WriteCheck:
    kind: str
    transactions: int
    ok: int = 0
    locked: int = 0
    other: collections.Counter[str] = field(default_factory=collections.Counter)
    final_value: int = -1
    elapsed: float = 0.0
    reads: int = 0
    reads_wrong: int = 0
    read_errors: collections.Counter[str] = field(default_factory=collections.Counter)
    read_max_ms: float = 0.0
    leaked: int = 0


async def write_check(db: Database, expected: Expected, *, mode: str, transactions: int, readers: int) -> WriteCheck:
    """``transactions`` concurrent read-then-write transactions on one counter, readers alongside.

    ``mode``: ``database-write`` is ``Database.transaction(write=True)``, the
    way the core asks writes to be made; ``piccolo-immediate`` is Piccolo's own
    ``engine.transaction(TransactionType.immediate)``, without anything the
    core adds; ``database-read`` is ``Database.transaction(write=False)``
    (DEFERRED), which is not meant for writes.
    """
    check = WriteCheck(WRITE_MODES[mode], transactions)
    engine = db.engine
    assert isinstance(engine, PooledSQLiteEngine)
    failed: list[Any] = []
    BenchRow._meta.db = engine
    BenchCounter._meta.db = engine
    await BenchCounter.update({BenchCounter.value: 0}, force=True).run()
    counter_id = one(await BenchCounter.select(BenchCounter.id).first())["id"]
    pks = list(expected)
    writers_done = asyncio.Event()

    def transaction() -> Any:
        if mode == "piccolo-immediate":
            return engine.transaction(transaction_type=TransactionType.immediate)
        return db.transaction(write=mode == "database-write")

    async def writer() -> None:
        context = transaction()
        try:
            async with context:
                row = await BenchCounter.select(BenchCounter.value).where(BenchCounter.id == counter_id).first()
                await asyncio.sleep(0)  # let the other transactions interleave here
                await BenchCounter.update({BenchCounter.value: one(row)["value"] + 1}).where(
                    BenchCounter.id == counter_id
                )
            check.ok += 1
        except sqlite3.OperationalError as exc:
            if "database is locked" in str(exc):
                check.locked += 1
            else:
                check.other[f"{type(exc).__name__}: {exc}"] += 1
            failed.append(context)
        except Exception as exc:
            check.other[f"{type(exc).__name__}: {exc}"] += 1
            failed.append(context)

    async def reader(seed: int) -> None:
        rnd = random.Random(seed)  # noqa: S311 - not for security
        while not writers_done.is_set():
            pk = rnd.choice(pks)
            t0 = time.perf_counter()
            try:
                row = await BenchRow.select(BenchRow.id, BenchRow.name, BenchRow.value).where(BenchRow.id == pk).first()
            except Exception as exc:
                check.read_errors[f"{type(exc).__name__}: {exc}"] += 1
                continue
            check.read_max_ms = max(check.read_max_ms, (time.perf_counter() - t0) * 1000)
            check.reads += 1
            if row != expected[pk]:
                check.reads_wrong += 1

    async def writers() -> None:
        try:
            await asyncio.gather(*(writer() for _ in range(transactions)))
        finally:
            writers_done.set()

    # Open the pooled connections the readers will use, so the thread count
    # below changes only when a transaction leaves its connection open.
    await asyncio.gather(*(BenchRow.select().where(BenchRow.id == pk).first() for pk in pks[:readers]))
    await asyncio.sleep(0.05)
    threads = threading.active_count()
    t0 = time.perf_counter()
    await asyncio.gather(writers(), *(reader(seed) for seed in range(readers)))
    check.elapsed = time.perf_counter() - t0
    await asyncio.sleep(0.05)
    # Each aiosqlite connection has its own (non-daemon) thread. Piccolo's
    # SQLiteTransaction opens its connection, then runs BEGIN; when BEGIN fails
    # it never closes the connection, so its thread stays (and keeps the
    # process from exiting). Count them, and close the ones reachable here.
    check.leaked = max(0, threading.active_count() - threads)
    for context in failed:
        connection = getattr(context, "connection", None)
        if connection is not None:
            await connection.close()  # a no-op when Piccolo closed it
    # Read back through a pooled connection: it must see every committed write.
    check.final_value = one(await BenchCounter.select(BenchCounter.value).where(BenchCounter.id == counter_id).first())[
        "value"
    ]
    return check


# --- main --------------------------------------------------------------------


def versions() -> str:
    def v(name: str) -> str:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return "-"

    return (
        f"Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"piccolo {v('piccolo')}, "
        f"aiosqlite {v('aiosqlite')}, {os.cpu_count()} CPUs"
    )


async def main_async(args: argparse.Namespace, directory: Path, loop_name: str) -> int:
    path = directory / "bench.sqlite3"
    expected = await create_database(path)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        mode = connection.execute("PRAGMA journal_mode").fetchone()[0]

    stock = SQLiteEngine(path=str(path))
    db = Database(f"sqlite:///{path}", pool_size=args.pool_size)
    await db.connect()
    pooled = db.engine
    assert isinstance(pooled, PooledSQLiteEngine)
    raw = await aiosqlite.connect(path)

    print(versions())
    print(
        f"Database: {ROWS:,} rows, journal_mode={mode}; event loop: {loop_name}; "
        f"CPUs this process may use: {sorted(os.sched_getaffinity(0))}; "
        f"pooled engine pool_size={pooled.pool_size}"
    )
    print(
        f"Each run: {args.seconds:g} s or {args.max_queries:,} selects, whichever first; "
        f"{args.repeat} runs per row, interleaved; selects/s of the median, best and worst run.\n"
    )

    rows: list[Result] = []
    try:
        for tasks in args.tasks:
            configs: list[tuple[str, Callable[[int], Awaitable[dict[str, Any] | None]]]] = [
                ("Piccolo + SQLiteEngine (stock)", piccolo_select(stock)),
                ("Piccolo + PooledSQLiteEngine", piccolo_select(pooled)),
                ("aiosqlite, 1 connection, raw SQL", aiosqlite_select(raw)),
            ]
            results = [Result(label, tasks) for label, _ in configs]
            for _ in range(args.repeat):  # interleaved, so drift hits every engine alike
                for (_label, select), result in zip(configs, results, strict=True):
                    await timed(select, result, expected, args.seconds, args.max_queries)
            rows.extend(results)
        plain = Result("sqlite3, 1 connection, raw SQL (sync)", 1)
        for _ in range(args.repeat):
            sqlite3_loop(path, expected, args.seconds, args.max_queries, plain)
        rows.append(plain)

        width = max(len(r.label) for r in rows)
        header = f"{'engine':<{width}}  tasks     median       best      worst    checked  wrong  errors"
        print(header)
        print("-" * len(header))
        for r in rows:
            print(
                f"{r.label:<{width}}  {r.tasks:>5}  {r.median:>9,.0f}  {max(r.rates):>9,.0f}  "
                f"{min(r.rates):>9,.0f}  {r.queries:>9,}  {r.wrong:>5}  {sum(r.errors.values()):>6}"
            )
        print()
        by = {(r.label, r.tasks): r for r in rows}
        for tasks in args.tasks:
            stock_rates = by[("Piccolo + SQLiteEngine (stock)", tasks)].rates
            pooled_rates = by[("Piccolo + PooledSQLiteEngine", tasks)].rates
            # Each round runs stock, then pooled: compare the runs of one round.
            ratios = sorted(p / s for s, p in zip(stock_rates, pooled_rates, strict=True))
            print(
                f"ratio pooled/stock, {tasks} task{'s' if tasks > 1 else ''}: "
                f"{statistics.median(ratios):.1f}x (median of {len(ratios)} rounds; "
                f"{ratios[0]:.1f}x - {ratios[-1]:.1f}x)"
            )
        for r in rows:
            for message, count in r.errors.most_common(3):
                print(f"  error in {r.label}, {r.tasks} tasks: {count} x {message}")

        print(
            f"\nWrite check on PooledSQLiteEngine: {args.transactions} concurrent read-then-write "
            f"transactions on one counter "
            f"(busy timeout {pooled.connection_kwargs['timeout']:g} s), "
            f"{args.readers} tasks running plain selects meanwhile"
        )
        checks: list[WriteCheck] = []
        plan = ["database-write"] * args.write_repeat
        if not args.skip_contrast:
            plan += ["piccolo-immediate", "database-read"]
        width = max(len(WRITE_MODES[mode]) for mode in plan)
        for mode in plan:
            c = await write_check(db, expected, mode=mode, transactions=args.transactions, readers=args.readers)
            checks.append(c)
            print(
                f"  {c.kind:<{width}}  committed {c.ok:>3}/{c.transactions}, "
                f"'database is locked' {c.locked:>3}, other errors {sum(c.other.values())}, "
                f"counter {c.final_value} (lost updates {c.ok - c.final_value}), {c.elapsed:.2f} s"
            )
            print(
                f"  {'':<{width}}  selects meanwhile: {c.reads:,} ({c.reads / c.elapsed:,.0f}/s), "
                f"wrong {c.reads_wrong}, errors {sum(c.read_errors.values())}, "
                f"slowest {c.read_max_ms:.1f} ms" + (f"; connections left open: {c.leaked}" if c.leaked else "")
            )
            for message, count in [*c.other.most_common(3), *c.read_errors.most_common(3)]:
                print(f"  {'':<{width}}  {count} x {message}")
    finally:
        await raw.close()
        await db.close()

    problems = []
    if any(r.wrong for r in rows) or any(c.reads_wrong for c in checks):
        problems.append("a select returned a wrong row")
    if any(r.errors for r in rows) or any(c.read_errors for c in checks):
        problems.append("a select failed")
    immediate = [c for c in checks if c.kind != WRITE_MODES["database-read"]]
    if any(c.final_value != c.ok for c in immediate):
        problems.append("an IMMEDIATE transaction lost an update")
    core = [c for c in checks if c.kind == WRITE_MODES["database-write"]]
    if any(c.ok != c.transactions for c in core):
        failures = sum(c.transactions - c.ok for c in core)
        total = sum(c.transactions for c in core)
        problems.append(f"{failures} of {total} Database.transaction(write=True) failed")
    if problems:
        print("\nFAILED: " + "; ".join(problems) + ".")
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=1.0, help="length of each timed run (default 1)")
    parser.add_argument("--max-queries", type=int, default=200_000, help="selects per run at most (default 200000)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per configuration (default 5)")
    parser.add_argument("--tasks", type=int, nargs="+", default=[1, 8], help="concurrent tasks (default 1 8)")
    parser.add_argument(
        "--pool-size",
        type=int,
        default=10,
        help="[database] pool_size as in settings (SQLite uses min(pool_size, 8); default 10)",
    )
    parser.add_argument("--transactions", type=int, default=200, help="write check: concurrent transactions")
    parser.add_argument("--readers", type=int, default=4, help="write check: tasks running selects meanwhile")
    parser.add_argument(
        "--write-repeat", type=int, default=3, help="write check: rounds of Database.transaction(write=True)"
    )
    parser.add_argument(
        "--skip-contrast",
        action="store_true",
        help="write check: skip the rounds with Piccolo's own IMMEDIATE and with DEFERRED",
    )
    parser.add_argument(
        "--loop",
        choices=["auto", "asyncio", "uvloop"],
        default="auto",
        help="event loop; auto = uvloop when installed, as uvicorn does",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        default=None,
        help="run every thread of this process on this one CPU (default: wherever the OS puts them)",
    )
    parser.add_argument("--time-limit", type=int, default=600, help="stop after this many seconds (default 600)")
    args = parser.parse_args()
    if args.cpu is not None:
        # Before any thread exists: aiosqlite's threads inherit the affinity.
        os.sched_setaffinity(0, {args.cpu})

    def out_of_time(*_: Any) -> None:
        print(f"\nstopped: still running after {args.time_limit} s", flush=True)
        os._exit(2)

    signal.signal(signal.SIGALRM, out_of_time)  # it starts no processes: nothing to clean up
    signal.alarm(args.time_limit)

    loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = None
    loop_name = "asyncio"
    if args.loop in ("auto", "uvloop"):
        try:
            import uvloop

            loop_factory, loop_name = uvloop.new_event_loop, "uvloop"
        except ImportError:
            if args.loop == "uvloop":
                raise
    with (
        tempfile.TemporaryDirectory(prefix="bench-sqlite-") as directory,
        asyncio.Runner(loop_factory=loop_factory) as runner,
    ):
        status = runner.run(main_async(args, Path(directory), loop_name))
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stuck:
        # Left-over aiosqlite worker threads would keep the interpreter from exiting.
        print(
            f"warning: {len(stuck)} non-daemon thread(s) still running "
            f"({', '.join(sorted({t.name for t in stuck}))}); exiting without joining them"
        )
        sys.stdout.flush()
        os._exit(status or 1)
    return status


if __name__ == "__main__":
    sys.exit(main())
