"""The phonebook's hook implementations: everything the core learns about the plugin.

Kept cheap to import: the core imports it for every ``intranet`` command, so
the modules that do the work are imported inside the hooks.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import NavItem, Permission, ProfileSection, SearchHit, SearchProvider, Widget
from intranet_core.i18n import gettext as _

if TYPE_CHECKING:
    import click
    import msgspec
    import pluggy
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent
NAME = "phonebook"
SEE_RESTRICTED = "phonebook.see_restricted"
EDIT_PROFILES = "phonebook.edit_profiles"
MANAGE_CONTACTS = "phonebook.manage_contacts"
# Fields of the core's person that the phonebook's terms are made of.
INDEXED_FIELDS = frozenset({"name", "title", "email", "phone", "mobile"})

logger = logging.getLogger(__name__)
_fills: weakref.WeakKeyDictionary[Any, asyncio.Task[None]] = weakref.WeakKeyDictionary()


# --- Plugin manager and start-up ---------------------------------------------------------


@hookimpl
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    from intranet_phonebook import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def register_settings(app: Intranet) -> type[msgspec.Struct]:
    from intranet_phonebook.settings import PhonebookSettings

    return PhonebookSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_phonebook.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.uploads.service import with_upload_limit
    from intranet_phonebook.api import api_router
    from intranet_phonebook.routes import HANDLERS, PHOTO_HANDLERS

    return [*HANDLERS, with_upload_limit(app, PHOTO_HANDLERS), api_router()]


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
        Permission(name=SEE_RESTRICTED, label=_("See contact details marked for administrators only"),
                   default_roles=("hr",)),
        Permission(name=EDIT_PROFILES, label=_("Edit other people's phonebook details"), default_roles=("hr",)),
        Permission(name=MANAGE_CONTACTS, label=_("Keep the phonebook's external contacts"),
                   default_roles=("editor",)),
    ]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_phonebook.commands import reindex_command, sync_command

    cli.add_command(reindex_command)
    cli.add_command(sync_command)


@hookimpl
async def startup(app: Intranet) -> None:
    """Index, in the background, the people the phonebook has not seen (a new install, a long pause)."""
    from intranet_phonebook.index import index_missing

    async def fill() -> None:
        try:
            count = await index_missing(app)
            if count:
                logger.info("phonebook: indexed %d people", count)
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("phonebook: indexing the people not yet indexed failed")

    _fills[app] = asyncio.get_running_loop().create_task(fill())


@hookimpl
async def shutdown(app: Intranet) -> None:
    task = _fills.pop(app, None)
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- Per request ------------------------------------------------------------------------------


@hookimpl
def register_nav_items(app: Intranet, user: PersonInfo | None) -> list[NavItem]:
    if user is None:
        return []
    return [NavItem(label=_("Phonebook"), href="/phonebook", order=20, match="/phonebook")]


@hookimpl
def usage_section(request: Request[Any, Any, Any]) -> str | None:
    path = request.url.path
    return NAME if path == "/phonebook" or path.startswith("/phonebook/") else None


@hookimpl
def register_search_providers(app: Intranet) -> list[SearchProvider]:
    """People (replacing the core's, so hidden numbers stay hidden) and external contacts."""
    from intranet_phonebook.contacts import search_contacts
    from intranet_phonebook.index import defaults_of
    from intranet_phonebook.search import search
    from intranet_phonebook.visibility import viewer_for

    async def people(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        page = await search(await viewer_for(user.id), query, defaults_of(app), limit=limit)
        return [
            SearchHit(title=card.name, url=f"/people/{card.id}",
                      snippet=" · ".join(p for p in (card.title, card.unit_name, card.phone or card.mobile) if p))
            for card in page.cards
        ]

    async def contacts(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        found = await search_contacts(query, limit=limit)
        return [
            SearchHit(title=c["name"], url=f"/phonebook/contacts/{c['id']}",
                      snippet=" · ".join(p for p in (c["organisation"], c["title"], c["phone"]) if p))
            for c in found
        ]

    return [
        SearchProvider(name="people", label=_("People"), search=people, order=20),
        SearchProvider(name="contacts", label=_("External contacts"), search=contacts, order=25),
    ]


@hookimpl
async def register_profile_sections(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, person: PersonInfo
) -> list[ProfileSection]:
    from intranet_phonebook.pages import profile_sections

    return await profile_sections(app, user, person)


@hookimpl
async def register_front_page_widgets(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
) -> list[Widget]:
    if user is None:
        return []
    from intranet_phonebook.pages import new_colleagues

    settings = app.plugin_settings(NAME)
    if not settings.new_colleague_days and not settings.upcoming_days:
        return []
    people = await new_colleagues(user.id, settings.new_colleague_days, settings.upcoming_days)
    return [Widget(title=_("New colleagues"), template="phonebook/widget.html", context={"people": people},
                   order=30)]


# --- Events -----------------------------------------------------------------------------------


@hookimpl
async def person_created(app: Intranet, person: PersonInfo) -> None:
    from intranet_phonebook.index import reindex_person

    await reindex_person(app, person.id)


@hookimpl
async def person_updated(app: Intranet, person: PersonInfo, changes: dict[str, Any]) -> None:
    if INDEXED_FIELDS & changes.keys():
        from intranet_phonebook.index import reindex_person

        await reindex_person(app, person.id)


# --- Personal data and demo data -----------------------------------------------------------


@hookimpl
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    from intranet_phonebook.personal_data import export

    return await export(person.id)


@hookimpl
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    from intranet_phonebook.personal_data import erase

    await erase(app, person.id)


@hookimpl
async def load_demo_data(app: Intranet) -> list[str]:
    from intranet_phonebook.demo import load

    return await load(app)
