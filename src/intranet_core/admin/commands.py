"""``intranet import``: units and people from CSV files, as the administration page imports them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from intranet_core.cli import config_option, connected, fail, load_app
from intranet_core.settings import load_settings


@click.command("import")
@config_option
@click.option("--units", "units_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of units: key, name, kind, parent_key.")
@click.option("--people", "people_file", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV of people: email, name, title, phone, mobile, language, start_date, leaving_date, unit_key, "
                   "unit_title, manager.")
def import_command(config: Path | None, units_file: Path | None, people_file: Path | None) -> None:
    """Import units and people from CSV files: everything is checked first, then all or nothing is written.

    The files are those of Administration > Import (see docs/cli.md). Every
    problem is printed, one per line, and nothing is written (exit status 1).
    """
    import asyncio

    from intranet_core.admin.csv_import import ImportConflict, plan_import, write_import

    if units_file is None and people_file is None:
        fail("import: give --units, --people or both")
        return
    settings = load_settings(config, require_file=config is not None)
    intranet = load_app(settings, check_migrations=True)

    units_csv = units_file.read_bytes() if units_file else None
    people_csv = people_file.read_bytes() if people_file else None

    async def work() -> tuple[list[str], tuple[int, int]]:
        async with connected(intranet):
            plan = await plan_import(units_csv, people_csv, list(settings.site.languages))
            if not plan.ok:
                return [f"{p.file}: line {p.line}: {p.message}" for p in plan.problems], (0, 0)
            try:
                return [], await write_import(intranet, plan, actor_id=None, ip="")
            except ImportConflict as conflict:
                return [f"{p.file}: line {p.line}: {p.message}" for p in conflict.problems], (0, 0)

    problems, (units, people) = asyncio.run(work())
    if problems:
        for line in problems:
            click.echo(line, err=True)
        raise SystemExit(1)
    click.echo(f"Imported {units} units and {people} people.")


COMMANDS: list[Any] = [import_command]
