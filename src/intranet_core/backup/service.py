"""One archive of a site: its database, its files and a manifest; and loading it into an empty site.

The archive is a tar file (gzip-compressed when its name ends ``.gz`` or
``.tgz``)::

    files/<plugin>/<name>/…           each file directory: the core's uploads
                                      (files/core.uploads/uploads/) and any a
                                      plugin names (register_file_directories)
    database/intranet.sqlite3         SQLite: a copy by SQLite's online backup
    database/postgres.dump            PostgreSQL: pg_dump's custom format
    manifest.json                     versions, migrations, database kind, time,
                                      and the sha256 of every other member

Consistency while the site runs: the database is copied as of one moment
(SQLite's backup API copies in one step under one read transaction; on
PostgreSQL a repeatable-read transaction exports its snapshot, reads the
applied migrations in it, and ``pg_dump --snapshot`` dumps exactly that).
Files are written before the rows that refer to them commit and removed only
after those rows are gone, so the directories are copied once before the
snapshot and once after it (only what is new): every file a row of the
snapshot refers to is in the archive, unless it was both written and removed
within the few moments between the two copies. Files nothing refers to may
come along; ``intranet uploads purge`` removes them after a restore.

A restore reads the whole archive first, into staging places next to where
things go, checking every member against the manifest; only then, and only
if the manifest fits the installed code and the site is empty (or
``force``), does it replace the database (SQLite: the file; PostgreSQL: one
transaction that drops the schema's tables and loads the dump) and the
directories.
"""

from __future__ import annotations

import asyncio
import datetime
import gzip
import hashlib
import io
import os
import re
import secrets
import shutil
import sqlite3
import stat
import tarfile
import tempfile
import urllib.request
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

import msgspec

from intranet_core import __version__
from intranet_core.backup import postgres
from intranet_core.backup.errors import BackupError
from intranet_core.plugins import call_per_plugin

FORMAT = "intranet-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/intranet.sqlite3"
POSTGRES_MEMBER = "database/postgres.dump"
FILES = "files"
UPLOADS_PLUGIN = "core.uploads"
UPLOADS_NAME = "uploads"
# Files the uploads service is still receiving: not yet uploads.
UPLOADS_INCOMING = ".incoming"
STAGING_PREFIX = ".intranet-restore-"
REPLACED_PREFIX = ".intranet-replaced-"
MAX_MANIFEST_BYTES = 512 * 1024 * 1024
CHUNK = 1024 * 1024
GZIP_LEVEL = 6
# Migrations are what ``intranet migrate`` records, and the built-in roles
# (and their permissions) what it creates: a site with nothing else is empty.
MIGRATION_TABLE = "migration"
SEEDED_ROWS = {
    "role": "NOT builtin",
    "role_permission": "role NOT IN (SELECT id FROM role WHERE builtin)",
}
_DIRECTORY_NAME = re.compile(r"^[a-z0-9_-]{1,40}$")
_PLUGIN_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


# --- the manifest --------------------------------------------------------------------------


class PluginEntry(msgspec.Struct, frozen=True):
    name: str
    version: str | None
    builtin: bool
    apps: list[str] = msgspec.field(default_factory=list)
    """The plugin's Piccolo apps: whose migrations are in ``Manifest.migrations``."""


class DatabaseEntry(msgspec.Struct, frozen=True):
    kind: str
    """``sqlite`` or ``postgres``."""
    member: str
    server_version: str | None = None
    tool: str | None = None
    """The ``--version`` line of the ``pg_dump`` that wrote the dump."""


class DirectoryEntry(msgspec.Struct, frozen=True):
    plugin: str
    name: str
    files: int
    bytes: int

    @property
    def member(self) -> str:
        return f"{FILES}/{self.plugin}/{self.name}"


class Manifest(msgspec.Struct, frozen=True):
    format: str
    format_version: int
    created_at: datetime.datetime
    core_version: str
    site_name: str
    plugins: list[PluginEntry]
    migrations: list[str]
    """``app:migration_id`` of every migration applied in the database, as of the snapshot."""
    pending_migrations: list[str]
    """Migrations the installed code had and the database had not (a backup before ``intranet migrate``)."""
    database: DatabaseEntry
    directories: list[DirectoryEntry]
    checksums: dict[str, str]
    """sha256 of every member but the manifest."""
    warnings: list[str] = msgspec.field(default_factory=list)


