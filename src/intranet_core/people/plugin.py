from __future__ import annotations

from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.people.piccolo_app import APP_CONFIG

    return [APP_CONFIG]
