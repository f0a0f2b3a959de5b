"""The personal_data feature as a built-in plugin.

Answers the personal-data hooks for the core's own tables, serves
``/account/data`` (a person's own export), adds ``intranet erase-person``,
``intranet export-person`` and ``intranet purge-audit-log``, and keeps the
audit log to ``[personal_data] audit_retention_days``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.personal_data.routes import download_my_data

    return [download_my_data]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.personal_data.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)


@hookimpl
async def startup(app: Intranet) -> None:
    from intranet_core.personal_data.service import purge_audit_log

    if app.check_migrations_on_startup:
        await purge_audit_log(app)


@hookimpl(trylast=True)
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any]:
    """The core's own tables (see :mod:`intranet_core.personal_data.core`)."""
    from intranet_core.personal_data.core import export_core

    return await export_core(app, person)


@hookimpl(trylast=True)
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    """The core's own tables, after every other plugin's (see :mod:`intranet_core.personal_data.core`)."""
    from intranet_core.personal_data.core import erase_core

    await erase_core(app, person, mode)