_encode_manifest = msgspec.json.Encoder().encode
_decode_manifest = msgspec.json.Decoder(Manifest).decode


def is_newer(version: str | None, than: str | None) -> bool:
    """Whether release ``version`` (``1.2.0``) comes after ``than``; unknown versions compare as equal."""
    a, b = _release(version), _release(than)
    if not a or not b:
        return False
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)) > b + (0,) * (width - len(b))


def _release(version: str | None) -> tuple[int, ...]:
    match = re.match(r"\s*v?(\d+(?:\.\d+)*)", version or "")
    return tuple(int(part) for part in match.group(1).split(".")) if match else ()


# --- where the files are -------------------------------------------------------------------


@dataclass(frozen=True)
class FileDirectory:
    """A directory of files that belongs in a backup: whose it is, its name, where it is."""

    plugin: str
    name: str
    path: Path
    skip: frozenset[str] = frozenset()
    """Names at its top that are not part of it (the uploads still being received)."""

    @property
    def member(self) -> str:
        return f"{FILES}/{self.plugin}/{self.name}"

    @property
    def key(self) -> tuple[str, str]:
        return self.plugin, self.name


def file_directories(intranet: Any) -> list[FileDirectory]:
    """The core's ``[uploads] directory`` and every directory a plugin names (``register_file_directories``).

    :raises BackupError: a name that is not allowed, or directories inside one another.
    """
    found: list[FileDirectory] = []
    uploads = getattr(intranet.settings, "uploads", None)
    directory = getattr(uploads, "directory", None)
    if directory:
        found.append(FileDirectory(UPLOADS_PLUGIN, UPLOADS_NAME, Path(directory).expanduser().resolve(),
                                   frozenset({UPLOADS_INCOMING})))
    for plugin, named in call_per_plugin(intranet.hook.register_file_directories, app=intranet):
        if not isinstance(named, dict):
            raise BackupError(f"plugin {plugin!r}: register_file_directories must return a dict of name to directory")
        if not _PLUGIN_NAME.match(plugin):
            raise BackupError(f"plugin {plugin!r}: its name cannot name a directory in a backup")
        for name, path in named.items():
            if not isinstance(name, str) or not _DIRECTORY_NAME.match(name):
                raise BackupError(
                    f"plugin {plugin!r}: file directory name {name!r}: expected lower-case letters, digits, _ and -"
                )
            found.append(FileDirectory(plugin, name, Path(path).expanduser().resolve()))
    for index, one in enumerate(found):
        for other in found[index + 1:]:
            if one.path == other.path or one.path in other.path.parents or other.path in one.path.parents:
                raise BackupError(
                    f"file directories overlap: {one.plugin}/{one.name} ({one.path}) "
                    f"and {other.plugin}/{other.name} ({other.path})"
                )
    return found


def _ignored(name: str, directory: FileDirectory) -> bool:
    return name in directory.skip or name.startswith((STAGING_PREFIX, REPLACED_PREFIX))


def _walk(directory: FileDirectory) -> Iterator[tuple[Path, str]]:
    """Regular files under a directory, as (path, path relative to it with ``/``), in a stable order."""
    root = directory.path
    if not root.is_dir():
        return
    for current, dirs, files in os.walk(root, followlinks=False):
        here = Path(current)
        if here == root:
            dirs[:] = [d for d in dirs if not _ignored(d, directory)]
            files = [f for f in files if not _ignored(f, directory)]
        dirs.sort()
        for name in sorted(files):
            path = here / name
            yield path, path.relative_to(root).as_posix()


def _has_files(directory: FileDirectory) -> bool:
    return next(_walk(directory), None) is not None


# --- writing an archive --------------------------------------------------------------------


class _Hashing(io.RawIOBase):
    """Reads exactly ``size`` bytes of a file, hashing them; pads with zeros if the file shrank meanwhile."""

    def __init__(self, source: IO[bytes], size: int) -> None:
        self.source = source
        self.remaining = size
        self.digest = hashlib.sha256()
        self.changed = False

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        if wanted <= 0:
            return b""
        data = self.source.read(wanted)
        if len(data) < wanted:
            self.changed = True
            data += b"\0" * (wanted - len(data))
        self.remaining -= len(data)
        self.digest.update(data)
        return data


