"""``intranet phonebook-reindex`` and ``intranet phonebook-sync``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from intranet_core.cli import config_option, connected, load_app
from intranet_core.settings import load_settings

T = TypeVar("T")


async def _with_site(intranet: Any, work: Callable[[Any], Awaitable[T]]) -> T:
    async with connected(intranet):
        return await work(intranet)


@click.command("phonebook-reindex")
@config_option
def reindex_command(config: Path | None) -> None:
    """Rewrite the phonebook's search index of every person (after an upgrade or a bulk change)."""
    from intranet_phonebook.index import index_missing, reindex_all

    intranet = load_app(load_settings(config, require_file=config is not None), check_migrations=True)

    async def work(site: Any) -> tuple[int, int]:
        made = await index_missing(site)
        return made, await reindex_all(site)

    made, done = asyncio.run(_with_site(intranet, work))
    click.echo(f"phonebook: {done} people indexed ({made} new profiles)")


@click.command("phonebook-sync")
@config_option
@click.option("--source", "source_name", default=None, help="Only this directory source (default: every one).")
def sync_command(config: Path | None, source_name: str | None) -> None:
    """Read people from the directory sources (SCIM, LDAP, ...) that plugins offer, and apply them."""
    from intranet_phonebook.directory import sources, sync_source

    intranet = load_app(load_settings(config, require_file=config is not None), check_migrations=True)

    async def work(site: Any) -> list[str]:
        found = await sources(site)
        chosen = [s for s in found if source_name in (None, s.name)]
        if source_name is not None and not chosen:
            raise click.ClickException(
                f"no directory source {source_name!r} (known: {', '.join(s.name for s in found) or 'none'})"
            )
        return [f"{s.name}: {(await sync_source(site, s)).line()}" for s in chosen]

    lines = asyncio.run(_with_site(intranet, work))
    for line in lines or ["phonebook: no directory source is installed"]:
        click.echo(line)
