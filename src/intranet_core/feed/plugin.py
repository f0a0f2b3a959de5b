"""The feed as a built-in plugin."""

from __future__ import annotations

from pathlib import Path

from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import Permission
from intranet_core.i18n import gettext as _

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.feed.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.feed import routes

    return [routes.feed_page, routes.post_page, routes.reach_page, routes.acknowledge, routes.compose,
            routes.create]


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
def register_permissions(app: Intranet) -> list[Permission]:
    return [
        Permission(name="feed.publish", label=_("Publish posts (everywhere, or to a unit and the units below it)"),
                   default_roles=("editor",)),
        Permission(name="feed.moderate", label=_("Edit and delete other people's posts and comments"),
                   default_roles=("editor",)),
    ]