class ArchiveWriter:
    """A tar archive being written, remembering the checksum of every member."""

    def __init__(self, path: Path, *, compress: bool) -> None:
        self.path = path
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._file = os.fdopen(descriptor, "wb")
        if compress:
            self.tar = tarfile.open(fileobj=self._file, mode="w:gz", compresslevel=GZIP_LEVEL)
        else:
            self.tar = tarfile.open(fileobj=self._file, mode="w")
        self.checksums: dict[str, str] = {}
        self.warnings: list[str] = []
        self.counts: dict[tuple[str, str], list[int]] = {}

    def _info(self, member: str, size: int, mtime: float, mode: int = 0o600) -> tarfile.TarInfo:
        info = tarfile.TarInfo(member)
        info.size = size
        info.mtime = int(mtime)
        info.mode = mode & 0o777
        info.uid = info.gid = 0
        info.uname = info.gname = ""
        return info

    def add_file(self, path: Path, member: str) -> int:
        """Add one file; returns its size as archived."""
        with open(path, "rb") as source:
            status = os.fstat(source.fileno())
            reader = _Hashing(source, status.st_size)
            self.tar.addfile(self._info(member, status.st_size, status.st_mtime, status.st_mode), reader)
        if reader.changed:
            self.warnings.append(f"{member} changed while it was copied")
        self.checksums[member] = reader.digest.hexdigest()
        return status.st_size

    def add_bytes(self, member: str, data: bytes) -> None:
        self.tar.addfile(self._info(member, len(data), datetime.datetime.now(datetime.UTC).timestamp()),
                         io.BytesIO(data))

    def add_directory(self, directory: FileDirectory) -> None:
        """Every file of the directory not archived yet (the second pass adds only what is new)."""
        counts = self.counts.setdefault(directory.key, [0, 0])
        for path, relative in _walk(directory):
            member = f"{directory.member}/{relative}"
            if member in self.checksums:
                continue
            try:
                if not stat.S_ISREG(path.lstat().st_mode):
                    self.warnings.append(f"{path}: not a regular file, left out")
                    continue
                size = self.add_file(path, member)
            except FileNotFoundError:
                continue  # removed since the directory was listed: nothing refers to it any more
            counts[0] += 1
            counts[1] += size

    def close(self) -> None:
        self.tar.close()
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def abort(self) -> None:
        for closing in (self.tar.close, self._file.close):
            try:
                closing()
            except Exception:  # noqa: S110 - the archive is being thrown away
                pass


@dataclass
class Snapshot:
    """The database as of one moment, in a file, with what it says about its migrations."""

    path: Path
    entry: DatabaseEntry
    migrations: list[str]


def _sqlite_uri(path: Path, mode: str) -> str:
    """A ``file:`` URI opening an existing database only (``?`` or ``#`` in the path escaped)."""
    return f"file:{urllib.request.pathname2url(str(path.resolve()))}?mode={mode}"


def _sqlite_snapshot(source: Path, folder: Path) -> Snapshot:
    if not source.is_file():
        raise BackupError(f"the database file {source} does not exist")
    target = folder / "intranet.sqlite3"
    # mode=rw: never create an empty database where the site's should be.
    original = sqlite3.connect(_sqlite_uri(source, "rw"), uri=True, timeout=30)
    copy = sqlite3.connect(target)
    try:
        # One step (pages=-1) under one read transaction: the copy is of one moment, and
        # in WAL mode the site's writers go on meanwhile.
        original.backup(copy, pages=-1)
        copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        if copy.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError(f"the database file {source} failed SQLite's quick_check: it is damaged")
        migrations = _sqlite_migrations(copy)
        sqlite_version = sqlite3.sqlite_version
    finally:
        copy.close()
        original.close()
    return Snapshot(target, DatabaseEntry("sqlite", SQLITE_MEMBER, server_version=sqlite_version), migrations)


