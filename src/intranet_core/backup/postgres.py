"""PostgreSQL's client tools for backups: which ``pg_dump``, ``pg_restore`` and ``psql`` to run, and how.

``pg_dump`` refuses to dump a server of a newer major version than its own,
and the script that a newer ``pg_restore`` writes may use settings an older
server does not know. So the tools of the server's own major version are
preferred (Debian installs each version's under
``/usr/lib/postgresql/<major>/bin``), then the closest newer ones, then
whatever is on ``PATH``. ``--pg-bin`` (or ``INTRANET_PG_BIN``) names a
directory to use instead.

The password never appears on a command line (where ``ps`` would show it):
the tools get the database URL without it, and the password in
``PGPASSWORD``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from intranet_core.backup.errors import BackupError

DEBIAN_ROOT = Path("/usr/lib/postgresql")
CHUNK = 256 * 1024


def libpq_target(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment that gives the password to libpq."""
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    environ: dict[str, str] = {}
    if at:
        user, colon, password = userinfo.partition(":")
        if colon:
            environ["PGPASSWORD"] = unquote(password)
        netloc = f"{user}@{hostport}" if user else hostport
    else:
        netloc = parts.netloc
    scheme = "postgresql" if parts.scheme in ("postgres", "postgresql") else parts.scheme
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment)), environ


def _debian_tools(name: str, root: Path) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in root.glob(f"*/bin/{name}"):
        version = path.parent.parent.name
        if version.isdigit() and os.access(path, os.X_OK):
            found[int(version)] = path
    return found


def find_tool(name: str, server_major: int | None, bin_dir: Path | None = None, *, root: Path = DEBIAN_ROOT) -> Path:
    """The ``pg_dump``/``pg_restore``/``psql`` to use with a server of ``server_major``.

    :param root: where each major version's tools are (``<root>/<major>/bin``).

    :raises BackupError: none is installed (saying which package to install).
    """
    if bin_dir is not None:
        path = Path(bin_dir) / name
        if not os.access(path, os.X_OK):
            raise BackupError(f"{name} not found in {bin_dir} (given by --pg-bin or INTRANET_PG_BIN)")
        return path
    debian = _debian_tools(name, root)
    if server_major is not None and server_major in debian:
        return debian[server_major]
    newer = sorted(v for v in debian if server_major is None or v > server_major)
    if newer:
        return debian[newer[0]]
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    if debian:
        return debian[max(debian)]
    package = f"postgresql-client-{server_major}" if server_major else "postgresql-client"
    raise BackupError(
        f"{name} not found: install PostgreSQL's client tools of the server's version "
        f"(Debian: apt-get install {package}), or name their directory with --pg-bin"
    )


def tool_version(path: Path) -> tuple[int, str]:
    """The major version of a tool and its ``--version`` line, e.g. ``(15, "pg_dump (PostgreSQL) 15.18")``."""
    try:
        result = subprocess.run(  # noqa: S603 - a tool found by find_tool, no shell
            [str(path), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError as exc:
        raise BackupError(f"{path} cannot be run: {exc.strerror}") from None
    line = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    match = re.search(r"\)\s+(\d+)(?:\.\d+)?", line) or re.search(r"(\d+)\.\d+", line)
    if result.returncode != 0 or match is None:
        raise BackupError(f"{path} --version did not say its version")
    return int(match.group(1)), line


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else "no message"


async def dump(pg_dump: Path, url: str, target: Path, *, snapshot: str, compress: bool) -> None:
    """``pg_dump`` the database, as of ``snapshot``, in the custom format, without owners or privileges."""
    dsn, environ = libpq_target(url)
    args = [
        str(pg_dump), "--format=custom", "--no-owner", "--no-privileges", f"--snapshot={snapshot}",
        f"--file={target}", *([] if compress else ["--compress=0"]), f"--dbname={dsn}",
    ]
    process = await asyncio.create_subprocess_exec(
        *args, stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE, env={**os.environ, **environ},
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"pg_dump failed: {_last_line(err)}")


async def load(pg_restore: Path, psql: Path, dump_file: Path, url: str, prelude: str) -> None:
    """Run ``prelude`` and then the dump's script in one transaction: all of it, or nothing.

    ``pg_restore`` writes the script; ``psql`` runs it with
    ``--single-transaction`` and stops at the first error. Should
    ``pg_restore`` fail half way, ``psql`` is killed before it reaches the
    end of its input, so that the part it has run is rolled back rather
    than committed.
    """
    dsn, environ = libpq_target(url)
    env = {**os.environ, **environ}
    writer = await asyncio.create_subprocess_exec(
        str(pg_restore), "--no-owner", "--no-acl", "--file=-", str(dump_file),
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env,
    )
    runner = await asyncio.create_subprocess_exec(
        str(psql), "--no-psqlrc", "--quiet", "--set=ON_ERROR_STOP=1", "--single-transaction", "--file=-",
        f"--dbname={dsn}",
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE, env=env,
    )
    assert writer.stdout is not None and writer.stderr is not None
    assert runner.stdin is not None and runner.stderr is not None
    script_failed = False

    async def pump() -> None:
        nonlocal script_failed
        stdin = runner.stdin
        assert stdin is not None and writer.stdout is not None
        try:
            stdin.write(prelude.encode("utf-8"))
            await stdin.drain()
            while chunk := await writer.stdout.read(CHUNK):
                stdin.write(chunk)
                await stdin.drain()
        except (BrokenPipeError, ConnectionResetError):
            pass  # psql stopped on an error: its own message says which
        if await writer.wait() != 0:
            script_failed = True
            with contextlib.suppress(ProcessLookupError):
                runner.kill()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            stdin.close()

    writer_err, runner_err, _ = await asyncio.gather(writer.stderr.read(), runner.stderr.read(), pump())
    await runner.wait()
    if script_failed:
        raise BackupError(f"pg_restore failed, nothing was changed: {_last_line(writer_err)}")
    if runner.returncode != 0:
        raise BackupError(f"loading the database failed, nothing was changed: {_last_line(runner_err)}")


# Everything of the site's schema goes before a restore: tables (with their
# indexes, sequences they own and views on them), other sequences, views,
# functions and types, except what belongs to an extension (the dump says
# CREATE EXTENSION IF NOT EXISTS).
DROP_EVERYTHING = """\
DO $restore$
DECLARE
    statement text;
BEGIN
    FOR statement IN
        SELECT format('DROP %s IF EXISTS %I.%I CASCADE',
                      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW'
                                     WHEN 'S' THEN 'SEQUENCE' WHEN 'f' THEN 'FOREIGN TABLE' ELSE 'TABLE' END,
                      n.nspname, c.relname)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                          AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY CASE c.relkind WHEN 'r' THEN 0 WHEN 'p' THEN 0 ELSE 1 END
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP ROUTINE IF EXISTS %s CASCADE', p.oid::regprocedure)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = current_schema() AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                          AND d.objid = p.oid AND d.deptype = 'e')
    LOOP
        EXECUTE statement;
    END LOOP;
    FOR statement IN
        SELECT format('DROP TYPE IF EXISTS %I.%I CASCADE', n.nspname, t.typname)
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = current_schema() AND t.typtype IN ('e', 'd', 'r')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                          AND d.objid = t.oid AND d.deptype = 'e')
    LOOP
        EXECUTE statement;
    END LOOP;
END
$restore$;
"""
