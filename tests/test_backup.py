"""Backups: one archive of a running site (database, files, manifest), restored into an empty one.

Everything runs against the session's database (SQLite in ``tmp_path``, or the
PostgreSQL of ``INTRANET_TEST_DATABASE_URL``); a restore goes into a second
database of the same kind (SQLite: another file; PostgreSQL: a database
``deploy_backup_target`` on the same server, created and dropped here).
Tables are compared row by row, read straight from the databases, and files
byte by byte.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import io
import itertools
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from litestar.datastructures import UploadFile
from support import INTRANET, is_postgres
from support import run_cli as run_cli_blocking

from intranet_core import hookimpl
from intranet_core.app import create_app
from intranet_core.backup import postgres
from intranet_core.backup.errors import BackupError
from intranet_core.backup.service import (
    MANIFEST,
    create_backup,
    file_directories,
    is_newer,
    restore_backup,
)
from intranet_core.demo import load_demo
from intranet_core.people.demo import DEMO_PASSWORD, MEMBER_EMAIL
from intranet_core.settings import Settings, load_settings
from intranet_core.testing import (
    TEST_SECRET_KEY,
    build_app,
    client_for,
    csrf_token_of,
    make_settings,
    reset_database,
)

TARGET_DATABASE = "deploy_backup_target"


class Scans:
    """A plugin with a file directory of its own (``register_file_directories``)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    @hookimpl
    def register_file_directories(self, app: Any) -> dict[str, Path]:
        return {"scans": self.directory}


# --- helpers -------------------------------------------------------------------------------


def _server_url(url: str, database: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{database}", parts.query, ""))


@pytest.fixture
async def target_url(intranet_settings: Settings, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database of the session's kind for a restore to go into."""
    source = intranet_settings.database.url
    if not is_postgres(source):
        yield f"sqlite:///{tmp_path / 'restored' / 'restored.sqlite3'}"
        return
    admin = await asyncpg.connect(_server_url(source, "postgres"))
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {TARGET_DATABASE} WITH (FORCE)")
        await admin.execute(f"CREATE DATABASE {TARGET_DATABASE}")
    finally:
        await admin.close()
    try:
        yield _server_url(source, TARGET_DATABASE)
    finally:
        admin = await asyncpg.connect(_server_url(source, "postgres"))
        try:
            await admin.execute(f"DROP DATABASE IF EXISTS {TARGET_DATABASE} WITH (FORCE)")
        finally:
            await admin.close()


def site_settings(url: str, root: Path) -> Settings:
    return make_settings(url, uploads={"directory": str(root / "uploads")})


@contextlib.asynccontextmanager
async def connected(intranet: Any) -> AsyncIterator[Any]:
    await intranet.db.connect()
    try:
        yield intranet
    finally:
        await intranet.db.close()


async def upload(intranet: Any, name: str, data: bytes, uploader: int | None = None) -> Any:
    from intranet_core.uploads.service import prepare_upload, save_upload

    prepared = await prepare_upload(intranet, UploadFile(content_type="text/plain", filename=name, file_data=data))
    return await save_upload(prepared, uploader_id=uploader)


def files_of(root: Path) -> dict[str, bytes]:
    if not root.exists():
        return {}
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*")) if path.is_file() and ".incoming" not in path.parts
    }


def _sortable(value: Any) -> Any:
    return (value is None, repr(value))


async def table_rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (and every sequence's position), read without the ORM."""
    if not is_postgres(url):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            names = [row[0] for row in connection.execute(
                "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') "
                "ORDER BY name")]
            return {
                name: sorted((tuple(row) for row in connection.execute(f'SELECT * FROM "{name}"')),
                             key=lambda row: [_sortable(v) for v in row])
                for name in names
            }
        finally:
            connection.close()
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT c.relname, c.relkind::text AS kind, format('%I.%I', n.nspname, c.relname) AS quoted "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'S') "
            "ORDER BY c.relname"
        )
        result: dict[str, list[tuple[Any, ...]]] = {}
        for table in tables:
            query = (f"SELECT last_value, is_called FROM {table['quoted']}" if table["kind"] == "S"
                     else f"SELECT * FROM {table['quoted']}")
            rows = [tuple(row) for row in await connection.fetch(query)]
            result[table["relname"]] = sorted(rows, key=lambda row: [_sortable(v) for v in row])
        return result
    finally:
        await connection.close()


async def feed_post_ids(app: Any) -> list[int]:
    """The posts on the demo member's front page, in order, as the site shows them."""
    async with client_for(app) as client:
        page = await client.get("/signin")
        signed_in = await client.post("/signin", data={
            "email": MEMBER_EMAIL, "password": DEMO_PASSWORD, "_csrf_token": csrf_token_of(page.text)})
        assert signed_in.status_code == 303, signed_in.text
        feed = await client.get("/")
        assert feed.status_code == 200
        return [int(i) for i in re.findall(r'id="post-(\d+)"', feed.text)]


def rewrite_manifest(archive: Path, target: Path, change: Any) -> None:
    """A copy of ``archive`` whose manifest ``change(dict)`` has edited (the checksums still hold)."""
    with tarfile.open(archive, "r:*") as source, tarfile.open(target, "w:gz") as out:
        for member in source.getmembers():
            data = source.extractfile(member).read()  # type: ignore[union-attr]
            if member.name == MANIFEST:
                manifest = json.loads(data)
                change(manifest)
                data = json.dumps(manifest).encode()
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))


