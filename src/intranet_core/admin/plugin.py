"""The administration pages as a built-in plugin: people, units, roles and CSV import.

Open to whoever holds ``site.admin`` or ``people.manage`` somewhere; each page
then checks what the person may do there (a unit's manager manages that
unit's branch only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from litestar import Request, Router
from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import NavItem
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.admin import import_pages, people_pages, unit_pages
    from intranet_core.admin.common import admin_guard
    from intranet_core.admin.overview import overview
    from intranet_core.admin.roles import roles_page

    handlers: list[ControllerRouterHandler] = [
        overview,
        people_pages.people_list, people_pages.person_new, people_pages.person_create,
        people_pages.person_detail, people_pages.person_update, people_pages.person_active, people_pages.person_erase,
        people_pages.membership_add, people_pages.membership_change,
        people_pages.role_grant, people_pages.role_revoke,
        unit_pages.units_page, unit_pages.unit_new, unit_pages.unit_create,
        unit_pages.unit_detail, unit_pages.unit_update,
        roles_page,
        import_pages.import_page, import_pages.import_run,
    ]
    return [Router(path="/admin", route_handlers=handlers, guards=[admin_guard], include_in_schema=False)]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def register_static_dirs(app: Intranet) -> list[Path]:
    return [HERE / "static"]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]


@hookimpl
async def register_nav_items(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None) -> list[NavItem]:
    from intranet_core.admin.common import may_enter

    if user is None or not await may_enter(user.id):
        return []
    return [NavItem(label=_("Administration"), href="/admin", order=90, match="/admin")]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.admin.commands import COMMANDS

    for command in COMMANDS:
        cli.add_command(command)
