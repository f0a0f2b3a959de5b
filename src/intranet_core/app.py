"""``create_app(settings) -> Litestar``: the site, assembled from the plugin hooks."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import msgspec
import pluggy
from litestar import Litestar, Request
from litestar.config.allowed_hosts import AllowedHostsConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import Cookie, State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig
from litestar.types import ASGIApp, ControllerRouterHandler, Receive, Scope, Send

from intranet_core import __version__, i18n
from intranet_core.auth.middleware import AuthenticationMiddleware
from intranet_core.auth.restrict import restrict_paths_middleware
from intranet_core.auth.sessions import SESSION_STORE, HashedKeyStore, session_config
from intranet_core.contributions import NavItem, Permission, by_order
from intranet_core.db import Database
from intranet_core.embeds import with_embeds
from intranet_core.errors import ConfigError, PendingMigrationsError, PluginError
from intranet_core.markup import sanitised
from intranet_core.pages import csrf_field
from intranet_core.plugins import (
    PluginInfo,
    build_plugin_manager,
    call_per_plugin,
    flatten,
    gather,
    plugin_infos,
)
from intranet_core.request_memo import memo_middleware
from intranet_core.security import security_headers
from intranet_core.settings import Settings, load_settings, validate_plugin_settings
from intranet_core.usage.recorder import UsageMiddleware

CORE_TEMPLATES = Path(__file__).parent / "site" / "templates"
ROLE_LABELS = {"admin": "Administrator", "editor": "Editor", "hr": "HR"}
CSRF_COOKIE = "intranet_csrf"


class Intranet:
    """The site as plugins see it: the ``app`` argument of every hook.

    Holds the settings, the plugin manager and the database; ``litestar`` is
    the ASGI application once ``create_app`` has built it.
    """

    def __init__(self, settings: Settings, pm: pluggy.PluginManager) -> None:
        self.settings = settings
        self.pm = pm
        self.hook = pm.hook
        try:
            self.db = Database(settings.database.url, settings.database.pool_size)
        except ConfigError as exc:
            raise ConfigError(f"{settings.source}: {exc}") from None
        self.jinja: jinja2.Environment | None = None
        self.litestar: Litestar | None = None
        self._plugin_settings: dict[str, msgspec.Struct] = {}
        self.check_migrations_on_startup = True

    @property
    def plugins(self) -> list[PluginInfo]:
        return plugin_infos(self.pm)

    def plugin_settings(self, name: str) -> Any:
        """The decoded ``[plugins.<name>]`` section of a plugin."""
        try:
            return self._plugin_settings[name]
        except KeyError:
            raise KeyError(f"plugin {name!r} declared no settings (register_settings)") from None

    def load_plugin_settings(self) -> None:
        known = set()
        for name, struct in call_per_plugin(self.hook.register_settings, app=self):
            if not (isinstance(struct, type) and issubclass(struct, msgspec.Struct)):
                raise PluginError(f"plugin {name!r}: register_settings must return a msgspec.Struct type")
            self._plugin_settings[name] = validate_plugin_settings(self.settings, name, struct)
            known.add(name)
        # A disabled plugin may keep its section for when it is enabled again.
        installed = {info.name for info in self.plugins if info.enabled}
        for section in self.settings.plugin_sections:
            if section in installed and section not in known:
                raise ConfigError(
                    f"{self.settings.source}: plugins.{section}: plugin {section!r} takes no settings"
                )

    async def nav_items(self, request: Request[Any, Any, Any]) -> list[NavItem]:
        user = request.scope.get("user") if request is not None else None
        return by_order(await gather(self.hook.register_nav_items(app=self, request=request, user=user)))

    def permissions(self) -> list[Permission]:
        return flatten(self.hook.register_permissions(app=self))

    async def migrate(self) -> list[str]:
        """Apply pending migrations, then create the built-in roles (idempotent)."""
        from intranet_core.permissions.service import sync_roles

        applied = await self.db.migrate()
        await sync_roles(self.permissions(), labels=ROLE_LABELS)
        return applied

    async def on_startup(self) -> None:
        from intranet_core.auth.throttle import forget_old

        await self.db.connect()
        if self.check_migrations_on_startup:
            pending = await self.db.pending_migrations()
            if pending:
                await self.db.close()
                raise PendingMigrationsError(pending)
            await forget_old(self.settings.auth)
        await gather(self.hook.startup(app=self))

    async def on_shutdown(self) -> None:
        await gather(self.hook.shutdown(app=self))
        await self.db.close()


def _jinja_environment(intranet: Intranet) -> jinja2.Environment:
    """Site overrides, then plugins, then the core; ``core/…`` and ``<plugin>/…`` reach originals."""
    plugin_dirs = call_per_plugin(intranet.hook.register_template_dirs, app=intranet)
    loaders: list[jinja2.BaseLoader] = []
    if intranet.settings.site.templates_dir:
        loaders.append(jinja2.FileSystemLoader(intranet.settings.site.templates_dir))
    prefixes: dict[str, jinja2.BaseLoader] = {}
    for name, dirs in plugin_dirs:
        loader = jinja2.FileSystemLoader([str(d) for d in dirs])
        prefixes[name] = loader
        if name != "core":
            loaders.append(loader)
    core_loader = prefixes.get("core") or jinja2.FileSystemLoader(str(CORE_TEMPLATES))
    loaders.append(core_loader)
    loaders.append(jinja2.PrefixLoader(prefixes))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=intranet.settings.debug,
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        site_name=intranet.settings.site.name,
        current_language=i18n.current_language,
        language_name=i18n.language_name,
        languages=intranet.settings.site.languages,
        version=__version__,
        static=static_url,
        csrf_field=csrf_field,
        format_datetime=i18n.format_datetime,
        format_date=i18n.format_date,
    )
    env.filters["sanitised"] = sanitised
    env.filters["with_embeds"] = with_embeds
    intranet.hook.prepare_jinja_environment(app=intranet, env=env)
    return env


def static_url(plugin: str, path: str) -> str:
    """The URL of a plugin's static file; the version busts caches on upgrade."""
    return f"/static/{plugin}/{path.lstrip('/')}?v={__version__}"