def _sqlite_migrations(connection: sqlite3.Connection) -> list[str]:
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (MIGRATION_TABLE,)
    ).fetchone()
    if not exists:
        raise BackupError("the database has never been migrated: there is nothing to back up")
    rows = connection.execute(f"SELECT app_name, name FROM {MIGRATION_TABLE} ORDER BY id").fetchall()  # noqa: S608
    return [f"{app}:{name}" for app, name in rows]


async def _postgres_snapshot(url: str, folder: Path, *, compress: bool, pg_bin: Path | None) -> Snapshot:
    import asyncpg

    target = folder / "postgres.dump"
    connection = await asyncpg.connect(url)
    try:
        server = connection.get_server_version()
        pg_dump = postgres.find_tool("pg_dump", server.major, pg_bin)
        major, version_line = await asyncio.to_thread(postgres.tool_version, pg_dump)
        if major < server.major:
            raise BackupError(
                f"{pg_dump} is version {major} and cannot dump a PostgreSQL {server.major} server: install "
                f"postgresql-client-{server.major} (Debian), or name a newer one's directory with --pg-bin"
            )
        transaction = connection.transaction(isolation="repeatable_read", readonly=True)
        await transaction.start()
        try:
            snapshot = await connection.fetchval("SELECT pg_export_snapshot()")
            if not await connection.fetchval("SELECT to_regclass($1) IS NOT NULL", MIGRATION_TABLE):
                raise BackupError("the database has never been migrated: there is nothing to back up")
            rows = await connection.fetch(f"SELECT app_name, name FROM {MIGRATION_TABLE} ORDER BY id")  # noqa: S608
            # pg_dump takes up the exported snapshot; the transaction holding it stays open until it is done.
            await postgres.dump(pg_dump, url, target, snapshot=snapshot, compress=compress)
        finally:
            await transaction.rollback()
        server_version = ".".join(str(part) for part in (server.major, server.minor))
    finally:
        await connection.close()
    return Snapshot(
        target, DatabaseEntry("postgres", POSTGRES_MEMBER, server_version=server_version, tool=version_line),
        [f"{row['app_name']}:{row['name']}" for row in rows],
    )


def plugin_entries(intranet: Any) -> list[PluginEntry]:
    apps: dict[str, list[str]] = {}
    for plugin, configs in call_per_plugin(intranet.hook.register_piccolo_apps, app=intranet):
        apps.setdefault(plugin, []).extend(config.app_name for config in configs)
    return [
        PluginEntry(info.name, info.version or (__version__ if info.builtin else None), info.builtin,
                    sorted(apps.get(info.name, [])))
        for info in intranet.plugins if info.enabled
    ]


def known_migrations(intranet: Any) -> list[str]:
    """``app:migration_id`` of every migration the installed code has, in the order they run."""
    return [
        f"{app.app_name}:{migration_id}"
        for app in intranet.db.apps
        for migration_id in sorted(intranet.db._migration_modules(app))
    ]


def pending_after(intranet: Any, applied: list[str]) -> list[str]:
    """The installed code's migrations that a database with ``applied`` has not had."""
    done = set(applied)
    return [name for name in known_migrations(intranet) if name not in done]


@dataclass
class BackupReport:
    path: Path
    size: int
    manifest: Manifest
    seconds: float


def is_compressed(path: Path) -> bool:
    return path.name.endswith((".gz", ".tgz"))


def default_name(moment: datetime.datetime | None = None) -> str:
    moment = moment or datetime.datetime.now(datetime.UTC)
    return f"intranet-backup-{moment.strftime('%Y%m%dT%H%M%SZ')}.tar.gz"


def _output_path(output: Path) -> Path:
    output = output.expanduser().resolve()
    if output.is_dir():
        output = output / default_name()
    if output.exists():
        raise BackupError(f"{output} already exists; not overwriting it")
    if not output.parent.is_dir():
        raise BackupError(f"{output.parent} is not a directory")
    return output


