"""The hook implementations: what the core learns about the onboarding plugin."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import NavItem, NotificationKind, PeriodicTask, Permission, Widget
from intranet_core.i18n import gettext as _
from intranet_onboarding.settings import OnboardingSettings

if TYPE_CHECKING:
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_settings(app: Intranet) -> type[OnboardingSettings]:
    return OnboardingSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_onboarding.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_core.uploads.service import with_upload_limit
    from intranet_onboarding import routes, template_pages

    return [routes.index, routes.flow_page, routes.answer_page, routes.answer_submit, routes.buddy,
            routes.step_file, routes.remove_file, routes.meeting_calendar, routes.cancel, routes.hr_page, routes.hr_csv,
            routes.start_page, routes.start_submit, template_pages.templates_page, template_pages.new_page,
            template_pages.edit_page, template_pages.create, template_pages.save,
            with_upload_limit(app, [routes.tick])]


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
        Permission(name="onboarding.admin", label=_("Follow and run onboarding and offboarding flows (HR)"),
                   default_roles=("hr",)),
        Permission(name="onboarding.it", label=_("Do the IT steps of onboarding flows"), default_roles=()),
    ]


@hookimpl
def register_notification_kinds(app: Intranet) -> list[NotificationKind]:
    return [
        NotificationKind(name="onboarding.due", label=_("An onboarding step of yours is due soon"),
                         default_delivery="immediately", order=60),
        NotificationKind(name="onboarding.overdue", label=_("An onboarding step of yours is overdue"),
                         default_delivery="immediately", order=61),
    ]


async def _remind(app: Any) -> None:
    from intranet_onboarding import service

    await service.send_reminders(app, service.local_today(app))


@hookimpl
def register_periodic_tasks(app: Intranet) -> list[PeriodicTask]:
    minutes = app.plugin_settings("onboarding").reminder_check_minutes
    return [PeriodicTask(name="onboarding.reminders", interval=datetime.timedelta(minutes=minutes), run=_remind)]


@hookimpl
async def register_nav_items(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None) -> list[NavItem]:
    if user is None:
        return []
    from intranet_onboarding import service
    from intranet_onboarding.tables import Flow

    if await service.hr_scope(user.id) is not None:
        return [NavItem(label=_("Onboarding"), href="/onboarding/hr", match="/onboarding", order=70)]
    if await Flow.exists().where(await service.visible(user.id) & (Flow.status == "running")).run():
        return [NavItem(label=_("Onboarding"), href="/onboarding", match="/onboarding", order=70)]
    return []


@hookimpl
async def register_front_page_widgets(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
) -> list[Widget]:
    if user is None:
        return []
    from intranet_onboarding import service

    steps = await service.my_open_steps(user.id, limit=6)
    if not steps:
        return []
    today = service.local_today(app)
    for step in steps:
        step["overdue"] = step["due_date"] < today
    return [Widget(title=_("My onboarding tasks"), template="onboarding/widget.html",
                   context={"steps": steps[:5], "more": len(steps) > 5, "me": user.id}, order=15)]


@hookimpl
async def person_created(app: Intranet, person: PersonInfo) -> None:
    from intranet_onboarding import service

    await service.start_from_person_event(app, person, None)


@hookimpl
async def person_updated(app: Intranet, person: PersonInfo, changes: dict[str, Any]) -> None:
    from intranet_onboarding import service

    await service.start_from_person_event(app, person, list(changes))


@hookimpl
async def person_deactivated(app: Intranet, person: PersonInfo) -> None:
    from intranet_onboarding import service

    await service.cancel_onboarding_of(app, person.id)


@hookimpl
async def memberships_changed(app: Intranet, person: PersonInfo, unit_ids: list[int]) -> None:
    from intranet_onboarding import service

    await service.follow_memberships(app, person.id, unit_ids)


@hookimpl
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    from intranet_onboarding import service

    return await service.export_person(person.id)


@hookimpl
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    from intranet_onboarding import service

    await service.erase_person(person.id)


@hookimpl
async def load_demo_data(app: Intranet) -> list[str] | None:
    from intranet_onboarding.demo import load

    return await load(app)


@hookimpl
async def restrict_paths(app: Intranet, user: PersonInfo) -> list[str] | None:
    """Before their start date a new hire with a running flow sees only it (or, without pre-boarding, nothing)."""
    if user.start_date is None:
        return None
    from intranet_onboarding import service

    if user.start_date <= service.local_today(app):
        return None
    return await service.preboarding_paths(app, user.id)
