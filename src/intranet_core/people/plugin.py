from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Request
from litestar.types import ControllerRouterHandler
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import ProfileSection
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.people.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.people.routes import profile_page

    return [profile_page]


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
async def register_profile_sections(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, person: PersonInfo
) -> list[ProfileSection]:
    """How to reach the person, and where they belong: what every intranet knows of its staff."""
    from intranet_core.people.profile import mailto_uri, managers_of, memberships, tel_uri

    units = await memberships(person.id)
    phones = [
        {"label": label, "number": number, "href": tel_uri(number)}
        for label, number in ((_("Phone"), person.phone), (_("Mobile"), person.mobile))
        if number and tel_uri(number)
    ]
    return [
        ProfileSection(name="contact", title=_("Contact"), template="people/_contact.html",
                       context={"email": person.email, "mailto": mailto_uri(person.email), "phones": phones}, order=10),
        ProfileSection(name="organisation", title=_("Organisation"), template="people/_organisation.html",
                       context={"units": units, "managers": await managers_of(person.id, units)}, order=20),
    ]


@hookimpl
async def load_demo_data(app: Intranet) -> list[str]:
    """The reference organisation: a union's head office and ten districts, about 200 people."""
    from intranet_core.people.demo import load

    return await load(app)