# --- round trip ----------------------------------------------------------------------------


async def test_the_demo_round_trips_every_table_and_every_file(
    intranet_settings: Settings, target_url: str, tmp_path: Path
) -> None:
    source_settings = site_settings(intranet_settings.database.url, tmp_path / "source")
    source_app = await build_app(source_settings, [("scans", Scans(tmp_path / "source" / "scans"))])
    intranet = source_app.state.intranet
    async with connected(intranet):
        await load_demo(intranet)
        await upload(intranet, "minutes.txt", b"Minutes of the board meeting\n", uploader=1)
        await upload(intranet, "again.txt", b"Minutes of the board meeting\n")  # the same bytes, stored once
        await upload(intranet, "plan.txt", "Ferieplan for Øst".encode())
    scans = tmp_path / "source" / "scans"
    (scans / "2026" / "11").mkdir(parents=True)
    (scans / "2026" / "11" / "letter.pdf").write_bytes(b"%PDF-1.4 not really\n")
    (scans / "index.json").write_text('{"letters": 1}')
    source_feed = await feed_post_ids(source_app)
    assert len(source_feed) >= 10

    report = await create_backup(intranet, tmp_path / "site.tar.gz")
    assert report.path.stat().st_mode & 0o777 == 0o600
    assert report.manifest.database.kind == ("postgres" if is_postgres(target_url) else "sqlite")
    assert {(d.plugin, d.name, d.files) for d in report.manifest.directories} == {
        ("core.uploads", "uploads", 2), ("scans", "scans", 2)}
    assert report.manifest.pending_migrations == []
    source_rows = await table_rows(source_settings.database.url)
    assert source_rows["post"] and source_rows["person"] and len(source_rows["upload"]) == 3

    target_settings = site_settings(target_url, tmp_path / "target")
    target = create_app(target_settings, plugins=[("scans", Scans(tmp_path / "target" / "scans"))]).state.intranet
    restored = await restore_backup(target, report.path)
    assert restored.pending == []
    assert restored.warnings == []

    target_rows = await table_rows(target_url)
    assert set(target_rows) == set(source_rows)
    for table, rows in source_rows.items():
        assert target_rows[table] == rows, f"table {table} differs"
    assert files_of(tmp_path / "target" / "uploads") == files_of(tmp_path / "source" / "uploads")
    assert len(files_of(tmp_path / "target" / "uploads")) == 2
    assert files_of(tmp_path / "target" / "scans") == files_of(scans)
    # The restored site shows the same feed to the same person.
    assert await feed_post_ids(target.litestar) == source_feed