async def create_backup(
    intranet: Any, output: Path, *, pg_bin: Path | None = None,
    after_first_pass: Callable[[], Any] | None = None,
) -> BackupReport:
    """Write one archive of the site (database, files, manifest) to ``output``, while it runs.

    The archive is written to ``<output>.partial`` (readable by its owner
    only: it holds password hashes and sessions) and renamed when complete,
    so a failed backup never leaves a file that looks like one.

    :param after_first_pass: called (and awaited, if it returns an awaitable)
        between the first copy of the files and the snapshot (tests).
    :raises BackupError: with a one-line reason.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    output = await asyncio.to_thread(_output_path, output)
    directories = file_directories(intranet)
    partial = output.with_name(output.name + ".partial")
    compress = is_compressed(output)
    writer = ArchiveWriter(partial, compress=compress)
    try:
        with tempfile.TemporaryDirectory(dir=output.parent, prefix=".intranet-backup-") as folder:
            for directory in directories:
                await asyncio.to_thread(writer.add_directory, directory)
            if after_first_pass is not None:
                result = after_first_pass()
                if asyncio.iscoroutine(result):
                    await result
            if intranet.db.is_sqlite:
                assert intranet.db.sqlite_path is not None
                snapshot = await asyncio.to_thread(_sqlite_snapshot, intranet.db.sqlite_path, Path(folder))
            else:
                snapshot = await _postgres_snapshot(intranet.db.url, Path(folder), compress=not compress,
                                                    pg_bin=pg_bin)
            await asyncio.to_thread(writer.add_file, snapshot.path, snapshot.entry.member)
        for directory in directories:
            await asyncio.to_thread(writer.add_directory, directory)
        manifest = Manifest(
            format=FORMAT, format_version=FORMAT_VERSION,
            created_at=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
            core_version=__version__, site_name=intranet.settings.site.name,
            plugins=plugin_entries(intranet), migrations=snapshot.migrations,
            pending_migrations=pending_after(intranet, snapshot.migrations),
            database=snapshot.entry,
            directories=[
                DirectoryEntry(d.plugin, d.name, *writer.counts.get(d.key, [0, 0])) for d in directories
            ],
            checksums=dict(writer.checksums), warnings=list(writer.warnings),
        )
        writer.add_bytes(MANIFEST, _encode_manifest(manifest))
        await asyncio.to_thread(writer.close)
        os.replace(partial, output)
    except BaseException:
        writer.abort()
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(output, output.stat().st_size, manifest, loop.time() - started)


# --- reading an archive --------------------------------------------------------------------


@dataclass
class Staged:
    """What a restore has read so far: the database file, each directory's staged copy, the manifest."""

    root: Path
    database: Path | None = None
    directories: dict[tuple[str, str], Path] = field(default_factory=dict)
    unplaced: set[tuple[str, str]] = field(default_factory=set)
    checksums: dict[str, str] = field(default_factory=dict)
    manifest: Manifest | None = None

    def cleanup(self) -> None:
        for staged in [self.root, *self.directories.values()]:
            shutil.rmtree(staged, ignore_errors=True)


def _member_parts(name: str) -> list[str]:
    path = PurePosixPath(name)
    parts = list(path.parts)
    if path.is_absolute() or not parts or any(part in ("", ".", "..") or "\0" in part for part in parts):
        raise BackupError(f"not an intranet backup: a member is named {name!r}")
    return parts


def _staging_dir(parent: Path) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    staged = parent / f"{STAGING_PREFIX}{secrets.token_hex(6)}"
    staged.mkdir(mode=0o700)
    return staged


def _copy_member(source: IO[bytes], target: Path | None, size: int) -> str:
    digest = hashlib.sha256()
    remaining = size
    handle = None
    if target is not None:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(target, "wb")
    try:
        while remaining > 0:
            chunk = source.read(min(CHUNK, remaining))
            if not chunk:
                raise EOFError("unexpected end of data")
            remaining -= len(chunk)
            digest.update(chunk)
            if handle is not None:
                handle.write(chunk)
    finally:
        if handle is not None:
            handle.close()
    return digest.hexdigest()


