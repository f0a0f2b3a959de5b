"""The ``intranet`` command."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import shutil
import sys
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import click

from intranet_core import __version__
from intranet_core.errors import ConfigError, PendingMigrationsError
from intranet_core.settings import DEFAULT_PATH, Settings, load_settings, new_secret_key, render_toml

CONFIG_HELP = "Settings file (default: $INTRANET_CONFIG or ./intranet.toml)."


def fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    raise SystemExit(code)


class IntranetGroup(click.Group):
    """Adds plugins' commands, and turns configuration errors into one line and exit 2."""

    _plugins_loaded = False
    _plugin_error: str | None = None

    def _load_plugin_commands(self) -> None:
        if self._plugins_loaded:
            return
        self._plugins_loaded = True
        try:
            from intranet_core.plugins import build_plugin_manager

            pm = build_plugin_manager(load_settings(_config_from_argv(sys.argv[1:])))
            pm.hook.register_commands(cli=self)
        except ConfigError as exc:
            # Built-in commands report it themselves; --help must still work.
            self._plugin_error = str(exc)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load_plugin_commands()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is None:
            self._load_plugin_commands()
            command = super().get_command(ctx, name)
        if command is None and self._plugin_error:
            fail(f"{self._plugin_error} (so plugin commands such as {name!r} are unavailable)")
        return command

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            fail(str(exc), exc.exit_code)
        except PendingMigrationsError as exc:
            fail(str(exc), 1)


def _config_from_argv(argv: list[str]) -> Path | None:
    """The ``--config`` a sub-command was given: plugin commands follow the same file."""
    for index, arg in enumerate(argv):
        if arg in ("-c", "--config") and index + 1 < len(argv):
            return Path(argv[index + 1])
        if arg.startswith("--config="):
            return Path(arg.split("=", 1)[1])
    return None


@click.group(cls=IntranetGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="intranet")
def cli() -> None:
    """intranet-core: a pluggable, self-hosted intranet.

    Start with `intranet init`, then `intranet migrate` and `intranet run`;
    or try everything at once with `intranet demo`.
    """


def config_option(function: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--config", "-c", "config", type=click.Path(dir_okay=False, path_type=Path), default=None, help=CONFIG_HELP
    )(function)


def _settings(config: Path | None) -> Settings:
    return load_settings(config, require_file=config is not None)


def load_app(settings: Settings, *, check_migrations: bool = False) -> Any:
    """Build the site for a command; returns the ``Intranet`` object.

    Open its database with :func:`connected`, which refuses a database behind
    the code when ``check_migrations`` is true.
    """
    from intranet_core.app import create_app

    return create_app(settings, check_migrations=check_migrations).state.intranet


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@contextlib.asynccontextmanager
async def connected(intranet: Any) -> AsyncIterator[Any]:
    """The site's database, open for a command, closed afterwards.

    A site built with ``load_app(settings, check_migrations=True)`` is
    refused while migrations are pending (:class:`PendingMigrationsError`:
    the command fails with one line telling to run ``intranet migrate``).
    """
    await intranet.db.connect()
    try:
        if intranet.check_migrations_on_startup:
            pending = await intranet.db.pending_migrations()
            if pending:
                raise PendingMigrationsError(pending)
        yield intranet
    finally:
        await intranet.db.close()


async def _with_db(intranet: Any, work: Callable[[Any], Any]) -> Any:
    async with connected(intranet):
        return await work(intranet)


@cli.command()
@click.option("--path", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PATH, show_default=True)
@click.option("--database-url", default="sqlite:///intranet.sqlite3", show_default=True)
def init(path: Path, database_url: str) -> None:
    """Write a new intranet.toml with a fresh secret key."""
    if path.exists():
        fail(f"{path} already exists; not overwriting it")
    path.write_text(render_toml(secret_key=new_secret_key(), database_url=database_url), encoding="utf-8")
    path.chmod(0o600)
    click.echo(f"Wrote {path}. Next: `intranet migrate`, then `intranet run`.")


