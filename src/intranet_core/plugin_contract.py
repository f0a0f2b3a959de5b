"""The plugin contract as tests: what every plugin promises, checked the same way for each.

A plugin's suite runs the whole contract by subclassing :class:`PluginContract`
once, in any test module::

    from intranet_core.plugin_contract import PluginContract

    class TestContract(PluginContract):
        name = "phonebook"

pytest then checks the plugin named ``name`` in the app its
``intranet_plugins`` fixture builds (on SQLite, or on the PostgreSQL of
``$INTRANET_TEST_DATABASE_URL``): that it is installed under that name and
says which versions of the core it works with; that signed-out visitors are
sent to sign in from every page and get 401 from every API route; that no
page answers an administrator with a server error; that every
unsafe request needs the CSRF token and the API takes no session cookie;
that every hook it declares for other plugins is documented; that its
migrations make exactly the tables its code uses; that it exports and erases
the personal data it holds; that its templates compile; and that every
message has a Danish translation and an English entry.

The routes are found by asking the running app, so a route added tomorrow is
checked tomorrow without anyone adding it to a list.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.metadata
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from intranet_core.testing import client_for, http_client, sign_in

if TYPE_CHECKING:
    import httpx
    from litestar import Litestar

UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
HTML = {"accept": "text/html", "accept-language": "en"}
JSON = {"accept": "application/json"}
# A stand-in for each kind of path parameter; the object need not exist.
_PARAMETER_VALUES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001", "date": "2026-01-01"}


def concrete_path(template: str) -> str:
    """``/groups/{group_id:int}/files/{name:str}`` → ``/groups/1/files/x``."""
    return re.sub(r"\{\w+:(\w+)\}", lambda match: _PARAMETER_VALUES.get(match.group(1), "x"), template)


async def response_status(app: Litestar, client: httpx.AsyncClient, method: str, path: str) -> int:
    """The status ``app`` starts its answer to ``client``'s request with, without waiting for the body.

    (httpx's ASGI transport waits for the whole body, and an event stream
    answers for minutes.) The request carries ``client``'s cookies and asks
    for HTML.
    """
    started: asyncio.Future[int] = asyncio.get_running_loop().create_future()
    cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in client.cookies.jar)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "headers": [(b"host", client.base_url.host.encode()), (b"accept", b"text/html"),
                    (b"accept-language", b"en"), (b"cookie", cookies.encode())],
        "client": ("127.0.0.1", 50000), "server": (client.base_url.host, 80),
    }
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await asyncio.Event().wait()  # the visitor stays until the answer has started
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and not started.done():
            started.set_result(int(message["status"]))

    answering = asyncio.create_task(app(scope, receive, send))  # type: ignore[arg-type]
    try:
        either: set[asyncio.Future[Any]] = {answering, started}
        await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        if started.done():
            return started.result()
        answering.result()  # raises what the app raised
        raise AssertionError(f"{method} {path}: the app ended without answering")
    finally:
        answering.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await answering


def routes_of(app: Litestar, package: str) -> list[tuple[str, str]]:
    """``(method, path)`` of every HTTP route whose handler is defined in ``package``, sorted."""
    from litestar.routes import HTTPRoute

    found: set[tuple[str, str]] = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            module = getattr(handler.fn, "__module__", "") or ""
            if module == package or module.startswith(package + "."):
                found.update((method, route.path) for method in handler.http_methods
                             if method not in ("HEAD", "OPTIONS"))
    return sorted(found, key=lambda pair: (pair[1], pair[0]))


async def schema_drift(intranet: Any, tables: list[Any]) -> list[str]:
    """What differs between ``tables`` as the code defines them and the migrated database; empty when alike.

    Migrations create frozen copies of the tables, so a column added to a
    table class without a migration of its own is missing here (and on every
    site already running), and one a migration dropped is still expected.
    Compared: each table's columns, whether each may be NULL, and the index
    of each column declared with ``index=True``. A column only the database
    has counts when an insert must give it a value.
    """
    problems = []
    for table in tables:
        name = table._meta.tablename
        if intranet.db.is_sqlite:
            rows = await table.raw(f"PRAGMA table_info({name})").run()
            columns = {row["name"]: not row["notnull"] and not row["pk"] for row in rows}
            required = {row["name"] for row in rows if row["notnull"] and row["dflt_value"] is None and not row["pk"]}
            index_rows = await table.raw(f"PRAGMA index_list({name})").run()
            indexes = {row["name"] for row in index_rows}
        else:
            rows = await table.raw(
                "SELECT column_name, is_nullable, column_default FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = {}", name,
            ).run()
            columns = {row["column_name"]: row["is_nullable"] == "YES" for row in rows}
            required = {row["column_name"] for row in rows
                        if row["is_nullable"] == "NO" and row["column_default"] is None}
            index_rows = await table.raw(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = {}", name
            ).run()
            indexes = {row["indexname"] for row in index_rows}
        if not columns:
            problems.append(f"{name}: no such table (no migration creates it)")
            continue
        for column in table._meta.columns:
            column_name = column._meta.db_column_name
            if column_name not in columns:
                problems.append(f"{name}.{column_name}: not in the database (a migration is missing)")
                continue
            nullable = bool(column._meta.null) and not column._meta.primary_key
            if columns[column_name] != nullable:
                problems.append(f"{name}.{column_name}: the code says {'NULL' if nullable else 'NOT NULL'}, "
                                f"the database {'NULL' if columns[column_name] else 'NOT NULL'}")
            if column._meta.index and table._get_index_name([column_name]) not in indexes:
                problems.append(f"{name}.{column_name}: index=True, but the database has no index "
                                f"{table._get_index_name([column_name])}")
        # A column only the database knows is its own business (one a trigger writes, say)
        # unless every insert must give it a value, which the code cannot.
        known = {column._meta.db_column_name for column in table._meta.columns}
        problems += [f"{name}.{extra}: NOT NULL without a default in the database, not in the code"
                     for extra in sorted(required - known)]
    return problems


class PluginContract:
    """Subclass as ``TestContract`` and set :attr:`name`; pytest runs each check as a test.

    The app is the suite's ``intranet_app`` fixture: the core with the
    plugins of its ``intranet_plugins`` fixture, among them the one named
    ``name``.
    """

    #: The plugin's name: its entry point in the ``intranet`` group and its name in ``intranet_plugins``.
    name: ClassVar[str] = ""
    #: ``"GET /path/{id:int}"`` of routes a signed-out visitor may open (a public page, a health check).
    public_routes: ClassVar[frozenset[str]] = frozenset()

    # --- helpers ------------------------------------------------------------------------------

    def _plugin(self, intranet_plugins: list[Any]) -> Any:
        from intranet_core.plugins import _default_name

        assert self.name, "set `name` on the contract's subclass"
        for spec in intranet_plugins:
            name, plugin = spec if isinstance(spec, tuple) else (_default_name(spec), spec)
            if name == self.name:
                return importlib.import_module(plugin) if isinstance(plugin, str) else plugin
        raise AssertionError(f"intranet_plugins has no plugin named {self.name!r}")

    def _package(self, intranet_plugins: list[Any]) -> str:
        plugin = self._plugin(intranet_plugins)
        return str(getattr(plugin, "__name__", None) or type(plugin).__module__).split(".")[0]

    def _package_dir(self, intranet_plugins: list[Any]) -> Path:
        package = importlib.import_module(self._package(intranet_plugins))
        assert package.__file__ is not None
        return Path(package.__file__).parent

    def _routes(self, app: Litestar, intranet_plugins: list[Any], *, api: bool, unsafe: bool) -> Iterator[
            tuple[str, str]]:
        for method, path in routes_of(app, self._package(intranet_plugins)):
            if path.startswith("/api/") == api and (method in UNSAFE) == unsafe:
                yield method, path

    # --- installed and versioned ----------------------------------------------------------------

    def test_it_is_installed_under_its_name(self, intranet_plugins: list[Any]) -> None:
        plugin = self._plugin(intranet_plugins)
        found = [ep for ep in importlib.metadata.entry_points(group="intranet") if ep.name == self.name]
        assert len(found) == 1, f"no entry point {self.name!r} in the 'intranet' group: the site would not find it"
        assert found[0].load() is plugin, f"entry point {self.name!r} loads {found[0].value}, not the plugin tested"

    def test_it_says_which_core_versions_it_works_with(self, intranet_plugins: list[Any]) -> None:
        from packaging.requirements import Requirement
        from packaging.version import Version

        import intranet_core

        (entry_point,) = [ep for ep in importlib.metadata.entry_points(group="intranet") if ep.name == self.name]
        assert entry_point.dist is not None
        requirements = [Requirement(line) for line in entry_point.dist.requires or []]
        core = [r for r in requirements if r.name == "intranet-core" and not r.marker]
        assert core, f"{entry_point.dist.name} does not depend on intranet-core"
        assert any(spec.operator in (">=", "~=", "==") for spec in core[0].specifier), (
            f"{entry_point.dist.name} should name the oldest intranet-core it works with (intranet-core>=X.Y)")
        assert Version(intranet_core.__version__) in core[0].specifier, (
            f"intranet-core {intranet_core.__version__} is outside {core[0].specifier}")

    # --- who may ask --------------------------------------------------------------------------------

    async def test_every_page_sends_a_visitor_to_sign_in(self, intranet_app: Litestar,
                                                         intranet_plugins: list[Any]) -> None:
        pages = list(self._routes(intranet_app, intranet_plugins, api=False, unsafe=False))
        api = list(self._routes(intranet_app, intranet_plugins, api=True, unsafe=False))
        open_to_all = []
        async with client_for(intranet_app) as client:
            for method, template in pages + api:
                if f"{method} {template}" in self.public_routes or template.startswith("/static/"):
                    continue
                is_api = template.startswith("/api/")
                answer = await client.request(method, concrete_path(template), headers=JSON if is_api else HTML)
                location = answer.headers.get("location", "")
                if is_api:
                    ok = answer.status_code == 401
                else:
                    ok = answer.status_code == 404 or (answer.status_code in (302, 303)
                                                       and location.startswith("/signin"))
                if not ok:
                    open_to_all.append(f"{method} {template}: {answer.status_code} {location}")
        assert open_to_all == [], (
            "routes a signed-out visitor gets more than a way to sign in from (add them to public_routes if meant):\n"
            + "\n".join(open_to_all))

    async def test_no_page_fails_for_an_administrator(self, intranet_app: Litestar,
                                                      intranet_plugins: list[Any]) -> None:
        """Every page, asked for by a site administrator with made-up ids, answers without a server error."""
        pages = list(self._routes(intranet_app, intranet_plugins, api=False, unsafe=False))
        failed = []
        async with client_for(intranet_app) as client:
            await sign_in(client, intranet_app, "contract-pages@example.org", roles=[("admin", None)])
            for method, template in pages:
                if template.startswith("/static/"):
                    continue
                status = await response_status(intranet_app, client, method, concrete_path(template))
                if status >= 500:
                    failed.append(f"{method} {template}: {status}")
        assert failed == [], "pages that fail with a server error:\n" + "\n".join(failed)

    async def test_every_unsafe_request_needs_the_csrf_token(self, intranet_app: Litestar,
                                                             intranet_plugins: list[Any]) -> None:
        routes = list(self._routes(intranet_app, intranet_plugins, api=False, unsafe=True))
        accepted = []
        async with client_for(intranet_app) as client:
            await sign_in(client, intranet_app, "contract-admin@example.org", roles=[("admin", None)])
            for method, template in routes:
                path = concrete_path(template)
                missing = await client.request(method, path, headers=HTML, data={"title": "x", "body": "x"})
                wrong = await client.request(method, path, headers={**HTML, "x-csrftoken": "0" * 64},
                                             data={"_csrf_token": "0" * 64, "title": "x", "body": "x"})
                accepted += [f"{method} {template} with {label}: {answer.status_code}"
                             for label, answer in (("no token", missing), ("a wrong token", wrong))
                             if answer.status_code != 403]
        assert accepted == [], "unsafe requests not refused for their CSRF token:\n" + "\n".join(accepted)

    async def test_its_api_takes_no_session_cookie(self, intranet_app: Litestar, intranet_plugins: list[Any]) -> None:
        """The API has no CSRF check because it takes bearer tokens only: a signed-in browser gets 401."""
        routes = list(self._routes(intranet_app, intranet_plugins, api=True, unsafe=False))
        routes += list(self._routes(intranet_app, intranet_plugins, api=True, unsafe=True))
        accepted = []
        async with client_for(intranet_app) as client:
            await sign_in(client, intranet_app, "contract-api@example.org", roles=[("admin", None)])
            for method, template in routes:
                answer = await client.request(method, concrete_path(template), headers=JSON, json={})
                if answer.status_code != 401:
                    accepted.append(f"{method} {template}: {answer.status_code}")
            async with http_client(intranet_app) as visitor:  # and the same without the cookie, for good measure
                for method, template in routes:
                    answer = await visitor.request(method, concrete_path(template), headers=JSON, json={})
                    if answer.status_code != 401:
                        accepted.append(f"{method} {template} signed out: {answer.status_code}")
        assert accepted == [], "API routes that answer a session cookie or no credentials:\n" + "\n".join(accepted)

    def test_every_hook_it_declares_is_documented(self, intranet_app: Litestar,
                                                  intranet_plugins: list[Any]) -> None:
        """A hook for other plugins has a docstring and, in the README, a section ``### name(arguments)``."""
        package = self._package(intranet_plugins)
        readme = self._package_dir(intranet_plugins).parents[1] / "README.md"  # the src layout's project
        headings = set(re.findall(r"^### (\w+\(.*\))\s*$", readme.read_text(), re.M)) if readme.is_file() else None
        undocumented = []
        for name, caller in sorted(vars(intranet_app.state.intranet.hook).items()):
            spec = getattr(caller, "spec", None)
            if spec is None:
                continue
            namespace = spec.namespace
            module = namespace.__name__ if isinstance(namespace, ModuleType) else namespace.__module__
            if module != package and not module.startswith(package + "."):
                continue
            if not (spec.function.__doc__ or "").strip():
                undocumented.append(f"{name}: no docstring")
            heading = f"{name}({', '.join(spec.argnames)})"
            if headings is not None and heading not in headings:
                undocumented.append(f"{name}: no section '### {heading}' in {readme.name}")
        assert undocumented == [], "\n".join(undocumented)

    # --- what it keeps ---------------------------------------------------------------------------------

    async def test_its_migrations_make_the_tables_its_code_uses(self, intranet_app: Litestar) -> None:
        from intranet_core.personal_data.references import tables_by_plugin

        intranet = intranet_app.state.intranet
        tables = [table for table, owner in tables_by_plugin(intranet).items() if owner == self.name]
        async with client_for(intranet_app):
            problems = await schema_drift(intranet, tables)
        assert problems == [], "\n".join(problems)

    def test_it_exports_and_erases_the_personal_data_it_holds(self, intranet_app: Litestar) -> None:
        from intranet_core.personal_data.service import plugins_without_hooks

        missing = plugins_without_hooks(intranet_app.state.intranet).get(self.name, [])
        assert missing == [], (f"{self.name} keeps tables that refer to people ({', '.join(missing)}) "
                               "but implements neither export_personal_data nor erase_personal_data")

    # --- what people read ----------------------------------------------------------------------------

    def test_every_template_compiles(self, intranet_app: Litestar) -> None:
        from intranet_core.plugins import call_per_plugin

        intranet = intranet_app.state.intranet
        env = intranet.jinja
        broken = []
        for name, directories in call_per_plugin(intranet.hook.register_template_dirs, app=intranet):
            if name != self.name:
                continue
            for directory in directories:
                for path in sorted(Path(directory).rglob("*")):
                    if path.suffix not in (".html", ".txt", ".xml", ".svg") or not path.is_file():
                        continue
                    relative = path.relative_to(directory).as_posix()
                    try:
                        env.get_template(f"{self.name}/{relative}")
                    except Exception as exc:
                        broken.append(f"{relative}: {type(exc).__name__}: {exc}")
        assert broken == [], "\n".join(broken)

    def test_every_message_has_a_danish_translation_and_an_english_entry(self, intranet_plugins: list[Any]) -> None:
        from intranet_core.testing import catalog_messages, translatable_messages, untranslated

        package_dir = self._package_dir(intranet_plugins)
        messages = translatable_messages(package_dir)
        assert messages, f"no translatable messages found in {package_dir}: is the text marked with _()?"
        assert untranslated(package_dir, "da") == [], "missing Danish translations"
        # The English catalog lists every message too: translators start from it.
        assert sorted(messages - set(catalog_messages(package_dir, "en"))) == [], "missing from the English catalog"
