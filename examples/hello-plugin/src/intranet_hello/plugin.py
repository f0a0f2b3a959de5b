"""The hook implementations: everything the core learns about this plugin.

The ``intranet`` entry point in ``pyproject.toml`` names this module. Each
function below is marked with ``@hookimpl`` and named after a hook in
``intranet_core.hookspecs``; it takes only the arguments it needs. Keep this
module cheap to import: the core imports it at start-up and for every
``intranet`` command, so heavier modules are imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import NavItem, Widget
from intranet_core.i18n import gettext as _
from intranet_hello.settings import HelloSettings

if TYPE_CHECKING:
    import click
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet

HERE = Path(__file__).parent

DEMO_VISITORS = ("Mette Nørgaard", "Søren Østergaard", "Kirsten Bækgaard", "Jens Peter Ålund")


# --- Start-up: called once when the site is built -----------------------------


@hookimpl
def register_settings(app: Intranet) -> type[HelloSettings]:
    return HelloSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_hello.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_hello.routes import hello_page, sign_visitors_book

    return [hello_page, sign_visitors_book]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    # Templates sit in a "hello/" sub-folder so their names never clash with
    # another plugin's.
    return [HERE / "templates"]


@hookimpl
def register_static_dirs(app: Intranet) -> list[Path]:
    # Served under /static/hello/ (the plugin's name).
    return [HERE / "static"]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]


# --- Per request: composing the pages -----------------------------------------


@hookimpl
def register_nav_items(app: Intranet, request: Request[Any, Any, Any]) -> list[NavItem]:
    # Translated here, per request, in the reader's language.
    return [NavItem(label=_("Hello"), href="/hello", order=50)]


@hookimpl
async def register_front_page_widgets(
    app: Intranet, request: Request[Any, Any, Any]
) -> list[Widget]:
    # May be async: the core awaits it.
    from intranet_hello.tables import HelloVisit

    count = await HelloVisit.count().run()
    return [
        Widget(
            title=_("Visitors"), template="hello/widget.html", context={"count": count}, order=50
        )
    ]


# --- Commands and demo data ---------------------------------------------------


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_hello.commands import hello_visits

    cli.add_command(hello_visits)


@hookimpl
async def load_demo_data(app: Intranet) -> None:
    import datetime

    from intranet_hello.tables import HelloVisit

    # Spread over the last day, so the page reads like a real visitors' book.
    now = datetime.datetime.now(datetime.UTC)
    visits = [
        HelloVisit(
            name=name, created_at=now - datetime.timedelta(hours=6 * (len(DEMO_VISITORS) - i))
        )
        for i, name in enumerate(DEMO_VISITORS)
    ]
    async with app.db.transaction(write=True):
        await HelloVisit.insert(*visits).run()
