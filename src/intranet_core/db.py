"""The database: one Piccolo engine from settings, and the migrations of every app.

SQLite (the default) is a file in WAL mode with foreign keys on and a busy
timeout; PostgreSQL gets a connection pool opened and closed with the app.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib.util
import io
import os
import sqlite3
import sys
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiosqlite
from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.apps.migrations.tables import Migration
from piccolo.conf.apps import AppConfig, AppRegistry
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory

from intranet_core import piccolo_conf
from intranet_core.errors import ConfigError

SQLITE_BUSY_TIMEOUT_S = 5.0
# Any fixed 64-bit number: all processes of one site agree on it.
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"intranet-core migrate").digest()[:8], "big", signed=True)


class _ClosingSQLiteTransaction(SQLiteTransaction):
    """Piccolo's transaction, but closing its connection when ``BEGIN`` fails.

    (Otherwise the connection, and the thread aiosqlite runs it in, stays
    open until the process ends, and keeps the process from exiting.)
    """

    async def __aenter__(self) -> SQLiteTransaction:
        try:
            return await super().__aenter__()
        except BaseException:
            connection = getattr(self, "connection", None)
            if connection is not None:
                await connection.close()
            raise


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, reusing connections for queries outside transactions.

    Piccolo opens (and closes) a new SQLite connection for every query that is
    not in a transaction, which caps a page at a few hundred queries a second.
    Here those queries borrow one of a few long-lived connections instead.
    Transactions keep Piccolo's own dedicated connection, as SQLite needs.

    A connection reads the planner's statistics once, when it opens: one is
    retired after :data:`MAX_AGE_S` (so statistics another process wrote are
    used within that), or at once after :meth:`recycle`.
    """

    MAX_AGE_S = 600.0

    def __init__(self, path: str, pool_size: int = 4, **kwargs: Any) -> None:
        super().__init__(path=path, timeout=SQLITE_BUSY_TIMEOUT_S, **kwargs)
        self.pool_size = max(1, pool_size)
        self._idle: list[aiosqlite.Connection] = []
        self._all: list[aiosqlite.Connection] = []
        self._available: asyncio.Semaphore | None = None
        self._generation = 0
        self._born: dict[int, tuple[int, float]] = {}  # id(connection) -> (generation, opened at)

    async def get_connection(self) -> aiosqlite.Connection:
        pending = aiosqlite.connect(**self.connection_kwargs)
        # A connection someone forgot to close must not keep the process from
        # exiting (aiosqlite runs each connection in a non-daemon thread).
        pending._thread.daemon = True
        connection = await pending
        connection.row_factory = dict_factory  # type: ignore[assignment]
        await connection.execute("PRAGMA foreign_keys = 1")
        await connection.execute("PRAGMA synchronous = NORMAL")
        return connection

    @contextlib.asynccontextmanager
    async def _borrow(self) -> AsyncIterator[aiosqlite.Connection]:
        if self._available is None:
            self._available = asyncio.Semaphore(self.pool_size)
        async with self._available:
            if self._idle:
                connection = self._idle.pop()
            else:
                connection = await self.get_connection()
                self._all.append(connection)
                self._born[id(connection)] = (self._generation, time.monotonic())
            try:
                yield connection
            except BaseException:
                # A connection left mid-statement is not reused.
                await self._retire(connection)
                raise
            else:
                generation, opened = self._born.get(id(connection), (-1, 0.0))
                if generation != self._generation or time.monotonic() - opened > self.MAX_AGE_S:
                    await self._retire(connection)
                else:
                    self._idle.append(connection)

    async def _retire(self, connection: aiosqlite.Connection) -> None:
        self._all.remove(connection)
        self._born.pop(id(connection), None)
        await connection.close()

    async def recycle(self) -> None:
        """Open new connections from now on (to plan with new statistics); those in use close when returned."""
        self._generation += 1
        idle, self._idle = self._idle, []
        for connection in idle:
            await self._retire(connection)

    async def _run_in_new_connection(
        self, query: str, args: list[Any] | None = None, query_type: str = "generic", table: Any = None
    ) -> Any:
        # Autocommit connections (isolation_level=None): no commit round trip.
        async with self._borrow() as connection:
            return await connection.execute_fetchall(query, args or [])

    def transaction(
        self, transaction_type: TransactionType = TransactionType.deferred, allow_nested: bool = True
    ) -> SQLiteTransaction:
        return _ClosingSQLiteTransaction(engine=self, transaction_type=transaction_type, allow_nested=allow_nested)

    async def close(self) -> None:
        connections, self._all, self._idle = self._all, [], []
        self._born.clear()
        for connection in connections:
            await connection.close()
        self._available = None


