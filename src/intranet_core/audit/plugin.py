"""The audit log as a built-in plugin: its table, and the page at ``/audit``."""

from __future__ import annotations

from pathlib import Path

from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.audit.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.audit.routes import audit_page

    return [audit_page]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]
