from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from support import is_postgres

from intranet_core.app import create_app
from intranet_core.errors import ConfigError, PendingMigrationsError
from intranet_core.store.service import RENEW_SLACK_SECONDS, DatabaseStore
from intranet_core.store.tables import StoreEntry
from intranet_core.testing import build_app, client_for, make_settings, reset_database

# Some of the core's apps, in the order they must run (dependencies first;
# apps without dependencies keep the order they were given).
CORE_APPS = ["core_store", "core_people", "core_auth", "core_permissions", "core_audit", "core_feed"]


def in_order(names: list[str]) -> bool:
    return [n for n in dict.fromkeys(names) if n in CORE_APPS] == CORE_APPS


async def test_migrate_applies_every_app_once(intranet_settings: Any) -> None:
    await reset_database(intranet_settings.database.url)
    app = create_app(intranet_settings, plugins=[])
    db = app.state.intranet.db
    await db.connect()
    try:
        pending = await db.pending_migrations()
        apps = [name.split(":")[0] for name in pending]
        assert in_order(apps)
        assert apps[0] == "core_store"
        assert await db.migrate() == pending
        assert await db.pending_migrations() == []
        assert await db.migrate() == []  # idempotent
        assert await StoreEntry.table_exists().run()
    finally:
        await db.close()


async def test_concurrent_migrations_do_not_race(intranet_settings: Any) -> None:
    """Several processes migrating at once: one applies, the others find nothing to do."""
    await reset_database(intranet_settings.database.url)
    apps = [create_app(intranet_settings, plugins=[]) for _ in range(3)]
    # Tables are bound to the last-built app's engine; on PostgreSQL the
    # advisory lock is what serialises, on SQLite the single file does.
    db = apps[-1].state.intranet.db
    await db.connect()
    try:
        results = await asyncio.gather(*(db.migrate() for _ in range(3)), return_exceptions=True)
    finally:
        await db.close()
    errors = [r for r in results if isinstance(r, BaseException)]
    if not is_postgres(intranet_settings.database.url):
        # SQLite in one process: tasks may collide on the file lock but never apply twice.
        errors = [e for e in errors if "locked" not in str(e) and "already exists" not in str(e)]
    assert errors == []
    applied = [name for r in results if isinstance(r, list) for name in r]
    apps = [name.split(":")[0] for name in applied]
    assert in_order(apps)
    assert len(apps) == len(set(applied))  # each migration once


async def test_startup_refuses_pending_migrations(intranet_settings: Any) -> None:
    await reset_database(intranet_settings.database.url)
    app = create_app(intranet_settings, plugins=[])
    with pytest.raises(PendingMigrationsError, match=r"\d+ migration\(s\) pending: core_store:"):
        await app.state.intranet.on_startup()


def test_sqlite_memory_and_unknown_urls_are_refused() -> None:
    for url in ("sqlite:///:memory:", "mysql://x/y", "sqlite://relative"):
        with pytest.raises(ConfigError, match=r"database\.url"):
            create_app(make_settings(url), plugins=[])


async def test_sqlite_file_uses_wal_and_foreign_keys(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'site.sqlite3'}")
    app = await build_app(settings)
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        rows = await StoreEntry.raw("PRAGMA foreign_keys").run()
        assert rows[0]["foreign_keys"] == 1
        async with intranet.db.transaction(write=True):
            rows = await StoreEntry.raw("PRAGMA foreign_keys").run()
            assert rows[0]["foreign_keys"] == 1
    finally:
        await intranet.db.close()
    with sqlite3.connect(tmp_path / "site.sqlite3") as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_read_then_write_transactions_do_not_lock(intranet_app: Litestar) -> None:
    """200 concurrent read-then-write transactions: none fails with 'database is locked'."""
    intranet = intranet_app.state.intranet
    store = DatabaseStore("counter")
    await intranet.db.connect()
    try:
        await store.set("n", b"0")

        async def increment() -> None:
            async with intranet.db.transaction(write=True):
                query = StoreEntry.select(StoreEntry.value).where(StoreEntry.id == "counter:n")
                row = (await intranet.db.for_update(query).run())[0]
                value = int(bytes(row["value"])) + 1
                await StoreEntry.update({StoreEntry.value: str(value).encode()}).where(
                    StoreEntry.id == "counter:n"
                ).run()

        results = await asyncio.gather(*(increment() for _ in range(200)), return_exceptions=True)
        assert [r for r in results if isinstance(r, BaseException)] == []
        assert await store.get("n") == b"200"
    finally:
        await intranet.db.close()