async def test_a_site_that_is_not_empty_is_refused_unless_forced(
    intranet_settings: Settings, target_url: str, tmp_path: Path
) -> None:
    source_settings = site_settings(intranet_settings.database.url, tmp_path / "source")
    intranet = (await build_app(source_settings)).state.intranet
    async with connected(intranet):
        await upload(intranet, "a.txt", b"first\n")
    archive = (await create_backup(intranet, tmp_path / "a.tar")).path

    # A target that was migrated (its built-in roles exist) but holds nothing else counts as empty.
    target_settings = site_settings(target_url, tmp_path / "target")
    target_app = await build_app(target_settings)
    target = target_app.state.intranet
    async with connected(target):
        await upload(target, "b.txt", b"second, never backed up\n")
    before = await table_rows(target_url)

    with pytest.raises(BackupError, match=r"^this site is not empty \(the database has rows in .*upload.*; "
                                          r".*uploads has files\).*--force$"):
        await restore_backup(target, archive)
    assert await table_rows(target_url) == before
    assert list(files_of(tmp_path / "target" / "uploads").values()) == [b"second, never backed up\n"]

    await restore_backup(target, archive, force=True)
    assert list(files_of(tmp_path / "target" / "uploads").values()) == [b"first\n"]
    rows = await table_rows(target_url)
    assert [row for row in rows["upload"] if "a.txt" in row] and not [r for r in rows["upload"] if "b.txt" in r]


async def test_an_empty_migrated_site_takes_a_restore(
    intranet_settings: Settings, target_url: str, tmp_path: Path
) -> None:
    intranet = (await build_app(site_settings(intranet_settings.database.url, tmp_path / "s"))).state.intranet
    async with connected(intranet):
        await upload(intranet, "a.txt", b"kept\n")
    archive = (await create_backup(intranet, tmp_path)).path  # a directory: a name of its own in it
    assert re.fullmatch(r"intranet-backup-\d{8}T\d{6}Z\.tar\.gz", archive.name)
    target = (await build_app(site_settings(target_url, tmp_path / "t"))).state.intranet
    await restore_backup(target, archive)
    assert list(files_of(tmp_path / "t" / "uploads").values()) == [b"kept\n"]


# --- consistency under writes ----------------------------------------------------------------


WRITERS = 3


