"""The notifications feature as a built-in plugin.

Its tables, the pages under ``/notifications``, the bell's count (see
:mod:`intranet_core.notifications.bell`), the kinds the core sends, and the
``intranet notifications send-digests`` command.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
import jinja2
from litestar import Request
from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import NavItem, NotificationKind
from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.notifications.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.notifications import routes

    return [routes.list_page, routes.open_notification, routes.mark_all_read, routes.settings_page,
            routes.settings_submit]


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
def register_notification_kinds(app: Intranet) -> list[NotificationKind]:
    from intranet_core.notifications.service import core_kinds

    return core_kinds()


@hookimpl
def prepare_jinja_environment(app: Intranet, env: jinja2.Environment) -> None:
    """``notifications_unread()``: the bell's count, found before the page renders."""
    from intranet_core.notifications.bell import notifications_unread

    env.globals["notifications_unread"] = notifications_unread


@hookimpl
async def register_nav_items(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None) -> list[NavItem]:
    # No navigation entry (the bell is in the top bar): this is where each full
    # page's unread count is found, see intranet_core.notifications.bell.
    from intranet_core.notifications.bell import remember_unread

    await remember_unread(request, user)
    return []


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.notifications.commands import notifications

    cli.add_command(notifications)
