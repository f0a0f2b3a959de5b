"""Backup and restore at scale: how long `intranet backup` and `intranet restore` take, and how large the archive is.

For each database and size asked for (``--run postgres:50000x1000000``,
``sqlite:1000x10000``) it writes an ``intranet.toml`` (the core only) in a
temporary directory, creates the database (PostgreSQL: ``--database``, by
default ``bench_backup_<people>_<posts>``, on the server of ``--postgres``;
SQLite: a file), runs ``intranet migrate``, fills it with ``generate.py``
(people, units, posts, audiences, search documents), and writes ``--files``
uploaded files of ``--file-kib`` KiB of random bytes (as photos and office
files are: they do not compress). Then, as a person runs them, each
``--repeat`` times:

* ``intranet backup -o <dir>/backup.tar.gz``;
* ``intranet restore`` of that archive into an empty database of the same
  kind (PostgreSQL: ``<database>_restored``), whose posts are then counted.

It prints the database's size, the archive's, each command's wall time and
the CPU time and peak memory of the ``intranet`` process itself (``pg_dump``,
``pg_restore`` and ``psql`` run as its children and are not counted). Its
CPU time hardly moves when other work shares the machine; the wall time
does. ``--reuse`` keeps a
filled PostgreSQL database between runs (it is filled again only when its
counts differ); ``--keep`` keeps the databases and the directory.

Run from the repository root::

    .venv/bin/python benchmarks/backup.py --run postgres:50000x1000000 \\
        --postgres postgresql://postgres@127.0.0.1:55432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).parent))

import generate

INTRANET = str(Path(sys.executable).parent / "intranet")
SECRET = "benchmark-secret-key-" + "x" * 32


@dataclass(frozen=True)
class Spec:
    kind: str
    people: int
    posts: int

    @classmethod
    def parse(cls, text: str) -> Spec:
        kind, _sep, size = text.partition(":")
        people, _x, posts = size.partition("x")
        if kind not in ("postgres", "sqlite") or not people.isdigit() or not posts.isdigit():
            raise argparse.ArgumentTypeError(f"expected postgres:PEOPLExPOSTS or sqlite:PEOPLExPOSTS, got {text!r}")
        return cls(kind, int(people), int(posts))


def database_url(server: str, name: str) -> str:
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def run_measured(args: list[str], env: dict[str, str]) -> tuple[float, float, int, str]:
    """Run a command: its wall time, its own CPU time (s) and peak memory (KiB), read with wait4, and its output."""
    started = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(args, env=env, stdout=out, stderr=err, text=True)  # noqa: S603 - our own command
        _pid, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise SystemExit(f"{' '.join(args[:2])} failed:\n{err.read()}")
        return seconds, usage.ru_utime + usage.ru_stime, int(usage.ru_maxrss), out.read()


async def postgres_size(url: str) -> int:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await connection.close()


async def counts(url: str) -> tuple[int, int]:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        people = await connection.fetchval("SELECT count(*) FROM person") if await connection.fetchval(
            "SELECT to_regclass('person') IS NOT NULL") else 0
        posts = await connection.fetchval("SELECT count(*) FROM post") if people else 0
        return int(people), int(posts)
    finally:
        await connection.close()


async def recreate(server: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


async def exists(server: str, name: str) -> bool:
    import asyncpg

    connection = await asyncpg.connect(server)
    try:
        return bool(await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await connection.close()


async def drop(server: str, name: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


def write_config(path: Path, url: str, uploads: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'secret_key = "{SECRET}"\n[database]\nurl = "{url}"\n[uploads]\ndirectory = "{uploads}"\n'
                    "[plugins]\nenabled = []\n")


def write_files(directory: Path, count: int, kib: int) -> int:
    """``count`` files of random bytes laid out as the uploads service lays them out (by sha256)."""
    import hashlib

    total = 0
    for _ in range(count):
        data = os.urandom(kib * 1024)
        digest = hashlib.sha256(data).hexdigest()
        target = directory / digest[:2] / digest
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        total += len(data)
    return total


def size(number: float) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if number >= factor:
            return f"{number / factor:.1f} {unit}"
    return f"{number:.0f} B"


def measure(spec: Spec, args: argparse.Namespace, root: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    name = args.database or f"bench_backup_{spec.people}_{spec.posts}"
    if spec.kind == "postgres":
        source_url = database_url(args.postgres, name)
        target_url = database_url(args.postgres, f"{name}_restored")
        filled = args.reuse and asyncio.run(exists(args.postgres, name)) and asyncio.run(
            counts(source_url)) == (spec.people, spec.posts)
        if not filled:
            asyncio.run(recreate(args.postgres, name))
    else:
        source_url = f"sqlite:///{root / 'source.sqlite3'}"
        target_url = f"sqlite:///{root / 'restored' / 'restored.sqlite3'}"
        filled = False
    source, target = root / "source" / "intranet.toml", root / "target" / "intranet.toml"
    write_config(source, source_url, root / "source" / "uploads")
    write_config(target, target_url, root / "target" / "uploads")
    lines = []
    if not filled:
        run_measured([INTRANET, "migrate", "-c", str(source)], env)
        started = time.perf_counter()
        plan = generate.Plan(spec.people, spec.posts)
        if spec.kind == "postgres":
            report = asyncio.run(generate.fill_postgres(source_url, plan, log=lambda _line: None))
        else:
            report = asyncio.run(generate.fill_sqlite(source_url.removeprefix("sqlite:///"), plan,
                                                      log=lambda _line: None))
        lines.append(f"  filled in {time.perf_counter() - started:.0f} s: {report.line()}")
    file_bytes = write_files(root / "source" / "uploads", args.files, args.file_kib)
    database_bytes = (asyncio.run(postgres_size(source_url)) if spec.kind == "postgres"
                      else Path(source_url.removeprefix("sqlite:///")).stat().st_size)
    lines.append(f"  database {size(database_bytes)}, uploaded files {args.files} x {args.file_kib} KiB "
                 f"= {size(file_bytes)}")
    backups, restores, backup_peaks, restore_peaks, backup_cpu, restore_cpu = [], [], [], [], [], []
    archive_bytes = 0
    for round_ in range(args.repeat):
        archive = root / f"backup-{round_}.tar.gz"
        seconds, cpu, peak, _out = run_measured([INTRANET, "backup", "-c", str(source), "-o", str(archive)], env)
        backups.append(seconds)
        backup_cpu.append(cpu)
        backup_peaks.append(peak)
        archive_bytes = archive.stat().st_size
        if spec.kind == "postgres":
            asyncio.run(recreate(args.postgres, f"{name}_restored"))
        else:
            shutil.rmtree(root / "restored", ignore_errors=True)
        shutil.rmtree(root / "target" / "uploads", ignore_errors=True)
        seconds, cpu, peak, _out = run_measured([INTRANET, "restore", "-c", str(target), str(archive)], env)
        restores.append(seconds)
        restore_cpu.append(cpu)
        restore_peaks.append(peak)
        if spec.kind == "postgres":
            restored = asyncio.run(counts(target_url))
            if restored != (spec.people, spec.posts):
                raise SystemExit(f"the restored database has {restored} people and posts, not "
                                 f"{(spec.people, spec.posts)}")
        archive.unlink()
    lines.append(f"  archive {size(archive_bytes)}")
    for command, walls, cpus, peaks in (("backup: ", backups, backup_cpu, backup_peaks),
                                        ("restore:", restores, restore_cpu, restore_peaks)):
        lines.append(f"  intranet {command} median {statistics.median(walls):.1f} s wall "
                     f"(runs {', '.join(f'{s:.1f}' for s in walls)}), its own CPU {statistics.median(cpus):.1f} s, "
                     f"peak memory {max(peaks) / 1024:.0f} MiB")
    if spec.kind == "postgres" and not args.keep:
        asyncio.run(drop(args.postgres, f"{name}_restored"))
        if not args.reuse:
            asyncio.run(drop(args.postgres, name))
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=Spec.parse, nargs="+", required=True,
                        help="postgres:PEOPLExPOSTS and/or sqlite:PEOPLExPOSTS")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:55432/postgres",
                        help="a database URL on the server to create the databases on")
    parser.add_argument("--database", default=None, help="the PostgreSQL source database's name")
    parser.add_argument("--files", type=int, default=200, help="uploaded files to write (default 200)")
    parser.add_argument("--file-kib", type=int, default=512, help="size of each, KiB (default 512)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse", action="store_true", help="keep a filled PostgreSQL database between runs")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the directory")
    args = parser.parse_args()
    for spec in args.run:
        root = Path(tempfile.mkdtemp(prefix="intranet-backup-bench-"))
        try:
            print(f"{spec.kind}, {spec.people:,} people, {spec.posts:,} posts:", flush=True)
            for line in measure(spec, args, root):
                print(line, flush=True)
        finally:
            if args.keep:
                print(f"  kept {root}")
            else:
                shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
