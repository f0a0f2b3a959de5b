"""``intranet hello-visits``: a command of the plugin's own."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from intranet_core.cli import config_option, load_app
from intranet_core.errors import PendingMigrationsError
from intranet_core.settings import load_settings
from intranet_hello.tables import HelloVisit

if TYPE_CHECKING:
    from intranet_core.app import Intranet


async def count_visits(intranet: Intranet) -> int:
    db = intranet.db
    await db.connect()
    try:
        pending = [name for name in await db.pending_migrations() if name.startswith("hello:")]
        if pending:
            raise PendingMigrationsError(pending)
        return int(await HelloVisit.count().run())
    finally:
        await db.close()


@click.command("hello-visits")
@config_option
def hello_visits(config: Path | None) -> None:
    """Print how many visitors have said hello."""
    # Errors in the settings and pending migrations are reported by the
    # `intranet` command itself: one line, and a non-zero exit status.
    intranet = load_app(load_settings(config, require_file=config is not None))
    click.echo(asyncio.run(count_visits(intranet)))