def read_archive(archive: Path, staged: Staged, directories: dict[tuple[str, str], FileDirectory]) -> Manifest:
    """Read every member into its staging place, checking each against the manifest.

    :raises BackupError: unreadable, truncated or corrupt, or not an intranet backup.
    """
    name = archive.name
    try:
        with tarfile.open(archive, mode="r|*") as tar:
            for member in tar:
                _read_member(tar, member, staged, directories)
    except BackupError:
        raise
    except FileNotFoundError:
        raise BackupError(f"{archive}: no such file") from None
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BackupError(f"{name} is truncated or corrupt: {detail}") from None
    manifest = staged.manifest
    if manifest is None:
        raise BackupError(f"{name} is incomplete or not an intranet backup: it has no {MANIFEST}")
    missing = sorted(set(manifest.checksums) - set(staged.checksums))
    if missing:
        raise BackupError(f"{name} is incomplete: {len(missing)} member(s) missing, e.g. {missing[0]}")
    extra = sorted(set(staged.checksums) - set(manifest.checksums))
    if extra:
        raise BackupError(f"{name} is corrupt: {extra[0]} is not in its manifest")
    wrong = sorted(m for m, digest in staged.checksums.items() if manifest.checksums[m] != digest)
    if wrong:
        raise BackupError(f"{name} is corrupt: the checksum of {wrong[0]} does not match its manifest")
    if manifest.database.member not in staged.checksums or staged.database is None:
        raise BackupError(f"{name} is incomplete: it holds no database")
    return manifest


def _read_member(tar: tarfile.TarFile, member: tarfile.TarInfo, staged: Staged,
                 directories: dict[tuple[str, str], FileDirectory]) -> None:
    if member.isdir():
        return
    if not member.isfile():
        raise BackupError(f"not an intranet backup: {member.name!r} is not a regular file")
    parts = _member_parts(member.name)
    source = tar.extractfile(member)
    assert source is not None
    if parts == [MANIFEST]:
        if staged.manifest is not None or member.size > MAX_MANIFEST_BYTES:
            raise BackupError(f"not an intranet backup: an unexpected {MANIFEST}")
        data = source.read()
        if len(data) != member.size:
            raise EOFError("unexpected end of data")
        try:
            staged.manifest = _decode_manifest(data)
        except msgspec.DecodeError as exc:
            raise BackupError(f"not an intranet backup: its manifest cannot be read ({exc})") from None
        if staged.manifest.format != FORMAT:
            raise BackupError(f"not an intranet backup: its manifest is of {staged.manifest.format!r}")
        return
    if member.name in staged.checksums:
        raise BackupError(f"not an intranet backup: {member.name} is in it twice")
    target: Path | None
    if parts[0] == "database" and len(parts) == 2 and member.name in (SQLITE_MEMBER, POSTGRES_MEMBER):
        target = staged.root / parts[1]
        staged.database = target
    elif parts[0] == FILES and len(parts) >= 4:
        key = (parts[1], parts[2])
        directory = directories.get(key)
        if directory is None:
            staged.unplaced.add(key)  # read and checked all the same; refused once the manifest is known
            target = None
        else:
            if key not in staged.directories:
                staged.directories[key] = _staging_dir(directory.path)
            target = staged.directories[key].joinpath(*parts[3:])
    else:
        raise BackupError(f"not an intranet backup: it holds {member.name!r}")
    staged.checksums[member.name] = _copy_member(source, target, member.size)
    if target is not None:
        os.chmod(target, (member.mode & 0o755) | 0o600)
        os.utime(target, (member.mtime, member.mtime))


# --- restoring -----------------------------------------------------------------------------


@dataclass
class RestoreReport:
    manifest: Manifest
    pending: list[str]
    warnings: list[str]
    seconds: float


