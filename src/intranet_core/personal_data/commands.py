"""``intranet erase-person``, ``intranet export-person`` and ``intranet purge-audit-log``."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import click
import msgspec

from intranet_core.cli import config_option, fail, load_app
from intranet_core.errors import PendingMigrationsError
from intranet_core.settings import load_settings


async def _with_database(intranet: Any, work: Any) -> Any:
    await intranet.db.connect()
    try:
        pending = await intranet.db.pending_migrations()
        if pending:
            raise PendingMigrationsError(pending)
        return await work()
    finally:
        await intranet.db.close()


async def _person_id(email: str) -> int | None:
    from intranet_core.people.service import person_id_by_email

    return await person_id_by_email(email)


@click.command("erase-person")
@config_option
@click.argument("email")
@click.option("--mode", type=click.Choice(["anonymise", "delete-content"]), default=None,
              help="Keep what they wrote without their name, or delete it too "
                   "(default: [personal_data] erase_mode).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def erase_person_command(config: Path | None, email: str, mode: str | None, yes: bool) -> None:
    """Erase a person who has left: end their sessions, remove or anonymise what they hold.

    Their row stays, anonymised, so that the audit log still adds up.
    """
    from intranet_core.people.service import PersonError
    from intranet_core.personal_data.service import erase_mode, erase_person

    intranet = load_app(load_settings(config, require_file=config is not None))
    chosen = erase_mode(intranet, mode.replace("-", "_") if mode else None)
    if not yes:
        click.confirm(
            f"Erase {email.strip().lower()} ({chosen.replace('_', ' ')})? This cannot be undone", abort=True
        )

    async def work() -> int | None:
        person_id = await _person_id(email)
        if person_id is not None:
            await erase_person(intranet, person_id, actor_id=None, mode=chosen)
        return person_id

    try:
        person_id = asyncio.run(_with_database(intranet, work))
    except PersonError as exc:
        fail(f"could not erase {email}: {exc}", 1)
        return
    if person_id is None:
        fail(f"email: no person has the address {email.strip().lower()}", 1)
    click.echo(f"Erased person {person_id} ({chosen.replace('_', ' ')}).")


@click.command("export-person")
@config_option
@click.argument("email")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def export_person_command(config: Path | None, email: str, output: Path | None) -> None:
    """Write everything the site holds about a person as one JSON document (a subject access request)."""
    from intranet_core.personal_data.service import export_person

    intranet = load_app(load_settings(config, require_file=config is not None))

    async def work() -> dict[str, Any] | None:
        person_id = await _person_id(email)
        if person_id is None:
            return None
        return await export_person(intranet, person_id, actor_id=None)

    document = asyncio.run(_with_database(intranet, work))
    if document is None:
        fail(f"email: no person has the address {email.strip().lower()}", 1)
    data = msgspec.json.format(msgspec.json.encode(document), indent=2)
    if output is None:
        click.echo(data.decode())
    else:
        output.write_bytes(data + b"\n")
        click.echo(f"Wrote {output}.")


@click.command("purge-audit-log")
@config_option
def purge_audit_log_command(config: Path | None) -> None:
    """Delete audit entries older than [personal_data] audit_retention_days (also done at start-up)."""
    from intranet_core.personal_data.service import purge_audit_log

    intranet = load_app(load_settings(config, require_file=config is not None))
    deleted = asyncio.run(_with_database(intranet, lambda: purge_audit_log(intranet)))
    click.echo(f"{deleted} audit entr{'y' if deleted == 1 else 'ies'} deleted.")


COMMANDS = (erase_person_command, export_person_command, purge_audit_log_command)