def request_language(scope: Scope, settings: Settings) -> str:
    """The reader's language: their profile's, their choice (cookie), the browser's, the site's."""
    user = scope.get("user")
    if user is not None and getattr(user, "language", None) in settings.site.languages:
        return str(user.language)
    headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
    cookie = None
    for part in headers.get("cookie", "").split(";"):
        key, _sep, value = part.strip().partition("=")
        if key == i18n.LANGUAGE_COOKIE:
            cookie = value
    return i18n.negotiate(
        headers.get("accept-language"), cookie, settings.site.languages, settings.site.default_language
    )


def _language_middleware(settings: Settings) -> Any:
    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] not in ("http", "websocket"):
                await app(scope, receive, send)
                return
            token = i18n.set_language(request_language(scope, settings))
            try:
                await app(scope, receive, send)
            finally:
                i18n.reset_language(token)

        return middleware

    return factory


ANONYMOUS_MAX_BODY = 64 * 1024
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def _anonymous_body_limit(app: ASGIApp) -> ASGIApp:
    """Cap what a signed-out client may send: a sign-in or reset form is small.

    The CSRF middleware parses a form (spooling its files to disk) before
    any guard runs, so without this an anonymous client could make the
    server store a form as large as the biggest upload limit. Runs after
    authentication; a signed-in person's limits are the routes' own.
    """

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") in _SAFE_METHODS or scope.get("user") is not None:
            await app(scope, receive, send)
            return
        length = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > ANONYMOUS_MAX_BODY):
            start: Any = {"type": "http.response.start", "status": 413,
                          "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]}
            body: Any = {"type": "http.response.body", "body": b"Request body too large\n"}
            await send(start)
            await send(body)
            return
        received = 0

        async def limited() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > ANONYMOUS_MAX_BODY:  # a chunked body that said nothing of its size
                    return {"type": "http.disconnect"}
            return message

        await app(scope, limited, send)

    return middleware


def create_app(
    settings: Settings | None = None,
    *,
    plugins: Sequence[Any] | None = None,
    check_migrations: bool = True,
) -> Litestar:
    """Build the site.

    :param settings: defaults to :func:`~intranet_core.settings.load_settings`.
    :param plugins: exactly these plugins instead of the installed ones (tests).
    :param check_migrations: refuse to start while migrations are pending.
    :raises ConfigError: invalid settings or a broken plugin, with one clear line.
    """
    settings = settings or load_settings()
    if not settings.secret_key and not settings.debug:
        raise ConfigError(
            f"{settings.source}: secret_key: expected a long random string (`intranet init` writes one), got nothing"
        )
    pm = build_plugin_manager(settings, plugins)
    intranet = Intranet(settings, pm)
    intranet.check_migrations_on_startup = check_migrations
    intranet.load_plugin_settings()

    # Core apps first: pluggy calls the last registered plugin first.
    intranet.db.bind(flatten(reversed(intranet.hook.register_piccolo_apps(app=intranet))))

    locale_dirs = [i18n.CORE_LOCALE_DIR, *flatten(reversed(intranet.hook.register_translations(app=intranet)))]
    i18n.install(i18n.load_catalogs(locale_dirs, settings.site.languages))

    env = _jinja_environment(intranet)
    intranet.jinja = env

    route_handlers: list[ControllerRouterHandler] = flatten(intranet.hook.register_routes(app=intranet))
    for name, dirs in call_per_plugin(intranet.hook.register_static_dirs, app=intranet):
        route_handlers.append(
            create_static_files_router(
                path=f"/static/{name}",
                directories=[Path(d) for d in dirs],
                name=name,
                include_in_schema=False,
                cache_control=None,
            )
        )

    dependencies: dict[str, Provide] = {}
    for name, provided in call_per_plugin(intranet.hook.register_dependencies, app=intranet):
        clash = dependencies.keys() & provided.keys()
        if clash:
            raise PluginError(f"plugin {name!r} provides dependency {sorted(clash)[0]!r}, already provided")
        dependencies.update(provided)

    exception_handlers: dict[Any, Any] = {}
    for _name, handlers in reversed(call_per_plugin(intranet.hook.register_exception_handlers, app=intranet)):
        exception_handlers.update(handlers)

    app = Litestar(
        route_handlers=route_handlers,
        dependencies=dependencies,
        exception_handlers=exception_handlers,
        on_startup=[intranet.on_startup],
        on_shutdown=[intranet.on_shutdown],
        template_config=TemplateConfig(engine=JinjaTemplateEngine.from_environment(env)),
        csrf_config=CSRFConfig(
            secret=settings.secret_key or "debug-only-secret",
            cookie_name=CSRF_COOKIE,
            cookie_secure=settings.https,
            cookie_httponly=True,
            cookie_samesite="lax",
            header_name="x-csrftoken",
            # /api/ accepts bearer tokens only (no cookies), so no CSRF there.
            exclude=["^/api/"],
        ),
        before_send=[security_headers(hsts=settings.https)],
        stores={SESSION_STORE: HashedKeyStore(SESSION_STORE)},
        middleware=[
            session_config(settings).middleware,
            DefineMiddleware(AuthenticationMiddleware, exclude=["^/static/", "^/healthz$", "^/schema"]),
            _anonymous_body_limit,
            # After authentication: plugins may keep a person to some paths (pre-boarding).
            restrict_paths_middleware,
            _language_middleware(settings),
            memo_middleware,
            # Page views for the usage figures (after authentication: it needs the person).
            UsageMiddleware(),
        ],
        allowed_hosts=_allowed_hosts(settings),
        openapi_config=OpenAPIConfig(
            title=f"{settings.site.name} API",
            version=__version__,
            path="/schema",
            components=Components(
                security_schemes={"BearerToken": SecurityScheme(type="http", scheme="bearer")}
            ),
            render_plugins=[JsonRenderPlugin(path=["/", "/openapi.json"])],
        ),
        state=State({"intranet": intranet}),
        debug=settings.debug,
        # Litestar's default logging starts a queue-listener thread per app;
        # uvicorn and the `intranet` command configure logging instead.
        logging_config=None,
        signature_namespace={"Intranet": Intranet},
    )
    intranet.litestar = app
    return app


def _allowed_hosts(settings: Settings) -> AllowedHostsConfig | None:
    """With ``site.base_url`` set, only its host is served: links built from
    the request (password-reset mails) cannot be pointed at another site by
    a forged Host header.

    The Host header is compared whole, port included: a base URL with a port
    allows that too. ``/healthz`` answers any Host, so that each process can
    be probed at its own address and port (``127.0.0.1:8001``)."""
    if not settings.site.base_url:
        return None
    parts = urlsplit(settings.site.base_url)
    host = parts.hostname
    if not host:
        return None
    hosts = [host, "localhost", "127.0.0.1"]
    if parts.port:
        hosts.append(f"{host}:{parts.port}")
    return AllowedHostsConfig(allowed_hosts=hosts, exclude=["^/healthz$"])


def language_cookie(language: str, settings: Settings) -> Cookie:
    return Cookie(
        key=i18n.LANGUAGE_COOKIE, value=language, max_age=365 * 24 * 3600,
        httponly=True, samesite="lax", secure=settings.https, path="/",
    )


def app_from_environment() -> Litestar:
    """Factory for ``uvicorn --factory`` and worker processes: settings from ``$INTRANET_CONFIG``."""
    return create_app(load_settings(os.environ.get("INTRANET_CONFIG")))
