"""The usage feature as a built-in plugin: page views counted for the intranet's temperature.

The core's sections are named here (``usage_section``); plugins name
theirs the same way. Plugins read the figures through
:func:`intranet_core.usage.service.usage_figures`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet

# Path prefixes of the core's own pages and the section each belongs to.
CORE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("/posts", "feed"),
    ("/account", "account"),
    ("/admin", "admin"),
    ("/audit", "admin"),
    ("/notifications", "notifications"),
    ("/search", "search"),
)


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.usage.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl(trylast=True)
def usage_section(request: Request[Any, Any, Any]) -> str | None:
    path = request.url.path
    if path == "/":
        return "feed"
    for prefix, section in CORE_SECTIONS:
        if path == prefix or path.startswith(prefix + "/"):
            return section
    return None


@hookimpl
async def startup(app: Intranet) -> None:
    from intranet_core.usage.recorder import STATE_KEY, UsageRecorder, apply_retention

    settings = app.settings.usage
    await apply_retention(settings.retention_days, settings.timezone)
    if settings.enabled and app.litestar is not None:
        recorder = UsageRecorder(app, timezone=settings.timezone)
        await recorder.start()
        app.litestar.state[STATE_KEY] = recorder


@hookimpl
async def shutdown(app: Intranet) -> None:
    from intranet_core.usage.recorder import STATE_KEY, UsageRecorder

    recorder = app.litestar.state.pop(STATE_KEY, None) if app.litestar is not None else None
    if isinstance(recorder, UsageRecorder):
        await recorder.stop()

