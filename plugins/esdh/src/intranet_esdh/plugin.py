"""The hook implementations of the ESDH plugin: shortcuts, document sources and live embeds.

Kept cheap to import: routes, tables and connectors are imported inside the
hooks that need them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import NavItem, Permission, SearchProvider, Widget
from intranet_core.i18n import gettext as _

if TYPE_CHECKING:
    import pluggy
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from markupsafe import Markup
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo
    from intranet_esdh.connectors import ConnectorType
    from intranet_esdh.settings import EsdhSettings

HERE = Path(__file__).parent
MANAGE = "esdh.manage"
EMBED = "esdh.embed"


@hookimpl
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    from intranet_esdh import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def register_esdh_connectors(app: Intranet) -> list[ConnectorType]:
    from intranet_esdh.connectors import ConnectorType
    from intranet_esdh.connectors.fileshare import FileShare, FileShareSettings
    from intranet_esdh.connectors.webdav import WebDAV, WebDAVSettings
    from intranet_esdh.connectors.workzone import WorkZone, WorkZoneSettings

    return [
        ConnectorType(name="webdav", settings=WebDAVSettings, create=WebDAV),
        ConnectorType(name="fileshare", settings=FileShareSettings, create=FileShare),
        ConnectorType(name="workzone", settings=WorkZoneSettings, create=WorkZone),
    ]


# --- start-up --------------------------------------------------------------------------------


@hookimpl
def register_settings(app: Intranet) -> type[EsdhSettings]:
    from intranet_esdh.settings import EsdhSettings

    return EsdhSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_esdh.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_esdh import routes
    from intranet_esdh.sources import sources_of

    # Build the sources now, while the site is built: a mistake in a source's
    # settings stops start-up (and `intranet check`) with one line.
    sources_of(app)
    return list(routes.ROUTES)


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
        Permission(name=MANAGE, label=_("Manage shortcuts and document boxes")),
        Permission(name=EMBED, label=_("Embed documents from the document systems"), default_roles=("editor",)),
    ]


@hookimpl
async def shutdown(app: Intranet) -> None:
    from intranet_esdh.sources import sources_of

    await sources_of(app).close()


# --- per request -----------------------------------------------------------------------------


@hookimpl
async def register_nav_items(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
                             ) -> list[NavItem]:
    if user is None:
        return []
    from intranet_esdh import shortcuts

    items = [NavItem(label=_("Shortcuts"), href="/shortcuts", order=40, match="/shortcuts")]
    count = app.plugin_settings("esdh").nav_favourites
    if count:
        for index, shortcut in enumerate((await shortcuts.favourites(app, user))[:count]):
            items.append(NavItem(label=shortcut["name"], href=shortcut["url"], order=41 + index))
    return items


@hookimpl
async def register_front_page_widgets(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
                                      ) -> list[Widget]:
    if user is None:
        return []
    from intranet_esdh import embeds, shortcuts

    widgets = []
    tiles = await shortcuts.front_page(app, user)
    if tiles["shortcuts"]:
        widgets.append(Widget(title=_("Shortcuts"), template="esdh/widget_shortcuts.html", context=tiles, order=20))
    for box in await embeds.front_page_boxes(app, request, user):
        widgets.append(Widget(title=box["title"], template="esdh/widget_embed.html", context=box, order=30))
    return widgets


@hookimpl
def register_search_providers(app: Intranet) -> list[SearchProvider]:
    from intranet_esdh.search import provider

    found = provider(app)
    return [found] if found is not None else []


@hookimpl
async def render_embeds(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, references: list[str]
                        ) -> dict[str, Markup]:
    from intranet_esdh import embeds

    return await embeds.render(app, user, references)


@hookimpl(optionalhook=True)
async def group_document_sources(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, group: Any
                                 ) -> list[Any]:
    """Embeds attached to a workgroup's page (the workgroups plugin's hook; unused without that plugin)."""
    from intranet_workgroups.contributions import GroupDocumentSection

    from intranet_esdh import embeds

    return [
        GroupDocumentSection(title=section["title"], template="esdh/group_section.html",
                             context={"html": section["html"]}, order=50 + index)
        for index, section in enumerate(await embeds.group_sections(app, user, int(group.id)))
    ]


# --- personal data and demo ------------------------------------------------------------------


@hookimpl
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    from intranet_esdh import shortcuts

    favourites = await shortcuts.export_favourites(person.id)
    return {"favourite_shortcuts": favourites} if favourites else None


@hookimpl
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    from intranet_esdh.tables import Favourite

    await Favourite.delete().where(Favourite.person == person.id).run()


@hookimpl
async def load_demo_data(app: Intranet) -> list[str] | None:
    from intranet_esdh.demo import load

    return await load(app)
