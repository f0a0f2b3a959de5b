"""``intranet tasks ...``: run the periodic tasks from cron, and see how they went."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from intranet_core.cli import config_option, load_app
from intranet_core.errors import PendingMigrationsError
from intranet_core.settings import load_settings


@click.group("tasks")
def tasks() -> None:
    """Periodic tasks: run those that are due, list them."""


@tasks.command("run-due")
@config_option
def run_due_command(config: Path | None) -> None:
    """Run every periodic task that is due, then exit.

    For sites that run tasks from cron instead of inside the app processes
    (``[tasks] scheduler = false``), every minute on one or more hosts:

    \b
        * * * * *  intranet tasks run-due -c /etc/intranet/intranet.toml

    A task runs at most once per interval however many hosts run this at once.
    """
    from intranet_core.tasks.service import run_due

    intranet = load_app(load_settings(config, require_file=config is not None))

    async def work() -> list[str]:
        await intranet.db.connect()
        try:
            pending = await intranet.db.pending_migrations()
            if pending:
                raise PendingMigrationsError(pending)
            return await run_due(intranet)
        finally:
            await intranet.db.close()

    ran = asyncio.run(work())
    click.echo(f"{len(ran)} task(s) run{': ' + ', '.join(ran) if ran else '.'}")


@tasks.command("list")
@config_option
def list_command(config: Path | None) -> None:
    """List the periodic tasks: interval, next run and how the last one went."""
    from intranet_core.tasks.service import registered_tasks, states

    intranet = load_app(load_settings(config, require_file=config is not None))

    async def work() -> list[dict[str, object]]:
        await intranet.db.connect()
        try:
            return await states()
        finally:
            await intranet.db.close()

    rows = {str(row["name"]): row for row in asyncio.run(work())}
    for task in registered_tasks(intranet):
        row = rows.get(task.name)
        every = int(task.interval.total_seconds())
        if row is None:
            click.echo(f"{task.name}  every {every} s  never run")
            continue
        click.echo(f"{task.name}  every {every} s  next {row['next_run_at']:%Y-%m-%d %H:%M:%S} UTC  "
                   f"last {row['last_status'] or '-'}{' (' + str(row['last_error']) + ')' if row['last_error'] else ''}"
                   f"  runs {row['runs']}")