def tables_migration(
    migration_id: str,
    app_name: str,
    description: str,
    tables: Sequence[type[Any]],
    statements: Sequence[str | dict[str, str]] = (),
) -> MigrationManager:
    """A migration that creates ``tables`` (frozen copies, defined in the migration file).

    Piccolo writes the DDL for each engine, indexes included. ``statements``
    run afterwards: plain SQL for both engines, or ``{"sqlite": ..., "postgres": ...}``
    (composite unique indexes, for example, which SQLite can only create
    with a new table or ``CREATE UNIQUE INDEX``).
    """
    manager = MigrationManager(migration_id=migration_id, app_name=app_name, description=description)

    async def create() -> None:
        engine = piccolo_conf.DB
        for table in tables:
            # The module (and its classes) may outlive one database: rebind.
            table._meta.db = engine
            await table.create_table(if_not_exists=True).run()
        for statement in statements:
            sql = statement if isinstance(statement, str) else statement.get(engine.engine_type)
            if sql:
                await engine.run_ddl(sql)

    manager.add_raw(create)
    return manager


def engine_from_url(url: str, pool_size: int = 10) -> Engine:
    """An engine for ``sqlite:///path`` or ``postgresql://...``."""
    scheme = urlsplit(url).scheme
    if scheme == "sqlite":
        path = url[len("sqlite:///"):] if url.startswith("sqlite:///") else ""
        if not path or path == ":memory:":
            raise ConfigError(
                f"database.url: expected sqlite:///path/to/file.sqlite3, got {url.split('?')[0]!r}"
            )
        return PooledSQLiteEngine(path=path, pool_size=min(pool_size, 8))
    if scheme in ("postgres", "postgresql"):
        return PostgresEngine(config={"dsn": url})
    raise ConfigError(
        "database.url: expected a URL starting sqlite:/// or postgresql://"
    )


