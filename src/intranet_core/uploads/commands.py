"""``intranet uploads purge``: remove files and rows nobody needs, run from cron."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from intranet_core.cli import config_option, load_app
from intranet_core.errors import PendingMigrationsError
from intranet_core.settings import load_settings


@click.group("uploads")
def uploads() -> None:
    """Uploaded files: clean up what nobody needs."""


@uploads.command("purge")
@config_option
def purge(config: Path | None) -> None:
    """Remove uploaded files and upload rows that nothing refers to.

    A file on disk without a row (a form refused halfway, an erased
    person's files) goes once it has been untouched for an hour; an upload
    that no post or plugin refers to goes once it is a day old. Safe to run
    while the site is up, on one host, for example nightly:

    \b
        30 3 * * *  intranet uploads purge -c /etc/intranet/intranet.toml
    """
    from intranet_core.uploads import service

    intranet = load_app(load_settings(config, require_file=config is not None))

    async def work() -> service.PurgeReport:
        await intranet.db.connect()
        try:
            pending = await intranet.db.pending_migrations()
            if pending:
                raise PendingMigrationsError(pending)
            return await service.purge(intranet)
        finally:
            await intranet.db.close()

    report = asyncio.run(work())
    click.echo(f"{report.rows} unused upload(s) and {report.files} file(s) removed.")