@cli.command()
@config_option
def check(config: Path | None) -> None:
    """Validate the settings and plugins; list every problem found."""
    from intranet_core.plugins import discover_entry_points

    problems: list[str] = []
    try:
        settings = _settings(config)
    except ConfigError as exc:
        fail(str(exc))
        return
    for ep in discover_entry_points():
        if not settings.is_plugin_enabled(ep.name):
            continue
        try:
            importlib.import_module(ep.value.split(":")[0])
        except Exception as exc:
            problems.append(f"plugin {ep.name!r} ({ep.value}) failed to import: {type(exc).__name__}: {exc}")
    intranet = None
    if not problems:
        try:
            intranet = load_app(settings)
        except ConfigError as exc:
            problems.append(str(exc))
    if intranet is not None:
        async def database(i: Any) -> list[str]:
            status = await i.db.ping()
            if status["status"] != "ok":
                return [f"database: cannot be reached ({status.get('error', 'unknown error')})"]
            pending = await i.db.pending_migrations()
            return [f"database: {len(pending)} migration(s) pending; run `intranet migrate`"] if pending else []

        try:
            problems.extend(_run(_with_db(intranet, database)))
        except Exception as exc:
            problems.append(f"database: cannot be reached ({type(exc).__name__}: {exc})")
    if problems:
        for problem in problems:
            click.echo(f"problem: {problem}", err=True)
        raise SystemExit(2)
    count = len(intranet.plugins) if intranet is not None else 0
    click.echo(f"OK: {settings.source} and {count} plugin(s) are fine; the database is up to date.")


@cli.command()
@config_option
@click.option("--check", "check_only", is_flag=True, help="Exit 1 while migrations are pending; change nothing.")
def migrate(config: Path | None, check_only: bool) -> None:
    """Apply the migrations of the core and every enabled plugin."""
    intranet = load_app(_settings(config))

    async def work(i: Any) -> list[str]:
        return await (i.db.pending_migrations() if check_only else i.migrate())

    names = _run(_with_db(intranet, work))
    if check_only:
        if names:
            click.echo(f"{len(names)} migration(s) pending:")
            for name in names:
                click.echo(f"  {name}")
            raise SystemExit(1)
        click.echo("No migrations pending.")
        return
    for name in names:
        click.echo(f"applied {name}")
    click.echo(f"{len(names)} migration(s) applied." if names else "Nothing to migrate: up to date.")


@cli.command()
@config_option
@click.option("--host", default=None, help="Address to listen on (default from settings).")
@click.option("--port", type=int, default=None, help="Port to listen on (default from settings).")
@click.option("--workers", type=int, default=None, help="Worker processes (default from settings).")
@click.option("--reload", is_flag=True, help="Restart on code changes (development).")
def run(config: Path | None, host: str | None, port: int | None, workers: int | None, reload: bool) -> None:
    """Serve the site with uvicorn; refuses while migrations are pending."""
    settings = _settings(config)
    intranet = load_app(settings)
    pending = _run(_with_db(intranet, lambda i: i.db.pending_migrations()))
    if pending:
        raise PendingMigrationsError(pending)
    _serve(settings, config, host, port, workers, reload)


def _serve(
    settings: Settings, config: Path | None, host: str | None, port: int | None,
    workers: int | None, reload: bool, environ: dict[str, str] | None = None,
) -> None:
    import uvicorn

    if config is not None:
        os.environ["INTRANET_CONFIG"] = str(config.resolve())
    os.environ.update(environ or {})
    uvicorn.run(
        "intranet_core.app:app_from_environment",
        factory=True,
        host=host or settings.server.host,
        port=port or settings.server.port,
        workers=None if reload else (workers or settings.server.workers),
        reload=reload,
        proxy_headers=settings.server.proxy_headers,
        server_header=False,
        # Open live-update streams must not hold a restart for minutes.
        timeout_graceful_shutdown=5,
        log_level="debug" if settings.debug else "info",
    )


