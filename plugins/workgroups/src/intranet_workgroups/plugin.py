"""The hook implementations of the workgroups plugin (the ``workgroups`` entry point).

Kept cheap to import: everything heavier is imported inside the hooks.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import (
    AudienceChoice,
    NavItem,
    NotificationKind,
    Permission,
    SearchProvider,
    Widget,
)
from intranet_core.i18n import gettext as _

if TYPE_CHECKING:
    import pluggy
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo
    from intranet_workgroups.settings import WorkgroupsSettings

HERE = Path(__file__).parent


# --- plugin manager and start-up ------------------------------------------------------


@hookimpl
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    from intranet_workgroups import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def register_settings(app: Intranet) -> type[WorkgroupsSettings]:
    from intranet_workgroups.settings import WorkgroupsSettings

    return WorkgroupsSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_workgroups.files.piccolo_app import APP_CONFIG as FILES
    from intranet_workgroups.groups.piccolo_app import APP_CONFIG as GROUPS
    from intranet_workgroups.pages.piccolo_app import APP_CONFIG as PAGES

    return [GROUPS, PAGES, FILES]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.uploads.service import with_upload_limit
    from intranet_workgroups.files.routes import ROUTES as FILE_ROUTES
    from intranet_workgroups.files.routes import UPLOAD_ROUTES
    from intranet_workgroups.groups.routes import ROUTES as GROUP_ROUTES
    from intranet_workgroups.pages.routes import ROUTES as PAGE_ROUTES

    return [*GROUP_ROUTES, *PAGE_ROUTES, *FILE_ROUTES, with_upload_limit(app, UPLOAD_ROUTES)]


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
        Permission(name="workgroups.create", label=_("Create topic groups (when not everyone may)"),
                   default_roles=("editor",)),
        Permission(name="workgroups.create_local",
                   label=_("Create local groups for a unit and the units below it"), default_roles=("editor",)),
        Permission(name="workgroups.manage",
                   label=_("Administer every group, secret ones included, and make groups mandatory for units")),
    ]


@hookimpl
def register_notification_kinds(app: Intranet) -> list[NotificationKind]:
    from intranet_workgroups.notices import kinds

    return kinds()


@hookimpl
def register_search_providers(app: Intranet) -> list[SearchProvider]:
    from intranet_workgroups.search import providers

    return providers(app)


# --- per request -----------------------------------------------------------------------------


@hookimpl
def register_nav_items(app: Intranet, user: PersonInfo | None) -> list[NavItem]:
    if user is None:
        return []
    return [NavItem(label=_("My groups"), href="/groups", order=30, match="/groups")]


@hookimpl
async def register_front_page_widgets(app: Intranet, user: PersonInfo | None) -> list[Widget]:
    if user is None or not app.plugin_settings("workgroups").front_page_widget:
        return []
    from intranet_workgroups.groups import service

    viewer = await service.viewer_for(user)
    groups = await service.my_groups(viewer, limit=8)
    waiting = await service.pending_request_count(viewer)
    return [Widget(title=_("My groups"), template="workgroups/widget.html",
                   context={"groups": groups, "waiting": waiting}, order=30)]


@hookimpl
async def user_audience_keys(app: Intranet, user: PersonInfo) -> list[str]:
    from intranet_workgroups import feed

    return await feed.user_audience_keys(user)


@hookimpl
async def muted_audience_keys(app: Intranet, user: PersonInfo) -> list[str]:
    from intranet_workgroups import feed

    return await feed.muted_audience_keys(user)


@hookimpl
async def publishable_audiences(app: Intranet, user: PersonInfo) -> list[AudienceChoice]:
    from intranet_workgroups import feed

    return await feed.publishable_audiences(user)


@hookimpl
async def audience_members(app: Intranet, keys: list[str]) -> list[int]:
    from intranet_workgroups import feed

    return await feed.audience_members(keys)


@hookimpl
def usage_section(request: Request[Any, Any, Any]) -> str | None:
    return "workgroups" if request.url.path.startswith("/groups") else None


# --- events ---------------------------------------------------------------------------------------


@hookimpl
async def post_published(app: Intranet, post_id: int, audience: list[str]) -> None:
    from intranet_workgroups import feed

    await feed.post_published(app, post_id, audience)


# --- personal data and demo ------------------------------------------------------------------------------


@hookimpl
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    from intranet_workgroups.personal_data import export

    return await export(app, person)


@hookimpl
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    from intranet_workgroups.personal_data import erase

    await erase(app, person, mode)


@hookimpl
async def load_demo_data(app: Intranet) -> list[str] | None:
    from intranet_workgroups.demo import load

    return await load(app)
