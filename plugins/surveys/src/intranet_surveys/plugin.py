"""The surveys plugin's hook implementations (the ``surveys`` entry point)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookimpl
from intranet_core.contributions import NavItem, NotificationKind, PeriodicTask, Permission, Widget
from intranet_core.i18n import gettext as _
from intranet_surveys.settings import SurveysSettings

if TYPE_CHECKING:
    import jinja2
    import pluggy
    from litestar import Request
    from litestar.types import ControllerRouterHandler
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo

HERE = Path(__file__).parent


@hookimpl
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    from intranet_surveys import hookspecs

    pm.add_hookspecs(hookspecs)


@hookimpl
def register_settings(app: Intranet) -> type[SurveysSettings]:
    return SurveysSettings


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_surveys.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    from intranet_surveys import answer_pages, manage_pages, result_pages, temperature_pages

    return [
        answer_pages.index, answer_pages.survey_page, answer_pages.answer,
        manage_pages.manage_page, manage_pages.new_page, manage_pages.create, manage_pages.questions_page,
        manage_pages.questions_save, manage_pages.preview_page, manage_pages.preview_step,
        manage_pages.settings_page, manage_pages.settings_save, manage_pages.stop,
        result_pages.results_page, result_pages.results_fragment, result_pages.results_live,
        result_pages.results_csv, temperature_pages.temperature_page,
    ]


@hookimpl
def register_template_dirs(app: Intranet) -> list[Path]:
    return [HERE / "templates"]


@hookimpl
def register_static_dirs(app: Intranet) -> list[Path]:
    return [HERE / "static"]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]


def now_utc() -> Any:
    import datetime

    return datetime.datetime.now(datetime.UTC)


@hookimpl
def prepare_jinja_environment(app: Intranet, env: jinja2.Environment) -> None:
    from intranet_core.markup import render

    def surveys_markdown(text: Any) -> Any:
        return render(str(text or ""))

    env.filters["surveys_markdown"] = surveys_markdown
    env.globals["now_utc"] = now_utc


@hookimpl
def register_permissions(app: Intranet) -> list[Permission]:
    return [
        Permission(name="surveys.create",
                   label=_("Build questionnaires and send surveys (everywhere, or to a unit and the units below it)"),
                   default_roles=("hr", "editor")),
        Permission(name="surveys.results",
                   label=_("See the results of surveys (everywhere, or of surveys to a unit) and the intranet's "
                           "temperature"),
                   default_roles=("hr",)),
    ]


@hookimpl
def register_notification_kinds(app: Intranet) -> list[NotificationKind]:
    return [
        # A new survey is also announced in the feed: by e-mail in the daily digest unless chosen otherwise.
        NotificationKind(name="surveys.opened", label=_("A survey for me opens"), default_delivery="daily",
                         order=60),
        NotificationKind(name="surveys.reminder", label=_("Reminders of surveys I have not answered"),
                         default_delivery="immediately", order=61),
    ]


@hookimpl
def register_nav_items(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None) -> list[NavItem]:
    if user is None:
        return []
    return [NavItem(label=_("Surveys"), href="/surveys", order=60, match="/surveys")]


@hookimpl
async def register_front_page_widgets(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
) -> list[Widget]:
    if user is None or not app.plugin_settings("surveys").on_front_page:
        return []
    from intranet_surveys.surveys import open_for

    rounds = [r for r in await open_for(app, user, limit=5) if not r["answered"]]
    if not rounds:
        return []
    return [Widget(title=_("Open surveys for you"), template="surveys/widget.html", context={"rounds": rounds},
                   order=30)]


@hookimpl
def usage_section(request: Request[Any, Any, Any]) -> str | None:
    path = request.url.path
    return "surveys" if path == "/surveys" or path.startswith("/surveys/") else None


async def run_rounds(app: Intranet) -> None:
    from intranet_surveys.surveys import run_rounds as run

    await run(app)


@hookimpl
def register_periodic_tasks(app: Intranet) -> list[PeriodicTask]:
    """Open, close and remind rounds: once per interval across every process of the site."""
    import datetime

    minutes = app.plugin_settings("surveys").round_check_minutes
    return [PeriodicTask(name="surveys.rounds", interval=datetime.timedelta(minutes=minutes), run=run_rounds)]


@hookimpl
async def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    from intranet_surveys.personal import export

    return await export(app, person)


@hookimpl
async def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    from intranet_surveys.personal import erase

    await erase(app, person, mode)


@hookimpl
async def load_demo_data(app: Intranet) -> list[str]:
    from intranet_surveys.demo import load

    return await load(app)
