"""Upgrades: the previous release's schema, with data, migrated to this checkout's loses nothing.

The previous release is the newest tag ``v*`` reachable from ``HEAD``;
``INTRANET_UPGRADE_FROM`` names any other git revision (``HEAD`` tries the
last commit against the working tree). Its source (``git archive``) is
installed into a virtual environment of its own with uv; there its
``intranet migrate`` and its demo data fill the session's database (SQLite or
PostgreSQL). Then this checkout's ``intranet migrate`` upgrades the database,
and every row of every table the old schema had is still there, in the
columns the old schema had, and no migration is left pending.

There is no tagged release yet: until the first one, the test is skipped
(and so it runs in CI from the first tag on). It is also skipped outside a
git checkout and without uv. It needs the package index (or uv's cache) to
install the old release's dependencies.
"""

from __future__ import annotations

import asyncio
import io
import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
from collections import Counter
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from support import is_postgres

from intranet_core.settings import Settings
from intranet_core.testing import TEST_SECRET_KEY, reset_database

REPOSITORY = Path(__file__).resolve().parent.parent
Tables = dict[str, tuple[list[str], list[tuple[Any, ...]]]]
"""Each table's column names and rows."""
UPGRADE_FROM = "INTRANET_UPGRADE_FROM"

# Run with the old release's Python: its own migrations, then its own demo data.
FILL = """
import asyncio, sys
from intranet_core.cli import load_app
from intranet_core.demo import load_demo
from intranet_core.settings import load_settings

intranet = load_app(load_settings(sys.argv[1]))

async def main():
    await intranet.db.connect()
    try:
        await intranet.migrate()
        await load_demo(intranet)
    finally:
        await intranet.db.close()

asyncio.run(main())
"""


def _git(*args: str) -> str | None:
    if shutil.which("git") is None:
        return None
    result = subprocess.run(["git", "-C", str(REPOSITORY), *args], capture_output=True, text=True, check=False)
    return result.stdout.strip() if result.returncode == 0 else None


def previous_release() -> str | None:
    """The revision to upgrade from: ``$INTRANET_UPGRADE_FROM``, else the newest ``v*`` tag before HEAD."""
    if os.environ.get(UPGRADE_FROM):
        return os.environ[UPGRADE_FROM]
    tags = _git("tag", "--list", "v*", "--merged", "HEAD", "--sort=-version:refname")
    return tags.splitlines()[0] if tags else None


def _uv() -> list[str] | None:
    if shutil.which("uv"):
        return ["uv"]
    found = subprocess.run([sys.executable, "-m", "uv", "--version"], capture_output=True, check=False)
    return [sys.executable, "-m", "uv"] if found.returncode == 0 else None


def snapshot(url: str) -> Tables:
    """Every table's columns and rows, read without the ORM (SQLite's FTS tables aside)."""
    if not is_postgres(url):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
                "AND name NOT LIKE 'sqlite_%'")]
            result = {}
            for name in names:
                cursor = connection.execute(f'SELECT * FROM "{name}"')
                result[name] = ([d[0] for d in cursor.description], [tuple(row) for row in cursor])
            return result
        finally:
            connection.close()
    async def read() -> Tables:
        connection = await asyncpg.connect(url)
        try:
            tables = await connection.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            result = {}
            for table in tables:
                name = table["tablename"]
                statement = await connection.prepare(f'SELECT * FROM "{name}"')
                columns = [attribute.name for attribute in statement.get_attributes()]
                result[name] = (columns, [tuple(row) for row in await statement.fetch()])
            return result
        finally:
            await connection.close()

    return asyncio.run(read())


def lost_rows(before: Tables, after: Tables) -> list[str]:
    """What the upgrade lost: tables gone, columns gone, rows gone (compared in the old columns)."""
    problems = []
    for table, (columns, rows) in before.items():
        if table not in after:
            problems.append(f"table {table} is gone ({len(rows)} rows)")
            continue
        new_columns, new_rows = after[table]
        missing = [c for c in columns if c not in new_columns]
        if missing:
            problems.append(f"{table}: column(s) {', '.join(missing)} gone")
            continue
        positions = [new_columns.index(c) for c in columns]
        kept = Counter(tuple(row[i] for i in positions) for row in new_rows)
        gone = Counter(rows) - kept
        if gone:
            problems.append(f"{table}: {sum(gone.values())} of {len(rows)} rows gone or changed, e.g. "
                            f"{next(iter(gone))!r}")
    return problems


def test_the_previous_releases_data_survives_the_upgrade(intranet_settings: Settings, tmp_path: Path) -> None:
    revision = previous_release()
    if revision is None:
        pytest.skip("no tagged release yet: the upgrade test runs from the first tag (v*) on")
    uv = _uv()
    if uv is None:
        pytest.skip("uv is not installed (pip install uv)")
    archive = subprocess.run(["git", "-C", str(REPOSITORY), "archive", "--format=tar", revision],
                             capture_output=True, check=False)
    assert archive.returncode == 0, archive.stderr.decode()
    old = tmp_path / "old"
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(old, filter="data")
    venv = tmp_path / "venv"
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("INTRANET_", "VIRTUAL_ENV"))}
    made = subprocess.run([*uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                          capture_output=True, text=True, env=environ, check=False)
    assert made.returncode == 0, made.stderr
    installed = subprocess.run([*uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python"), str(old)],
                               capture_output=True, text=True, env=environ, timeout=600, check=False)
    assert installed.returncode == 0, installed.stderr

    url = intranet_settings.database.url
    asyncio.run(reset_database(url))
    config = tmp_path / "intranet.toml"
    # Only keys every release knows (a key the old release does not know is an error there).
    config.write_text(f'secret_key = "{TEST_SECRET_KEY}"\n[database]\nurl = "{url}"\n[plugins]\nenabled = []\n')
    filled = subprocess.run([str(venv / "bin" / "python"), "-c", FILL, str(config)], capture_output=True,
                            text=True, env=environ, cwd=tmp_path, timeout=600, check=False)
    assert filled.returncode == 0, filled.stderr
    before = snapshot(url)
    assert before["post"][1] and before["person"][1], "the old release's demo wrote no posts or people"

    migrated = subprocess.run([str(Path(sys.executable).parent / "intranet"), "migrate", "-c", str(config)],
                              capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=600, check=False)
    assert migrated.returncode == 0, migrated.stderr
    assert lost_rows(before, snapshot(url)) == []
    check = subprocess.run([str(Path(sys.executable).parent / "intranet"), "migrate", "--check", "-c", str(config)],
                           capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=120, check=False)
    assert check.returncode == 0, check.stdout


def test_lost_rows_are_noticed() -> None:
    before: Tables = {"post": (["id", "title"], [(1, "a"), (2, "b")]), "old": (["id"], [(1,)])}
    assert lost_rows(before, {"post": (["id", "title", "new"], [(1, "a", None), (2, "b", 3)]),
                              "old": (["id"], [(1,)])}) == []
    assert lost_rows(before, {"post": (["id", "title"], [(1, "a")]), "old": (["id"], [(1,)])}) == [
        "post: 1 of 2 rows gone or changed, e.g. (2, 'b')"]
    assert lost_rows(before, {"post": (["id"], [(1,), (2,)])}) == [
        "post: column(s) title gone", "table old is gone (1 rows)"]