async def test_a_backup_under_concurrent_writes_restores_one_moment(
    intranet_settings: Settings, target_url: str, tmp_path: Path
) -> None:
    """Writers add posts with two audience rows and a file each while the backup runs; a cleaner removes
    old files the way the site does (row first, file after the commit). The restore holds, for each
    writer, exactly its first n posts, each complete, and every file a row refers to."""
    from intranet_core.feed.tables import Post, PostAudience
    from intranet_core.people.service import create_person
    from intranet_core.uploads.service import prepare_upload, remove_files_if_unused, save_upload
    from intranet_core.uploads.tables import Upload

    settings = site_settings(intranet_settings.database.url, tmp_path / "source")
    intranet = (await build_app(settings)).state.intranet
    committed = [0] * WRITERS
    removed = [0]
    stop = asyncio.Event()
    progress = asyncio.Condition()
    moment = datetime.datetime.now(datetime.UTC)

    async def write(k: int) -> None:
        for i in itertools.count():
            if stop.is_set():
                return
            # The file first (as a form's upload is), then the rows, all in one transaction.
            prepared = await prepare_upload(intranet, UploadFile(
                content_type="text/plain", filename=f"w{k}-{i}.txt", file_data=f"writer {k}, post {i}\n".encode()))
            async with intranet.db.transaction(write=True):
                rows = await Post.insert(Post(author=author.id, title=f"w{k}-{i}", body="b", body_html="<p>b</p>",
                                              published_at=moment, created_at=moment)).returning(Post.id).run()
                post_id = rows[0]["id"]
                await PostAudience.insert(PostAudience(post=post_id, key="all", published_at=moment),
                                          PostAudience(post=post_id, key=f"unit:{k}", published_at=moment)).run()
                await save_upload(prepared, uploader_id=author.id)
            committed[k] = i + 1
            async with progress:
                progress.notify_all()

    async def clean() -> None:
        while not stop.is_set():
            async with intranet.db.transaction(write=True):
                row = await Upload.select(Upload.id, Upload.sha256).where(
                    Upload.filename.like("old-%")).order_by(Upload.id).first().run()
                if row is None:
                    return
                await Upload.delete().where(Upload.id == row["id"]).run()
            removed[0] += await remove_files_if_unused(intranet, [row["sha256"]])
            await asyncio.sleep(0.01)

    async with connected(intranet):
        author = await create_person(intranet, actor_id=None, fields={"email": "w@example.org", "name": "Writer"})
        for n in range(60):
            await upload(intranet, f"old-{n}.txt", f"an old file {n}\n".encode())
        tasks = [asyncio.create_task(write(k)) for k in range(WRITERS)] + [asyncio.create_task(clean())]
        await asyncio.sleep(0.3)

        async def more_writes() -> None:
            # Files written after the first copy of the directory, whose rows the snapshot holds.
            wanted = sum(committed) + 6
            async with progress:
                await progress.wait_for(lambda: sum(committed) >= wanted)

        at_start, removed_at_start = sum(committed), removed[0]
        try:
            report = await create_backup(intranet, tmp_path / "busy.tar.gz", after_first_pass=more_writes)
            at_end, removed_at_end = sum(committed), removed[0]
            await asyncio.sleep(0.2)
        finally:
            stop.set()
            await asyncio.gather(*tasks)

    target = create_app(site_settings(target_url, tmp_path / "target")).state.intranet
    await restore_backup(target, report.path)
    rows = await table_rows(target_url)
    columns = await _columns(target_url, "post")
    titles = [row[columns.index("title")] for row in rows["post"]]
    restored = sum(1 for t in titles if t.startswith("w"))
    assert at_start + 6 <= restored <= at_end
    for k in range(WRITERS):
        mine = sorted(int(t.split("-")[1]) for t in titles if t.startswith(f"w{k}-"))
        assert mine == list(range(len(mine))), f"writer {k}: not a prefix of its posts"
    audience_columns = await _columns(target_url, "post_audience")
    per_post: dict[int, int] = {}
    for row in rows["post_audience"]:
        per_post[row[audience_columns.index("post")]] = per_post.get(row[audience_columns.index("post")], 0) + 1
    post_ids = [row[columns.index("id")] for row in rows["post"]]
    assert all(per_post.get(post_id) == 2 for post_id in post_ids), "a post without its audience rows"
    assert len(rows["post_audience"]) == 2 * len(post_ids)
    upload_columns = await _columns(target_url, "upload")
    uploads = {row[upload_columns.index("filename")]: row[upload_columns.index("sha256")] for row in rows["upload"]}
    assert sorted(name.removesuffix(".txt") for name in uploads if name.startswith("w")) == sorted(
        t for t in titles if t.startswith("w"))
    stored = files_of(tmp_path / "target" / "uploads")
    for name, sha256 in uploads.items():
        assert f"{sha256[:2]}/{sha256}" in stored, f"{name}: its row was restored without its file"
    assert removed_at_end > removed_at_start, "no file was removed while the backup ran"


async def _columns(url: str, table: str) -> list[str]:
    if not is_postgres(url):
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
        try:
            return [row[1] for row in connection.execute(f'PRAGMA table_info("{table}")')]
        finally:
            connection.close()
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 "
            "ORDER BY ordinal_position", table)
        return [row["column_name"] for row in rows]
    finally:
        await connection.close()


# --- archives that do not fit ----------------------------------------------------------------


@pytest.fixture
async def archive(intranet_settings: Settings, tmp_path: Path) -> Path:
    """A backup of a small site with one uploaded file and one file of the Scans plugin."""
    scans = tmp_path / "source" / "scans"
    scans.mkdir(parents=True)
    (scans / "a.pdf").write_bytes(b"%PDF-1.4\n")
    intranet = (await build_app(site_settings(intranet_settings.database.url, tmp_path / "source"),
                                [("scans", Scans(scans))])).state.intranet
    async with connected(intranet):
        await upload(intranet, "a.txt", b"an upload\n")
    return (await create_backup(intranet, tmp_path / "small.tar.gz")).path