def check_manifest(intranet: Any, manifest: Manifest, staged: Staged) -> list[str]:
    """Why this archive cannot be restored here: one phrase per reason, none if it can."""
    problems: list[str] = []
    kind = "sqlite" if intranet.db.is_sqlite else "postgres"
    if manifest.format_version > FORMAT_VERSION:
        problems.append(
            f"the archive is of format {manifest.format_version}, made by a newer intranet-core "
            f"({manifest.core_version}); this one ({__version__}) reads format {FORMAT_VERSION}"
        )
    if manifest.database.kind != kind:
        names = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
        problems.append(
            f"the archive holds a {names.get(manifest.database.kind, manifest.database.kind)} database "
            f"and this site uses {names[kind]}"
        )
    known = set(known_migrations(intranet))
    unknown = [name for name in manifest.migrations if name not in known]
    if unknown:
        apps = {name.split(":", 1)[0] for name in unknown}
        owners = sorted({p.name for p in manifest.plugins for app in p.apps if app in apps})
        installed = {info.name: info for info in intranet.plugins if info.enabled}
        described = []
        for owner in owners:
            entry = next(p for p in manifest.plugins if p.name == owner)
            here = installed.get(owner)
            if entry.builtin:
                core = f"intranet-core is {__version__} here, {manifest.core_version} in the archive"
                if core not in described:
                    described.append(core)
            elif here is None:
                described.append(f"plugin {owner!r} {entry.version or ''} is not installed or not enabled here")
            else:
                described.append(f"plugin {owner!r} is {here.version or 'of unknown version'} here, "
                                 f"{entry.version or 'unknown'} in the archive")
        problems.append(
            f"the archive's database has {len(unknown)} migration(s) this installation does not know "
            f"(e.g. {unknown[0]})" + (f": {'; '.join(described)}" if described else "")
        )
    for key in sorted(staged.unplaced):
        problems.append(f"the archive has files of plugin {key[0]!r} ({key[1]}), which names no such directory here")
    return problems


def version_warnings(intranet: Any, manifest: Manifest) -> list[str]:
    warnings: list[str] = []
    if is_newer(manifest.core_version, __version__):
        warnings.append(f"the archive was made with intranet-core {manifest.core_version}; this is {__version__}")
    installed = {info.name: info for info in intranet.plugins if info.enabled}
    for entry in manifest.plugins:
        if entry.builtin:
            continue
        here = installed.get(entry.name)
        if here is None:
            warnings.append(f"plugin {entry.name!r} ({entry.version or 'unknown version'}) was enabled where the "
                            "archive was made, and is not here")
        elif is_newer(entry.version, here.version):
            warnings.append(f"plugin {entry.name!r} is {entry.version} in the archive and {here.version} here")
    return warnings


async def non_empty(intranet: Any, directories: list[FileDirectory]) -> list[str]:
    """What this installation holds already: tables with rows, directories with files."""
    found: list[str] = []
    if intranet.db.is_sqlite:
        path = intranet.db.sqlite_path
        tables = await asyncio.to_thread(_sqlite_tables_with_rows, path) if path and path.exists() else []
    else:
        tables = await _postgres_tables_with_rows(intranet.db.url)
    if tables:
        shown = ", ".join(tables[:4]) + (f" and {len(tables) - 4} more" if len(tables) > 4 else "")
        found.append(f"the database has rows in {shown}")
    for directory in directories:
        if await asyncio.to_thread(_has_files, directory):
            found.append(f"{directory.path} has files")
    return found


def _sqlite_tables_with_rows(path: Path) -> list[str]:
    connection = sqlite3.connect(_sqlite_uri(path, "ro"), uri=True, timeout=30)
    try:
        names = [
            row[0] for row in connection.execute(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        return [name for name in names if _sqlite_has_rows(connection, name)]
    finally:
        connection.close()


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sqlite_has_rows(connection: sqlite3.Connection, table: str) -> bool:
    if table == MIGRATION_TABLE:
        return False
    condition = SEEDED_ROWS.get(table)
    query = f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)}{f' WHERE {condition}' if condition else ''})"  # noqa: S608
    try:
        return bool(connection.execute(query).fetchone()[0])
    except sqlite3.Error:
        return bool(connection.execute(f"SELECT EXISTS (SELECT 1 FROM {_quoted(table)})").fetchone()[0])  # noqa: S608


async def _postgres_tables_with_rows(url: str) -> list[str]:
    import asyncpg

    try:
        connection = await asyncpg.connect(url)
    except asyncpg.InvalidCatalogNameError:
        raise BackupError("the site's PostgreSQL database does not exist: create it (createdb) first") from None
    try:
        tables = await connection.fetch(
            "SELECT c.relname AS name, format('%I.%I', n.nspname, c.relname) AS quoted "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY c.relname"
        )
        found = []
        for table in tables:
            if table["name"] == MIGRATION_TABLE:
                continue
            condition = SEEDED_ROWS.get(table["name"])
            query = f"SELECT EXISTS (SELECT 1 FROM {table['quoted']}{f' WHERE {condition}' if condition else ''})"  # noqa: S608
            try:
                has_rows = await connection.fetchval(query)
            except asyncpg.PostgresError:
                has_rows = await connection.fetchval(f"SELECT EXISTS (SELECT 1 FROM {table['quoted']})")  # noqa: S608
            if has_rows:
                found.append(str(table["name"]))
        return found
    finally:
        await connection.close()


