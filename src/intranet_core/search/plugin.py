"""The search feature as a built-in plugin.

One page (``/search``) and ``/api/v1/search``, fed by the providers of the
``register_search_providers`` hook; the core provides ``posts`` and
``people``. People are indexed as they are created, changed and
deactivated; posts by the feed, in the transaction that changes them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import SearchProvider
from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.search.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.search.routes import api_router, search_page

    return [search_page, api_router]


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
def register_search_providers(app: Intranet) -> list[SearchProvider]:
    from intranet_core.search.providers import core_providers

    return core_providers(app)


# People: these events come after the person's change has committed, so the
# index follows a moment later (in the same request), not in the same transaction.


@hookimpl
async def person_created(app: Intranet, person: PersonInfo) -> None:
    from intranet_core.search.providers import index_person

    await index_person(person)


@hookimpl
async def person_updated(app: Intranet, person: PersonInfo, changes: dict[str, Any]) -> None:
    from intranet_core.search.providers import PERSON_FIELDS, index_person

    if PERSON_FIELDS & changes.keys() or "active" in changes or not person.active:
        await index_person(person)


@hookimpl
async def person_deactivated(app: Intranet, person: PersonInfo) -> None:
    from intranet_core.search.providers import index_person

    await index_person(person)  # inactive: taken out
