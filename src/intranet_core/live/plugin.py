"""The live feature as a built-in plugin: new posts appear on open feed pages.

The feed page loads ``static/live.js``, which listens at ``/feed/live`` and
fetches each new post's card from ``/feed/card/<id>``. Events come from the
``post_published`` hook, through Litestar channels: in memory with SQLite
(one process), PostgreSQL LISTEN/NOTIFY with PostgreSQL (any number of
processes).
"""

from __future__ import annotations

from pathlib import Path

from litestar.types import ControllerRouterHandler

from intranet_core import hookimpl
from intranet_core.app import Intranet

HERE = Path(__file__).parent


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.live.routes import live_stream, post_card

    return [live_stream, post_card]


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
async def startup(app: Intranet) -> None:
    from intranet_core.live import service

    await service.start(app)


@hookimpl
async def shutdown(app: Intranet) -> None:
    from intranet_core.live import service

    await service.stop(app)


@hookimpl
async def post_published(app: Intranet, post_id: int, audience: list[str]) -> None:
    from intranet_core.live.service import live_feed

    live = live_feed(app.litestar)
    if live is not None:
        await live.publish(post_id, audience)
