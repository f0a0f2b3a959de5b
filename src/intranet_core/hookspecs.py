"""The plugin contract: every hook a plugin may implement.

Hooks are grouped by when they are called. Each takes ``app`` (the
:class:`intranet_core.app.Intranet` being assembled or serving) and, per
request, ``request``. A plugin implements only the arguments it needs:
pluggy passes arguments by name. Hooks marked *may be async* may return a
coroutine; the core awaits it (:func:`intranet_core.plugins.gather`).

``docs/hook_reference.md`` has a section per hook; a test fails when one is
missing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from intranet_core import hookspec

# mypy: disable-error-code="empty-body"

if TYPE_CHECKING:
    import click
    import jinja2
    import msgspec
    import pluggy
    from litestar import Request
    from litestar.di import Provide
    from litestar.types import ControllerRouterHandler, ExceptionHandler
    from markupsafe import Markup
    from piccolo.conf.apps import AppConfig

    from intranet_core.app import Intranet
    from intranet_core.contributions import (
        AudienceChoice,
        NavItem,
        NotificationKind,
        PeriodicTask,
        Permission,
        ProfileSection,
        SearchProvider,
        SignInMethod,
        Widget,
    )
    from intranet_core.notifications.models import NotificationInfo
    from intranet_core.people.models import PersonInfo


# --- Plugin manager set-up -------------------------------------------------


@hookspec
def register_hookspecs(pm: pluggy.PluginManager) -> None:
    """Add hook specifications of a plugin's own, for other plugins.

    :param pm: the plugin manager; call ``pm.add_hookspecs(module)``.
    :returns: nothing.
    Sync only. Called once, after every plugin is registered and before
    hook names are checked, so implementations of the new hooks are accepted.
    It takes ``pm`` rather than ``app`` because it runs before the app exists.
    """


# --- Start-up: registration, called once by create_app ----------------------


@hookspec
def register_settings(app: Intranet) -> type[msgspec.Struct] | None:
    """Declare the settings of this plugin.

    :returns: a ``msgspec.Struct`` type for the ``[plugins.<name>]`` section of
        ``intranet.toml``, where ``<name>`` is the plugin's entry-point name.
        Give every field a default so an absent section is valid. Use
        ``forbid_unknown_fields=True`` so a typo is reported. The decoded
        value is available as ``app.plugin_settings("<name>")``.
    Sync only. Called first at start-up; invalid settings stop start-up with
    one line naming the file, the key and the expected type.
    """


@hookspec
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    """Declare the Piccolo apps (tables and migrations) of this plugin.

    :returns: a list of ``piccolo.conf.apps.AppConfig``. Each app's
        ``migration_dependencies`` name the apps it needs first; migration
        file names must be unique across all apps (prefix them with the app
        name). Migrations must use only operations SQLite can run.
    Sync only. Called once at start-up and by ``intranet migrate``.
    """


@hookspec
def register_routes(app: Intranet) -> list[ControllerRouterHandler]:
    """Add route handlers, controllers or routers to the site.

    :returns: a list of anything ``Litestar(route_handlers=...)`` accepts.
        Unsafe methods are CSRF-protected automatically.
    Sync only. Called once at start-up.
    """


@hookspec
def register_template_dirs(app: Intranet) -> list[Path]:
    """Add directories of Jinja templates.

    :returns: a list of directories. Templates are looked up in the site's
        own directory (``site.templates_dir``), then the plugins', then the
        core's. ``core/<name>`` always finds the core's original, and
        ``<plugin>/<name>`` a plugin's, so an override can extend it.
    Sync only. Called once at start-up.
    """


@hookspec
def register_static_dirs(app: Intranet) -> list[Path]:
    """Add directories of static files.

    :returns: a list of directories, served under ``/static/<plugin name>/``
        (the first match wins). Templates link to them with
        ``{{ static("<plugin name>", "file.css") }}``.
    Sync only. Called once at start-up.
    """


@hookspec
def register_dependencies(app: Intranet) -> dict[str, Provide]:
    """Add dependencies that any route handler can ask for by name.

    :returns: a mapping of name to ``litestar.di.Provide``.
    Sync only. Called once at start-up. Names must not clash.
    """


@hookspec
def register_exception_handlers(app: Intranet) -> dict[int | type[Exception], ExceptionHandler]:
    """Add exception handlers (error pages).

    :returns: a mapping of status code or exception type to a handler
        ``(request, exc) -> Response``. A plugin's handler replaces the core's
        for the same key.
    Sync only. Called once at start-up.
    """


@hookspec
def register_translations(app: Intranet) -> list[Path]:
    """Add message catalogs.

    :returns: a list of ``locale`` directories laid out as
        ``<locale>/<language>/LC_MESSAGES/messages.po``. They are merged with
        the core's; a plugin's translation of a message replaces the core's.
    Sync only. Called once at start-up.
    """


@hookspec
def register_permissions(app: Intranet) -> list[Permission]:
    """Declare the permissions this plugin checks.

    :returns: a list of :class:`intranet_core.contributions.Permission`, named
        ``<plugin>.<verb>`` (``workgroups.create``). ``default_roles`` name the
        built-in roles that hold the permission from the start; they are
        created by ``intranet migrate`` if missing. The ``admin`` role holds
        every permission.
    Sync only. Called at start-up and by ``intranet migrate``.
    """


@hookspec
def register_sign_in_methods(app: Intranet) -> list[SignInMethod]:
    """Offer other ways to sign in (OpenID Connect, SAML) on the sign-in page.

    :returns: a list of :class:`intranet_core.contributions.SignInMethod`
        whose ``href`` starts the plugin's own flow. When that flow has found
        the person, it calls ``intranet_core.auth.sessions.sign_in(request,
        person_id, method=...)``, which starts a session exactly as a password
        does.
    Sync only. Called when the sign-in page is rendered.
    """


@hookspec
def register_notification_kinds(app: Intranet) -> list[NotificationKind]:
    """Declare what this plugin notifies people of, and how they are e-mailed by default.

    :returns: a list of :class:`intranet_core.contributions.NotificationKind`,
        one per ``kind`` the plugin passes to
        :func:`intranet_core.notifications.service.notify` (``workgroups.join_request``).
        Each person sees them on ``/notifications/settings`` and chooses
        "immediately", "daily" (one digest a day) or "never" for each. A kind
        nobody declared is delivered daily and cannot be changed: declare it.
        Translate ``label`` in the hook.
    Sync only. Called whenever the kinds are needed: when the settings page
    is rendered, when a notice is sent and when the digests are sent.
    """


@hookspec
def register_periodic_tasks(app: Intranet) -> list[PeriodicTask]:
    """Declare work to be done every so often (send reminders, open rounds, tidy up).

    :returns: a list of :class:`intranet_core.contributions.PeriodicTask`
        (``name`` such as ``surveys.reminders``, ``interval``, ``async
        run(app)``, ``timeout``). Across all processes of the site each task
        runs once per interval: a process claims it in a write transaction
        on the task's row in ``core_task`` before running it. Runs happen in
        each app process's scheduler (``[tasks] scheduler``) or from cron
        with ``intranet tasks run-due``. A run that raises is logged (the
        error's type) and tried again at the next interval.
    Sync only. Called when the scheduler starts and whenever due tasks are
    looked for: return the same tasks each time, cheaply.
    """


@hookspec
def prepare_jinja_environment(app: Intranet, env: jinja2.Environment) -> None:
    """Adjust the Jinja environment: add filters, globals or tests.

    :param env: the environment every page is rendered with.
    :returns: nothing.
    Sync only. Called once at start-up, after templates are registered.
    """


# --- Lifecycle events -------------------------------------------------------


@hookspec
def startup(app: Intranet) -> None:
    """The site is starting: open connections, start background tasks.

    :returns: nothing. May be async.
    Called once per process after the database is connected and before the
    first request.
    """


@hookspec
def shutdown(app: Intranet) -> None:
    """The site is stopping: close what ``startup`` opened.

    :returns: nothing. May be async.
    Called once per process, before the database is disconnected.
    """


# --- Per request: composing the user interface ------------------------------


@hookspec
def register_nav_items(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
) -> list[NavItem]:
    """Add entries to the site navigation.

    :param request: the request being served.
    :param user: the signed-in person, or ``None``; show an item only to
        those it concerns (``await intranet_core.permissions.service.may(user.id, ...)``).
    :returns: a list of :class:`intranet_core.contributions.NavItem`, shown
        sorted by ``order``. May be async.
    Called on every page render.
    """


@hookspec
def register_front_page_widgets(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo | None
) -> list[Widget]:
    """Add boxes to the front page.

    :param request: the request being served.
    :param user: the signed-in person, or ``None``.
    :returns: a list of :class:`intranet_core.contributions.Widget`, shown
        sorted by ``order``. May be async.
    Called when the front page is rendered.
    """


@hookspec
def register_profile_sections(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, person: PersonInfo
) -> list[ProfileSection]:
    """Add sections to a person's profile page (``/people/<id>``).

    :param request: the request being served.
    :param user: the signed-in person looking at the page.
    :param person: the person the page is about (active, and one ``user``
        may look up).
    :returns: a list of :class:`intranet_core.contributions.ProfileSection`,
        shown sorted by ``order``. A section with the same ``name`` as one
        registered before it replaces it: the core's ``contact`` (order 10)
        and ``organisation`` (order 20) can be taken over by a plugin that
        knows more (a phonebook with per-field visibility). Show only what
        ``user`` may see of ``person``, decided in the plugin's own query.
        May be async.
    Called each time a profile page is rendered, in the reader's language
    (translate ``title`` here).
    """


@hookspec
def user_audience_keys(app: Intranet, user: PersonInfo) -> list[str]:
    """The feed audiences a person belongs to, besides ``all`` and their units.

    :param user: the person reading.
    :returns: audience keys such as ``group:12``; posts to any of them are
        visible to this person. Keep the list short (it is one index range
        each). May be async.
    Called once per feed page, permalink and search.
    """


@hookspec
def muted_audience_keys(app: Intranet, user: PersonInfo) -> list[str]:
    """Audience keys whose posts a person has chosen not to see in their main feed.

    :param user: the person reading.
    :returns: keys of this plugin (``group:12``) that ``user`` muted. They
        are left out of the main feed (``/``, ``/api/v1/feed`` and its live
        updates) only: permalinks, search and the plugin's own pages still
        show those posts, and a post also addressed to another of the
        person's keys still reaches them through it. ``all`` and ``unit:``
        keys are never left out. May be async.
    Called with ``user_audience_keys``, once per main feed page and stream.
    """


@hookspec
def publishable_audiences(app: Intranet, user: PersonInfo) -> list[AudienceChoice]:
    """Audiences of this plugin the person may publish to.

    :param user: the person writing.
    :returns: a list of :class:`intranet_core.contributions.AudienceChoice`
        offered in the post composer; a post to any other key is refused.
        May be async.
    Called when the composer is shown and when a post is submitted.
    """


@hookspec
def audience_members(app: Intranet, keys: list[str]) -> list[int]:
    """The people in this plugin's audience keys, for reach figures and notices.

    :param keys: the post's audience keys; answer for the ones this plugin owns.
    :returns: person ids (duplicates are fine). May be async.
    Called when an author looks at the reach of a post, and when an important
    post is announced.
    """


@hookspec
def register_search_providers(app: Intranet) -> list[SearchProvider]:
    """Add a kind of result to the search page (``/search``) and ``/api/v1/search``.

    :returns: a list of :class:`intranet_core.contributions.SearchProvider`,
        shown as groups sorted by ``order``. Each provider's
        ``search(query, user, limit)`` is awaited with what was typed, the
        signed-in person and the most hits wanted, and returns
        :class:`intranet_core.contributions.SearchHit` best first, **only
        those ``user`` may see**. A provider with the same ``name`` as one
        registered before it (the core's ``posts`` and ``people``) replaces
        it. May be async.
    Called on every search, in the searcher's language (translate ``label``
    here). Content kept in the core's index is searched with
    ``intranet_core.search.service.search_documents``.
    """


@hookspec
def render_embeds(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, references: list[str]
) -> dict[str, Markup]:
    """Fill in the embeds of a page: live content that is never stored with the text.

    A writer embeds something by a paragraph holding only ``[[<owner>:<key>]]``
    (``[[esdh:k3x9p2qa]]``); :func:`intranet_core.markup.render` stores it as
    an empty placeholder, and the page that shows the text asks this hook,
    per reader, what to show in its place.

    :param request: the request being served.
    :param user: the signed-in person reading the page.
    :param references: every reference on the page (``esdh:k3x9p2qa``), each
        once: answer for those whose ``<owner>`` is yours, leave out the rest.
    :returns: a mapping of reference to the HTML to show: a ``markupsafe.Markup``
        from an autoescaped template (anything else is escaped as text). Show
        only what ``user`` may see; a reference left out (unknown, or nothing
        the reader may see) shows nothing, not even a hint of what it holds.
        May be async.
    Called at most once per page with all of its references (the feed page,
    a post's permalink, the card the live feed adds), so a plugin answers a
    whole page with one look-up, never one per reference. Keep it within a
    second or so: a slow source should show what it last knew. An exception
    is logged (its type only) and leaves that plugin's embeds empty. See
    :mod:`intranet_core.embeds`.
    """


# --- Per request: access --------------------------------------------------


@hookspec
def restrict_paths(app: Intranet, request: Request[Any, Any, Any], user: PersonInfo) -> list[str] | None:
    """Keep a signed-in person to some paths (a new hire before their first day: only their checklist).

    :param request: the request being served (pages and ``/api/``).
    :param user: the signed-in person.
    :returns: path prefixes the person may open (``["/onboarding"]``), or
        ``None`` when this plugin does not limit them. When any plugin
        answers with a list, the person may open only paths under one of
        the prefixes of all answers, plus signing in and out, ``/account``
        and static files; anything else answers 404, and ``/`` sends them to
        the first prefix. May be async.
    Called for every request by a signed-in person, before the route's
    handler: answer ``None`` at once for people it does not concern (a look
    at ``user``, no query), and query only for the few it may.
    """


# --- Per request: recording use ---------------------------------------------


@hookspec(firstresult=True)
def usage_section(app: Intranet, request: Request[Any, Any, Any]) -> str | None:
    """Name the section of the site a page belongs to, for the usage figures.

    :param request: a page view by a signed-in person that is being recorded
        (a ``GET`` answered ``200`` with HTML; never static files, ``/api/``
        or fragments fetched by scripts).
    :returns: the section's name for pages of this plugin (``"phonebook"``,
        lower-case letters, digits, ``.``, ``_`` or ``-``; at most 40
        characters), or ``None`` for pages that are not this plugin's. The
        first answer wins; the core answers last (``"feed"``, ``"account"``,
        ``"admin"``), and a page nobody claims counts as ``"other"``. A name
        that is not of that form counts as ``"other"`` too: no path, query or
        content is ever stored.
    Sync only. Called after each recorded page view has been answered: keep it
    to a look at ``request.url.path`` or ``request.scope["route_handler"]``.
    """


# --- Events: after the fact -------------------------------------------------


@hookspec
def person_created(app: Intranet, person: PersonInfo) -> None:
    """A person was created (by an admin, an import or a directory sync).

    :param person: the new person, as stored.
    :returns: nothing. May be async.
    Called after the transaction that created the person has committed.
    """


@hookspec
def person_updated(app: Intranet, person: PersonInfo, changes: dict[str, Any]) -> None:
    """A person's record changed.

    :param person: the person as stored now.
    :param changes: the changed fields, each mapped to its old value;
        a reactivated person comes with ``{"active": False}``.
    :returns: nothing. May be async.
    Called after the change has committed; not called for deactivation
    (see ``person_deactivated``).
    """


@hookspec
def person_deactivated(app: Intranet, person: PersonInfo) -> None:
    """A person was deactivated: their sessions and tokens have ended.

    :param person: the person as stored now (``active`` is false).
    :returns: nothing. May be async.
    Called after the change has committed.
    """


@hookspec
def memberships_changed(app: Intranet, person: PersonInfo, unit_ids: list[int]) -> None:
    """A person's unit memberships changed: added, removed, made primary, or made (or unmade) manager.

    :param person: the person whose memberships changed, as stored now.
    :param unit_ids: the units whose membership of this person changed; making
        a unit primary also lists the unit that was primary before.
    :returns: nothing. May be async.
    Called after the change has committed. Not called for a new person's
    first membership (see ``person_created``).
    """


@hookspec
def post_published(app: Intranet, post_id: int, audience: list[str]) -> None:
    """A post was published to the feed.

    :param post_id: the new post's id; read it through
        ``intranet_core.feed.service`` (``visible_post`` checks that a reader
        may see it).
    :param audience: the post's audience keys (``all``, ``unit:7``,
        ``group:3``): who may see it. Never send a post's content to anyone
        on this basis alone; check visibility per reader.
    :returns: nothing. May be async.
    Called once per post when it goes live: after the transaction that
    created it has committed, or, for a post scheduled for later, when its
    publication time has come. Not called for posts stored without being
    announced (imports, demo data). The live feed uses it to show the post on
    open feed pages; keep an implementation quick and catch what may fail.
    """


@hookspec
def deliver_notification(app: Intranet, person_ids: list[int], notification: NotificationInfo) -> None:
    """A notice was stored for these people: deliver it through another channel (chat, SMS, push).

    :param person_ids: the recipients it was stored for: active people, never
        the actor. Each chose per kind how they want to be e-mailed;
        ``await intranet_core.notifications.service.deliveries(app, kind,
        person_ids)`` tells a channel that follows the same choices.
    :param notification: the :class:`intranet_core.notifications.models.NotificationInfo`
        (kind, plain-text title and text, a local ``url``, actor, time).
    :returns: nothing. May be async.
    Called by ``notify()`` after the rows are stored and the immediate
    e-mails sent, in the request that announced the change; once for each
    language the notice was written in, with its readers. Each plugin is
    called on its own: an exception is logged (its type, never its message)
    and does not keep the notice from other channels or reach the caller.
    """


# --- Personal data ----------------------------------------------------------


@hookspec
def export_personal_data(app: Intranet, person: PersonInfo) -> dict[str, Any] | None:
    """Everything this plugin holds about a person, for their "download my data".

    :param person: the person whose data is exported.
    :returns: a JSON-serialisable mapping (string keys; strings, numbers,
        booleans, ``None``, lists, mappings, ``datetime`` and ``date``), or
        ``None`` when the plugin holds nothing about them. Leave out secrets
        (hashes, tokens) and other people's personal data. The document
        holds it under ``plugins.<plugin name>``. May be async.
    Called when a person downloads their data (``/account/data``) and by
    ``intranet export-person``. Read only: change nothing.
    """


@hookspec
def erase_personal_data(app: Intranet, person: PersonInfo, mode: str) -> None:
    """Erase or anonymise what this plugin holds about a person who has left.

    :param person: the person as stored before the erasure; already
        deactivated (their sessions and tokens have ended).
    :param mode: ``"anonymise"``: keep content others rely on (posts,
        pages, comments) but no longer tied to the person (set its author
        column to NULL), and delete what is only about them (memberships,
        preferences, read marks, reactions). ``"delete_content"``: delete
        their content as well.
    :returns: nothing. May be async.
    Called by ``intranet_core.personal_data.service.erase_person`` inside its
    write transaction, before the person's own row is anonymised. Use the
    ORM (queries join the transaction); an exception undoes the whole
    erasure. Afterwards no row of the plugin's tables may refer to the
    person: ``intranet_core.personal_data.service.leftover_references``
    lists any that do, and the core's tests fail on them.
    """


# --- Commands ---------------------------------------------------------------


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``intranet`` command.

    :param cli: the ``click.Group``; call ``cli.add_command(...)``.
    :returns: nothing.
    Sync only. Called when the ``intranet`` command starts, for installed and
    enabled plugins. Takes ``cli`` rather than ``app``: no site is built yet.
    A command that needs the site builds it with ``intranet_core.cli.load_app``.
    """


