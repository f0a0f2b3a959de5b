"""``intranet backup`` and ``intranet restore``."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from intranet_core.cli import config_option, fail, load_app
from intranet_core.settings import load_settings

T = TypeVar("T")

PG_BIN_HELP = (
    "Directory of PostgreSQL's client tools (pg_dump, pg_restore, psql); "
    "default: the server's version under /usr/lib/postgresql, else PATH."
)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run, turning every expected failure into one line and exit status 2."""
    import asyncpg

    from intranet_core.backup.errors import BackupError

    try:
        return asyncio.run(work)
    except BackupError as exc:
        fail(str(exc))
    except asyncpg.PostgresError as exc:
        fail(f"database: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}")
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        fail(f"{where}{exc.strerror or type(exc).__name__}")
    raise AssertionError("unreachable")


def _size(size: int) -> str:
    for unit, factor in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= factor:
            return f"{size / factor:.1f} {unit}"
    return f"{size} bytes"


@click.command("backup")
@config_option
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="The archive to write: a name ending .tar.gz (compressed) or .tar, or a directory to write "
                   "intranet-backup-<UTC time>.tar.gz in (default: that name, here).")
@click.option("--pg-bin", type=click.Path(file_okay=False, path_type=Path), envvar="INTRANET_PG_BIN", default=None,
              help=PG_BIN_HELP)
def backup_command(config: Path | None, output: Path | None, pg_bin: Path | None) -> None:
    """Write one archive of the site (database, uploaded files, manifest) while it runs."""
    from intranet_core.backup.service import create_backup, default_name

    intranet = load_app(load_settings(config, require_file=config is not None))
    report = _run(create_backup(intranet, output or Path(default_name()), pg_bin=pg_bin))
    manifest = report.manifest
    files = sum(d.files for d in manifest.directories)
    kind = {"sqlite": "SQLite", "postgres": "PostgreSQL"}.get(manifest.database.kind, manifest.database.kind)
    click.echo(f"Wrote {report.path}: {_size(report.size)}, the {kind} database and {files} file(s), "
               f"in {report.seconds:.1f} s.")
    for warning in manifest.warnings:
        click.echo(f"warning: {warning}", err=True)
    if manifest.pending_migrations:
        click.echo(f"note: {len(manifest.pending_migrations)} migration(s) of the installed code were not applied "
                   "yet; the archive holds the database as it was.")


@click.command("restore")
@config_option
@click.argument("archive", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the database and files of a site that is not empty.")
@click.option("--pg-bin", type=click.Path(file_okay=False, path_type=Path), envvar="INTRANET_PG_BIN", default=None,
              help=PG_BIN_HELP)
def restore_command(config: Path | None, archive: Path, force: bool, pg_bin: Path | None) -> None:
    """Load an archive of `intranet backup` into this (stopped, empty) site.

    The archive is read and checked in full first; nothing is changed when it
    is truncated or corrupt, when it does not fit the installed code, or when
    the site is not empty and --force is not given.
    """
    from intranet_core.backup.service import restore_backup

    intranet = load_app(load_settings(config, require_file=config is not None))
    report = _run(restore_backup(intranet, archive, force=force, pg_bin=pg_bin))
    manifest = report.manifest
    files = sum(d.files for d in manifest.directories)
    click.echo(f"Restored {archive.name} (made {manifest.created_at:%Y-%m-%d %H:%M} UTC with intranet-core "
               f"{manifest.core_version}): the database and {files} file(s), in {report.seconds:.1f} s.")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if report.pending:
        click.echo(f"{len(report.pending)} migration(s) of the installed code are newer than the archive: "
                   "run `intranet migrate` before `intranet run`.")
