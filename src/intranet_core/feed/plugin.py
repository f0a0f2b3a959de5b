"""The feed as a built-in plugin."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from pathlib import Path

from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import Permission
from intranet_core.i18n import gettext as _

HERE = Path(__file__).parent
PUBLISH_INTERVAL_S = 60.0
"""How often scheduled posts are checked for their publication time."""

log = logging.getLogger("intranet.feed")
_publishers: weakref.WeakKeyDictionary[Intranet, asyncio.Task[None]] = weakref.WeakKeyDictionary()


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.feed.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.feed import files, routes
    from intranet_core.uploads.service import with_upload_limit

    return [routes.feed_page, routes.post_page, routes.reach_page, routes.acknowledge, routes.compose,
            routes.delete, routes.deleted_page, routes.restore,
            routes.comments_page, routes.add_comment, routes.comment_edit_form, routes.comment_edit,
            routes.comment_delete, routes.reactions_page, routes.react, routes.people_autocomplete,
            files.post_file,
            # The post form carries images and files: a larger request body (a
            # path lives in one router only, so the edit form's GET comes along).
            with_upload_limit(app, [routes.create, routes.edit_form, routes.edit])]


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


async def _publish_scheduled(app: Intranet) -> None:
    from intranet_core.feed.service import publish_due

    while True:
        await asyncio.sleep(PUBLISH_INTERVAL_S)
        try:
            await publish_due(app)
        except Exception as exc:  # try again next time
            log.error("scheduled posts could not be published: %s", type(exc).__name__)


@hookimpl
def startup(app: Intranet) -> None:
    """Publish scheduled posts when their time comes (search, notices), in every process."""
    _publishers[app] = asyncio.get_running_loop().create_task(_publish_scheduled(app))


@hookimpl
async def shutdown(app: Intranet) -> None:
    task = _publishers.pop(app, None)
    if task is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


@hookimpl
async def load_demo_data(app: Intranet) -> list[str]:
    """A month of news in the demo organisation (after the people, whose demo comes first)."""
    from intranet_core.feed.demo import load_feed_demo

    return await load_feed_demo(app)