@hookspec
def load_demo_data(app: Intranet) -> list[str] | None:
    """Fill a fresh database with this plugin's demo data.

    :returns: lines for ``intranet demo`` to print every time it starts (the
        demo sign-ins, say), or ``None``. May be async.
    Called by ``intranet demo`` on an empty, migrated database, once per
    plugin, core plugins first. Make the data realistic: it is what a
    newcomer's first impression of the site is made of.
    """


# --- Backups ----------------------------------------------------------------


@hookspec
def register_file_directories(app: Intranet) -> dict[str, Path]:
    """Name the directories where this plugin keeps files of its own, for backups.

    :returns: a mapping of a short name (lower-case letters, digits, ``_``
        and ``-``) to a directory, e.g. ``{"scans": Path(settings.scan_dir)}``.
        ``intranet backup`` copies each into the archive under
        ``files/<plugin>/<name>/``; ``intranet restore`` puts it back in the
        directory the restoring site names for the same plugin and name.
        Files uploaded through :mod:`intranet_core.uploads` are in the core's
        ``[uploads] directory`` already: do not name it again.
    Sync only. Called by ``intranet backup`` and ``intranet restore``. The
    files are copied before and after the database snapshot, so that a file
    written before its row commits is in the archive with it: write each
    file under a new name (and rename it into place) rather than changing
    one in place.
    """