class Database:
    """The site's engine, its Piccolo apps and their migrations."""

    def __init__(self, url: str, pool_size: int = 10) -> None:
        self.url = url
        self.pool_size = pool_size
        self.engine = engine_from_url(url, pool_size)
        self.apps: list[AppConfig] = []
        self._write_lock: asyncio.Lock | None = None

    @property
    def is_sqlite(self) -> bool:
        return self.engine.engine_type == "sqlite"

    @property
    def sqlite_path(self) -> Path | None:
        return Path(self.engine.path) if isinstance(self.engine, SQLiteEngine) else None

    def bind(self, apps: Sequence[AppConfig]) -> None:
        """Point every table of ``apps`` (and Piccolo's own) at this engine.

        Piccolo keeps the engine on each table class, so one database is
        active per process at a time; building another app rebinds them.
        """
        self.apps = self._sorted(apps)
        for app in self.apps:
            for table in app.table_classes:
                table._meta.db = self.engine
        Migration._meta.db = self.engine
        piccolo_conf.DB = self.engine
        piccolo_conf.APP_REGISTRY = AppRegistry(apps=[])
        piccolo_conf.APP_REGISTRY.app_configs = {app.app_name: app for app in self.apps}
        os.environ["PICCOLO_CONF"] = piccolo_conf.__name__

    @staticmethod
    def _sorted(apps: Sequence[AppConfig]) -> list[AppConfig]:
        by_name = {app.app_name: app for app in apps}
        if len(by_name) != len(apps):
            names = [app.app_name for app in apps]
            twice = sorted({n for n in names if names.count(n) > 1})
            raise ConfigError(f"Piccolo app registered twice: {', '.join(twice)}")
        graph: dict[str, set[str]] = {}
        for app in apps:
            deps = {dep.app_name for dep in app.migration_dependency_app_configs}
            missing = deps - by_name.keys()
            if missing:
                raise ConfigError(
                    f"Piccolo app {app.app_name!r} needs app(s) {', '.join(sorted(missing))}, "
                    "which no enabled plugin provides"
                )
            graph[app.app_name] = deps
        # Stable: apps keep the order given (the core's first) unless a
        # dependency must come earlier.
        order: list[str] = []
        remaining = list(by_name)
        while remaining:
            ready = next((name for name in remaining if graph[name] <= set(order)), None)
            if ready is None:
                raise ConfigError(f"Piccolo apps depend on each other in a cycle: {', '.join(remaining)}")
            order.append(ready)
            remaining.remove(ready)
        return [by_name[name] for name in order]

    async def connect(self) -> None:
        if isinstance(self.engine, PostgresEngine):
            await self.engine.start_connection_pool(min_size=1, max_size=self.pool_size)
        elif isinstance(self.engine, SQLiteEngine):
            path = Path(self.engine.path)
            path.parent.mkdir(parents=True, exist_ok=True)
            # WAL persists in the file; set it once, before any pooled connection.
            with sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S) as connection:
                connection.execute("PRAGMA journal_mode = WAL")

    async def close(self) -> None:
        self._write_lock = None  # bound to this event loop
        if isinstance(self.engine, PostgresEngine):
            await self.engine.close_connection_pool()
        elif isinstance(self.engine, PooledSQLiteEngine):
            await self.engine.close()

    def transaction(self, *, write: bool = True) -> Any:
        """A transaction; ``write=True`` takes SQLite's write lock up front.

        Use it for every write that reads first: a DEFERRED SQLite transaction
        that reads, then writes, fails with "database is locked" under load.
        Wrap the reads that the write depends on in :meth:`for_update` so that
        PostgreSQL serialises them too.
        """
        if isinstance(self.engine, SQLiteEngine):
            if not write:
                return self.engine.transaction(transaction_type=TransactionType.deferred)
            return self._sqlite_write_transaction()
        return self.engine.transaction()

    @contextlib.asynccontextmanager
    async def _sqlite_write_transaction(self) -> AsyncIterator[Any]:
        # Writers of this process queue on a lock (first come, first served)
        # rather than all polling SQLite's busy handler, which under load lets
        # some wait past the busy timeout. Other processes still meet the
        # busy timeout, as before.
        engine = self.engine
        assert isinstance(engine, SQLiteEngine)
        outer = engine.current_transaction.get()
        if outer is not None:  # nested: the outer write transaction holds the lock
            if outer.transaction_type is not TransactionType.immediate:
                raise RuntimeError("a write transaction cannot be nested in a read-only one (write=False)")
            async with engine.transaction(transaction_type=TransactionType.immediate) as transaction:
                yield transaction
            return
        if self._write_lock is None:
            self._write_lock = asyncio.Lock()
        async with self._write_lock, engine.transaction(
            transaction_type=TransactionType.immediate
        ) as transaction:
            yield transaction

    async def analyze(self) -> None:
        """Refresh the query planner's statistics.

        SQLite keeps none until ``ANALYZE`` runs, and without them it may
        choose an index that reads every row (``deleted_at IS NULL`` over a
        small partial index of pinned posts: 3 ms instead of 0.01 ms at
        10,000 posts). Each index is sampled (``analysis_limit``), so this
        takes milliseconds at any size. PostgreSQL's autovacuum keeps its
        own statistics; ``ANALYZE`` there serves after a bulk load.
        Run after migrations, imports and restores, and daily on SQLite
        (the ``core.analyze`` task).
        """
        path = self.sqlite_path
        if path is None:
            await Migration.raw("ANALYZE").run()
            return

        def run() -> None:
            # A connection of its own: the pooled ones see the new statistics when they next prepare a statement.
            with contextlib.closing(sqlite3.connect(path, timeout=SQLITE_BUSY_TIMEOUT_S)) as connection:
                connection.execute("PRAGMA analysis_limit = 1000")
                connection.execute("ANALYZE")
                connection.commit()

        await asyncio.to_thread(run)
        if isinstance(self.engine, PooledSQLiteEngine):
            await self.engine.recycle()

    def for_update(self, query: Any) -> Any:
        """Lock the rows a read-then-write transaction reads (``SELECT … FOR UPDATE``).

        On PostgreSQL, READ COMMITTED lets two transactions read the same row
        and the later write wins; locking the rows read makes them queue. On
        SQLite the IMMEDIATE transaction already holds the write lock (and
        SQLite has no row locks), so the query is returned unchanged.
        """
        return query if self.is_sqlite else query.lock_rows()

    async def ping(self) -> dict[str, Any]:
        """The database's status, for ``/healthz``."""
        try:
            rows = await Migration.raw("SELECT 1 AS ok").run()
            return {"status": "ok" if rows and rows[0]["ok"] == 1 else "error",
                    "engine": self.engine.engine_type}
        except Exception as exc:
            return {"status": "error", "engine": self.engine.engine_type, "error": type(exc).__name__}

    # --- migrations ----------------------------------------------------------

    @staticmethod
    def _migration_modules(app: AppConfig) -> dict[str, Any]:
        """Import an app's migration files under names no other app can shadow.

        (Piccolo's own loader puts each folder on ``sys.path`` and imports by
        bare file name, so two apps' ``0001_initial.py`` would collide.)
        """
        folder = Path(app.resolved_migrations_folder_path)
        modules: dict[str, Any] = {}
        for file in sorted(folder.glob("*.py")):
            if file.name == "__init__.py":
                continue
            name = f"_intranet_migrations.{app.app_name}.{file.stem}"
            module = sys.modules.get(name)
            if module is None:
                spec = importlib.util.spec_from_file_location(name, file)
                assert spec and spec.loader
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            migration_id = getattr(module, "ID", None)
            if migration_id:
                modules[migration_id] = module
        return modules

    async def _ran(self) -> set[tuple[str, str]]:
        if not await Migration.table_exists().run():
            return set()
        rows = await Migration.select(Migration.app_name, Migration.name).run()
        return {(row["app_name"], row["name"]) for row in rows}

    async def pending_migrations(self) -> list[str]:
        """``app:migration_id`` of every migration not yet applied, in order."""
        ran = await self._ran()
        return [
            f"{app.app_name}:{migration_id}"
            for app in self.apps
            for migration_id in sorted(self._migration_modules(app))
            if (app.app_name, migration_id) not in ran
        ]

    async def migrate(self) -> list[str]:
        """Apply pending migrations of every app in dependency order; idempotent.

        On PostgreSQL an advisory lock serialises concurrent callers, so two
        processes migrating at once never race.
        """
        async with self._migration_lock():
            if not await Migration.table_exists().run():
                await Migration.create_table(if_not_exists=True).run()
            applied = []
            ran = await self._ran()
            for app in self.apps:
                for migration_id, module in sorted(self._migration_modules(app).items()):
                    if (app.app_name, migration_id) in ran:
                        continue
                    manager = await module.forwards()
                    if isinstance(manager, MigrationManager):
                        # Piccolo prints progress; the command reports it instead.
                        with contextlib.redirect_stdout(io.StringIO()):
                            await manager.run()
                    await Migration.insert(Migration(name=migration_id, app_name=app.app_name)).run()
                    applied.append(f"{app.app_name}:{migration_id}")
            if applied:
                await self.analyze()  # new tables and indexes
            return applied

    @contextlib.asynccontextmanager
    async def _migration_lock(self) -> AsyncIterator[None]:
        if not isinstance(self.engine, PostgresEngine):
            yield
            return
        import asyncpg

        connection = await asyncpg.connect(self.url)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK_KEY)
            try:
                yield
            finally:
                await connection.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK_KEY)
        finally:
            await connection.close()