async def test_database_store_namespaces_and_expiry(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        sessions = DatabaseStore("sessions")
        other = sessions.with_namespace("other")
        await sessions.set("a", "one", expires_in=60)
        await other.set("a", b"two")
        assert await sessions.get("a") == b"one"
        assert await other.get("a") == b"two"
        assert 55 <= (await sessions.expires_in("a") or 0) <= 60
        assert await other.expires_in("a") is None
        await sessions.set("a", b"replaced", expires_in=60)
        assert await sessions.get("a") == b"replaced"

        await sessions.set("gone", b"x", expires_in=-1)
        assert await sessions.get("gone") is None
        assert not await sessions.exists("gone")

        await sessions.set("short", b"x", expires_in=1)
        assert await sessions.get("short", renew_for=120) == b"x"
        assert (await sessions.expires_in("short") or 0) > 100
        # Reading a session renewed moments ago writes nothing: no write per page view.
        await sessions.set("fresh", b"x", expires_in=3600)
        before = await StoreEntry.select(StoreEntry.expires_at).where(StoreEntry.id == "sessions:fresh").first().run()
        assert await sessions.get("fresh", renew_for=3600 + RENEW_SLACK_SECONDS - 5) == b"x"
        after = await StoreEntry.select(StoreEntry.expires_at).where(StoreEntry.id == "sessions:fresh").first().run()
        assert before == after
        assert await sessions.get("fresh", renew_for=3600 + RENEW_SLACK_SECONDS + 5) == b"x"
        assert (await sessions.expires_in("fresh") or 0) > 3600 + RENEW_SLACK_SECONDS

        await other.delete_all()
        assert await other.get("a") is None
        assert await sessions.get("a") == b"replaced"
        await sessions.delete("a")
        assert await sessions.get("a") is None
        await sessions.set("old", b"x", expires_in=-5)
        assert await sessions.delete_expired() >= 1
    finally:
        await intranet.db.close()


async def test_healthz_reports_database(intranet_client: Any) -> None:
    response = await intranet_client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"]["status"] == "ok"
    assert body["database"]["engine"] in ("sqlite", "postgres")
    assert response.headers["cache-control"] == "no-store"


async def test_healthz_reports_an_unreachable_database(tmp_path: Path) -> None:

    settings = make_settings(f"sqlite:///{tmp_path / 'h.sqlite3'}")
    app = await build_app(settings)
    async with client_for(app) as client:
        (tmp_path / "h.sqlite3").unlink()
        (tmp_path / "h.sqlite3").mkdir()  # the file is gone: queries fail
        await app.state.intranet.db.close()
        response = await client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["database"]["status"] == "error"
        (tmp_path / "h.sqlite3").rmdir()


async def test_sqlite_gets_planner_statistics_so_pinned_posts_come_from_their_small_index(tmp_path: Path) -> None:
    """Without ANALYZE, SQLite read every post through ``deleted_at IS NULL`` to find the pinned few."""
    import datetime

    from intranet_core.feed.service import pinned_ids
    from intranet_core.tasks.service import registered_tasks

    path = tmp_path / "site.sqlite3"
    app = await build_app(make_settings(f"sqlite:///{path}"))
    intranet = app.state.intranet
    assert "core.analyze" in {task.name for task in registered_tasks(intranet)}
    with sqlite3.connect(path) as connection:  # written by the migrations
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]
        now = datetime.datetime.now(datetime.UTC)
        person = connection.execute(
            "INSERT INTO person (email, name, title, phone, mobile, active, created_at, updated_at) "
            "VALUES ('a@example.org', 'A', '', '', '', 1, ?, ?) RETURNING id", (str(now), str(now))).fetchone()[0]
        for n in range(3000):
            published = str(now - datetime.timedelta(minutes=n + 1))
            post = connection.execute(
                "INSERT INTO post (author, title, body, body_html, important, pinned_until, published_at, "
                "created_at) VALUES (?, '', 'x', '<p>x</p>', 0, ?, ?, ?) RETURNING id",
                (person, str(now + datetime.timedelta(days=1)) if n % 1000 == 0 else None, published, published),
            ).fetchone()[0]
            connection.execute("INSERT INTO post_audience (post, key, published_at) VALUES (?, 'all', ?)",
                               (post, published))
    await intranet.db.connect()
    try:
        plan = " ".join(str(row["detail"]) for row in await StoreEntry.raw(
            "EXPLAIN QUERY PLAN SELECT id FROM post WHERE pinned_until IS NOT NULL AND pinned_until > {} "
            "AND deleted_at IS NULL AND published_at <= {} ORDER BY published_at DESC LIMIT 5", now, now).run())
        assert "post_pinned" not in plan  # what the statistics of an empty site lead to
        await intranet.db.analyze()  # the daily task, or after an import
        plan = " ".join(str(row["detail"]) for row in await StoreEntry.raw(
            "EXPLAIN QUERY PLAN SELECT id FROM post WHERE pinned_until IS NOT NULL AND pinned_until > {} "
            "AND deleted_at IS NULL AND published_at <= {} ORDER BY published_at DESC LIMIT 5", now, now).run())
        assert "USING INDEX post_pinned" in plan, plan
        assert len(await pinned_ids(["all"])) == 3
    finally:
        await intranet.db.close()