def _install_sqlite(staged_file: Path, target: Path) -> None:
    connection = sqlite3.connect(staged_file)
    try:
        if connection.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("the archive's SQLite database failed SQLite's quick_check")
    finally:
        connection.close()
    # A write-ahead log left by the old database must not be replayed into the new one.
    for suffix in ("-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    os.replace(staged_file, target)


async def _install_postgres(url: str, dump_file: Path, pg_bin: Path | None) -> None:
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        major = connection.get_server_version().major
    finally:
        await connection.close()
    pg_restore = postgres.find_tool("pg_restore", major, pg_bin)
    psql = postgres.find_tool("psql", major, pg_bin)
    await postgres.load(pg_restore, psql, dump_file, url, postgres.DROP_EVERYTHING)


def _swap_in(staged: Path, target: Path, ignore: frozenset[str]) -> None:
    """Make ``target`` hold exactly what ``staged`` (a directory inside it) holds.

    Everything moves by renames within the directory itself, so a directory
    that is a mount point of its own works too.
    """
    replaced = target / f"{REPLACED_PREFIX}{secrets.token_hex(6)}"
    replaced.mkdir(mode=0o700)
    for entry in target.iterdir():
        if entry in (staged, replaced) or entry.name in ignore or entry.name.startswith(STAGING_PREFIX):
            continue
        os.rename(entry, replaced / entry.name)
    for entry in staged.iterdir():
        os.rename(entry, target / entry.name)
    staged.rmdir()
    shutil.rmtree(replaced, ignore_errors=True)


def _archive_path(archive: Path) -> Path:
    archive = archive.expanduser().resolve()
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    return archive


async def restore_backup(
    intranet: Any, archive: Path, *, force: bool = False, pg_bin: Path | None = None,
) -> RestoreReport:
    """Load an archive into this site: its database and its file directories.

    The site must not be running. Refused, with nothing changed, when the
    site is not empty (unless ``force``), when the archive is unreadable,
    truncated or corrupt, or when it does not fit the installed code (a
    database of the other kind, migrations this code does not know, files
    of a plugin that is not here).

    :raises BackupError: with a one-line reason.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    archive = await asyncio.to_thread(_archive_path, archive)
    directories = file_directories(intranet)
    if not force:
        found = await non_empty(intranet, directories)
        if found:
            raise BackupError(
                f"this site is not empty ({'; '.join(found)}); restore into an empty one, "
                "or replace everything with --force"
            )
    by_key = {d.key: d for d in directories}
    if intranet.db.is_sqlite:
        assert intranet.db.sqlite_path is not None
        root = _staging_dir(intranet.db.sqlite_path.parent)
    else:
        root = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX))
    staged = Staged(root)
    try:
        manifest = await asyncio.to_thread(read_archive, archive, staged, by_key)
        problems = check_manifest(intranet, manifest, staged)
        if problems:
            raise BackupError(f"{archive.name} cannot be restored here: {'; '.join(problems)}")
        assert staged.database is not None
        if intranet.db.is_sqlite:
            assert intranet.db.sqlite_path is not None
            await asyncio.to_thread(_install_sqlite, staged.database, intranet.db.sqlite_path)
        else:
            await _install_postgres(intranet.db.url, staged.database, pg_bin)
            await intranet.db.analyze()  # pg_restore brings the rows, not the planner's statistics
        for directory in directories:
            target = directory.path
            target.mkdir(parents=True, exist_ok=True)
            source = staged.directories.pop(directory.key, None) or _staging_dir(target)
            await asyncio.to_thread(_swap_in, source, target, directory.skip)
    finally:
        staged.cleanup()
    pending = pending_after(intranet, manifest.migrations)
    warnings = [*manifest.warnings, *version_warnings(intranet, manifest)]
    return RestoreReport(manifest, pending, warnings, loop.time() - started)