@cli.command()
@config_option
def plugins(config: Path | None) -> None:
    """List installed plugins: name, version, enabled, hooks implemented."""
    from intranet_core.plugins import build_plugin_manager, plugin_infos

    settings = _settings(config)
    pm = build_plugin_manager(settings)
    rows = [
        (info.name, info.version or ("built-in" if info.builtin else "-"),
         "yes" if info.enabled else "no", ", ".join(info.hooks) or "-")
        for info in plugin_infos(pm)
    ]
    widths = [max(len(r[i]) for r in [("NAME", "VERSION", "ENABLED", "HOOKS"), *rows]) for i in range(3)]
    for row in [("NAME", "VERSION", "ENABLED", "HOOKS"), *rows]:
        click.echo("  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip())


@cli.command()
@config_option
@click.option("--email", prompt=True, help="The person's e-mail address (their sign-in).")
@click.option("--name", prompt=True, help="The person's full name.")
@click.option("--admin", is_flag=True, help="Give the administrator role (every permission, everywhere).")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of asking.")
def createuser(config: Path | None, email: str, name: str, admin: bool, password_stdin: bool) -> None:
    """Create a person who can sign in with a password (the first admin, say)."""
    from intranet_core.auth.passwords import hash_password, password_problem
    from intranet_core.people.service import PersonError, create_person
    from intranet_core.permissions.service import ADMIN_ROLE
    from intranet_core.permissions.tables import Role, RoleAssignment

    settings = _settings(config)
    intranet = load_app(settings)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, settings.auth.min_password_length, email=email, name=name)
    if problem:
        reasons = {
            "too_short": f"at least {settings.auth.min_password_length} characters",
            "too_long": "at most 128 characters",
            "common": "not one of the most common passwords",
            "personal": "not your name or e-mail address",
        }
        fail(f"password: expected {reasons[problem]}")

    async def work(i: Any) -> int:
        pending = await i.db.pending_migrations()
        if pending:
            raise PendingMigrationsError(pending)
        person = await create_person(
            i, actor_id=None, fields={"email": email, "name": name}, password_hash=hash_password(password)
        )
        if admin:
            role = await Role.select(Role.id).where(Role.name == ADMIN_ROLE).first().run()
            assert role is not None  # made by `intranet migrate`
            await RoleAssignment.insert(RoleAssignment(person=person.id, role=role["id"], unit=None)).run()
        return person.id

    try:
        person_id = _run(_with_db(intranet, work))
    except PersonError:
        fail(f"email: {email.strip().lower()} already has an account")
        return
    click.echo(f"Created {email.strip().lower()} (id {person_id}){' as administrator' if admin else ''}.")


DEMO_DIR = Path("intranet-demo")


@cli.command()
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=DEMO_DIR,
              show_default=True, help="Where the demo keeps its database and settings.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--reset", is_flag=True, help="Throw away the demo data and start over.")
@click.option("--no-serve", is_flag=True, help="Prepare the demo database, then exit.")
def demo(directory: Path, host: str, port: int, reset: bool, no_serve: bool) -> None:
    """Try the intranet: a local SQLite database full of demo data, served at once."""
    if reset and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "intranet.toml"
    if not config.exists():
        config.write_text(
            render_toml(
                secret_key=new_secret_key(), database_url=f"sqlite:///{(directory / 'demo.sqlite3').resolve()}"
            ),
            encoding="utf-8",
        )
    settings = load_settings(config, environ={k: v for k, v in os.environ.items() if k != "INTRANET_DATABASE_URL"})
    intranet = load_app(settings)

    async def prepare(i: Any) -> tuple[bool, list[str]]:
        from intranet_core.demo import load_demo, loaded_lines

        await i.migrate()
        lines = await loaded_lines(i)
        if lines is not None:
            return False, lines
        return True, await load_demo(i)

    started = time.perf_counter()
    fresh, lines = _run(_with_db(intranet, prepare))
    if fresh:
        click.echo(f"Loaded the demo data into {directory} in {time.perf_counter() - started:.1f} s.")
    else:
        click.echo(f"Reusing the demo data in {directory} (use --reset to start over).")
    url = f"http://{host}:{port}/"
    click.echo(f"\n  The demo intranet: {url}\n")
    for line in lines:
        click.echo(f"  {line}")
    if lines:
        click.echo("")
    if no_serve:
        return
    _serve(settings, config, host, port, 1, False,
           environ={"INTRANET_DATABASE_URL": settings.database.url})


@cli.command("demo-data")
@config_option
def demo_data(config: Path | None) -> None:
    """Load every enabled plugin's demo data into the configured site (once).

    What `intranet demo` loads, for a site set up by hand or from one of the
    examples: run `intranet migrate` first. A second run changes nothing.
    """
    settings = _settings(config)
    intranet = load_app(settings, check_migrations=True)

    async def work(i: Any) -> tuple[bool, list[str]]:
        from intranet_core.demo import load_demo, loaded_lines

        lines = await loaded_lines(i)
        if lines is not None:
            return False, lines
        return True, await load_demo(i)

    started = time.perf_counter()
    fresh, lines = _run(_with_db(intranet, work))
    if fresh:
        click.echo(f"Loaded the demo data in {time.perf_counter() - started:.1f} s.")
    else:
        click.echo("The demo data is already loaded.")
    for line in lines:
        click.echo(f"  {line}")


def main() -> None:
    cli(prog_name="intranet")


if __name__ == "__main__":  # pragma: no cover
    main()
