from __future__ import annotations

from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.people.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
async def load_demo_data(app: Intranet) -> list[str]:
    """The reference organisation: a union's head office and ten districts, about 200 people."""
    from intranet_core.people.demo import load

    return await load(app)
