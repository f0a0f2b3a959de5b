"""``intranet notifications ...``: the daily digest, run from cron."""

from __future__ import annotations

import asyncio
import datetime
from pathlib import Path

import click

from intranet_core.cli import config_option, load_app
from intranet_core.errors import PendingMigrationsError
from intranet_core.settings import load_settings


@click.group("notifications")
def notifications() -> None:
    """Notifications: send the daily e-mail digests."""


@notifications.command("send-digests")
@config_option
def send_digests(config: Path | None) -> None:
    """Send each person who chose "daily" their summary of unread notifications.

    One e-mail per person, in their language, listing what arrived since
    their previous summary and is still unread. Run it once a day from cron
    on one host, for example at 7 in the morning:

    \b
        0 7 * * *  intranet notifications send-digests -c /etc/intranet/intranet.toml

    Running it twice, or on several hosts at once, sends nobody a
    notification twice. A mail that fails is tried again on the next run.
    """
    from intranet_core.notifications.service import send_daily_digests

    intranet = load_app(load_settings(config, require_file=config is not None))

    async def work() -> int:
        await intranet.db.connect()
        try:
            pending = await intranet.db.pending_migrations()
            if pending:
                raise PendingMigrationsError(pending)
            return await send_daily_digests(intranet, datetime.datetime.now(datetime.UTC))
        finally:
            await intranet.db.close()

    sent = asyncio.run(work())
    click.echo(f"{sent} digest(s) sent.")