async def test_an_archive_with_migrations_this_code_does_not_know_is_refused(
    archive: Path, target_url: str, tmp_path: Path
) -> None:
    newer = tmp_path / "newer.tar.gz"
    rewrite_manifest(archive, newer, lambda m: (m["migrations"].append("core_feed:2099-01-01T00:00:00:000000"),
                                                 m.update(core_version="9.0.0")))
    target = create_app(site_settings(target_url, tmp_path / "t"), plugins=[("scans", Scans(tmp_path / "t" / "s"))])
    with pytest.raises(BackupError, match=r"1 migration\(s\) this installation does not know "
                                          r"\(e\.g\. core_feed:2099-01-01T00:00:00:000000\): intranet-core is 0\.1\.0 "
                                          r"here, 9\.0\.0 in the archive$"):
        await restore_backup(target.state.intranet, newer)
    assert files_of(tmp_path / "t") == {}
    assert (await table_rows(target_url)) == {} or not is_postgres(target_url)


async def test_an_archive_with_files_of_a_missing_plugin_or_another_database_is_refused(
    archive: Path, target_url: str, tmp_path: Path
) -> None:
    without_scans = create_app(site_settings(target_url, tmp_path / "t")).state.intranet
    with pytest.raises(BackupError, match=r"files of plugin 'scans' \(scans\), which names no such directory here"):
        await restore_backup(without_scans, archive)
    other_kind = tmp_path / "other.tar.gz"
    rewrite_manifest(archive, other_kind, lambda m: m["database"].update(
        kind="sqlite" if is_postgres(target_url) else "postgres"))
    target = create_app(site_settings(target_url, tmp_path / "t"), plugins=[("scans", Scans(tmp_path / "t" / "s"))])
    with pytest.raises(BackupError, match=r"the archive holds a (SQLite|PostgreSQL) database and this site uses"):
        await restore_backup(target.state.intranet, other_kind)
    assert files_of(tmp_path / "t") == {}


async def test_a_newer_plugin_version_without_newer_migrations_is_a_warning(
    archive: Path, target_url: str, tmp_path: Path
) -> None:
    def newer(manifest: dict[str, Any]) -> None:
        manifest["plugins"].append({"name": "esdh", "version": "2.0.0", "builtin": False, "apps": []})
        manifest["core_version"] = "0.2.0"

    edited = tmp_path / "edited.tar.gz"
    rewrite_manifest(archive, edited, newer)
    target = create_app(site_settings(target_url, tmp_path / "t"), plugins=[("scans", Scans(tmp_path / "t" / "s"))])
    report = await restore_backup(target.state.intranet, edited)
    assert report.warnings == [
        "the archive was made with intranet-core 0.2.0; this is 0.1.0",
        "plugin 'esdh' (2.0.0) was enabled where the archive was made, and is not here",
    ]


# --- the commands ---------------------------------------------------------------------------


async def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return await asyncio.to_thread(run_cli_blocking, *args, cwd=cwd)


def write_config(path: Path, url: str, uploads: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        f'secret_key = "{TEST_SECRET_KEY}"\n[database]\nurl = "{url}"\n[uploads]\ndirectory = "{uploads}"\n'
        "[plugins]\nenabled = []\n"
    )
    return path


def one_line_error(result: Any) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.fixture
async def cli_sites(intranet_settings: Settings, target_url: str, tmp_path: Path) -> tuple[Path, Path]:
    """Settings files of two sites with only the core: the session's database, and the empty target."""
    await reset_database(intranet_settings.database.url)
    source = write_config(tmp_path / "a" / "intranet.toml", intranet_settings.database.url, tmp_path / "a" / "up")
    target = write_config(tmp_path / "b" / "intranet.toml", target_url, tmp_path / "b" / "up")
    return source, target


async def test_backup_and_restore_commands(cli_sites: tuple[Path, Path], target_url: str, tmp_path: Path) -> None:
    source, target = cli_sites
    assert (await run_cli("migrate", "-c", str(source), cwd=tmp_path)).returncode == 0
    created = await asyncio.to_thread(
        subprocess.run,
        [INTRANET, "createuser", "-c", str(source), "--email", "ada@example.org", "--name", "Ada Lund",
         "--password-stdin"], input="a password long enough\n", capture_output=True, text=True, timeout=60,
        env={k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}, check=False)
    assert created.returncode == 0, created.stderr
    (tmp_path / "a" / "up" / "ab").mkdir(parents=True)
    (tmp_path / "a" / "up" / "ab" / "abcd").write_bytes(b"bytes\n")
    made = await run_cli("backup", "-c", str(source), "-o", str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert re.fullmatch(r"Wrote .*x\.tar\.gz: .*, the (SQLite|PostgreSQL) database and 1 file\(s\), in .* s\.\n",
                        made.stdout), made.stdout
    again = await run_cli("backup", "-c", str(source), "-o", str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert one_line_error(again).endswith("x.tar.gz already exists; not overwriting it")

    restored = await run_cli("restore", "-c", str(target), str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert restored.stdout.startswith("Restored x.tar.gz (made ")
    assert files_of(tmp_path / "b" / "up") == {"ab/abcd": b"bytes\n"}
    assert (await run_cli("migrate", "--check", "-c", str(target), cwd=tmp_path)).returncode == 0
    rows = await table_rows(target_url)
    assert any("ada@example.org" in row for row in rows["person"])

    refused = await run_cli("restore", "-c", str(target), str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert "this site is not empty" in one_line_error(refused)
    forced = await run_cli("restore", "--force", "-c", str(target), str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr


def _corrupt_copies(archive: Path, folder: Path) -> dict[str, Path]:
    data = archive.read_bytes()
    copies = {}
    copies["truncated"] = folder / "truncated.tar.gz"
    copies["truncated"].write_bytes(data[: len(data) // 2])
    # Uncompressed, one byte of the database changed: only the checksum can tell.
    plain = gzip.decompress(data)
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith("database/"))
    flipped = bytearray(plain)
    flipped[member.offset_data + member.size // 2] ^= 0x01
    copies["flipped"] = folder / "flipped.tar"
    copies["flipped"].write_bytes(bytes(flipped))
    copies["garbage"] = folder / "garbage.tar.gz"
    copies["garbage"].write_bytes(b"this is not a backup at all\n" * 100)
    copies["no manifest"] = folder / "no-manifest.tar"
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar, tarfile.open(copies["no manifest"], "w") as out:
        for member in tar.getmembers():
            if member.name != MANIFEST:
                out.addfile(member, tar.extractfile(member))
    with tarfile.open(fileobj=io.BytesIO(plain)) as tar:
        manifest = tar.getmember(MANIFEST)
    copies["cut in the manifest"] = folder / "cut.tar"
    copies["cut in the manifest"].write_bytes(plain[: manifest.offset_data + manifest.size // 2])
    return copies


async def test_a_corrupt_or_truncated_archive_is_refused_in_one_line(
    cli_sites: tuple[Path, Path], target_url: str, tmp_path: Path
) -> None:
    source, target = cli_sites
    assert (await run_cli("migrate", "-c", str(source), cwd=tmp_path)).returncode == 0
    made = await run_cli("backup", "-c", str(source), "-o", str(tmp_path / "x.tar.gz"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    expected = {
        "truncated": r"truncated\.tar\.gz is truncated or corrupt: .+",
        "flipped": r"flipped\.tar is corrupt: the checksum of database/\S+ does not match its manifest",
        "garbage": r"garbage\.tar\.gz is truncated or corrupt: .+",
        "no manifest": r"no-manifest\.tar is incomplete or not an intranet backup: it has no manifest\.json",
        "cut in the manifest": r"cut\.tar is truncated or corrupt: unexpected end of data",
    }
    copies = _corrupt_copies(tmp_path / "x.tar.gz", tmp_path)
    # As a person meets them: one line, exit status 2.
    for case in ("truncated", "flipped"):
        result = await run_cli("restore", "-c", str(target), str(copies[case]), cwd=tmp_path)
        line = one_line_error(result)
        assert re.fullmatch(f"error: {expected[case]}", line), (case, line)
    site = create_app(load_settings(target)).state.intranet
    for case in ("garbage", "no manifest", "cut in the manifest"):
        with pytest.raises(BackupError) as refused:
            await restore_backup(site, copies[case])
        assert re.fullmatch(expected[case], str(refused.value)), (case, str(refused.value))
    # Nothing was written into the target.
    assert files_of(tmp_path / "b" / "up") == {}
    if is_postgres(target_url):
        assert await table_rows(target_url) == {}
    else:
        assert not await asyncio.to_thread(os.path.exists, target_url.removeprefix("sqlite:///"))


# --- parts ----------------------------------------------------------------------------------


def test_file_directories_must_not_overlap_and_names_must_be_plain(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'db.sqlite3'}", uploads={"directory": str(tmp_path / "up")})
    inside = create_app(settings, plugins=[("scans", Scans(tmp_path / "up" / "scans"))]).state.intranet
    with pytest.raises(BackupError, match=r"^file directories overlap: core\.uploads/uploads .* and scans/scans"):
        file_directories(inside)

    class BadName:
        @hookimpl
        def register_file_directories(self, app: Any) -> dict[str, Path]:
            return {"../x": tmp_path / "x"}

    bad = create_app(settings, plugins=[("bad", BadName())]).state.intranet
    with pytest.raises(BackupError, match=r"plugin 'bad': file directory name '\.\./x'"):
        file_directories(bad)
    fine = create_app(settings, plugins=[("scans", Scans(tmp_path / "scans"))]).state.intranet
    assert [(d.plugin, d.name, d.path) for d in file_directories(fine)] == [
        ("core.uploads", "uploads", tmp_path / "up"), ("scans", "scans", tmp_path / "scans")]


def test_versions_compare_by_release() -> None:
    assert is_newer("0.10.0", "0.9.1")
    assert is_newer("1.0", "0.99")
    assert not is_newer("1.0.0", "1.0")
    assert not is_newer("1.0.0rc1", "1.0.0")
    assert not is_newer(None, "1.0") and not is_newer("1.0", None)


def test_the_password_stays_off_the_command_line() -> None:
    dsn, environ = postgres.libpq_target("postgresql://intranet:s%40cret@db.example.org:5433/intranet?sslmode=require")
    assert dsn == "postgresql://intranet@db.example.org:5433/intranet?sslmode=require"
    assert environ == {"PGPASSWORD": "s@cret"}
    assert postgres.libpq_target("postgres://127.0.0.1/x") == ("postgresql://127.0.0.1/x", {})


def test_the_client_tools_of_the_servers_version_are_preferred(tmp_path: Path) -> None:
    for version in (13, 15, 16):
        tool = tmp_path / str(version) / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text(f"#!/bin/sh\necho 'pg_dump (PostgreSQL) {version}.4'\n")
        tool.chmod(0o755)
    assert postgres.find_tool("pg_dump", 15, root=tmp_path) == tmp_path / "15" / "bin" / "pg_dump"
    assert postgres.find_tool("pg_dump", 14, root=tmp_path) == tmp_path / "15" / "bin" / "pg_dump"
    assert postgres.find_tool("pg_dump", 17, root=tmp_path) in (
        Path(shutil.which("pg_dump") or "-"), tmp_path / "16" / "bin" / "pg_dump")
    assert postgres.tool_version(tmp_path / "15" / "bin" / "pg_dump") == (15, "pg_dump (PostgreSQL) 15.4")
    with pytest.raises(BackupError, match=r"pg_dump not found in /nowhere"):
        postgres.find_tool("pg_dump", 15, Path("/nowhere"))
