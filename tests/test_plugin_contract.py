"""The plugin contract's checks catch what they are there for: each runs against a plugin that breaks it.

(Every first-party plugin and the example run the contract itself in their own
suites, as ``TestContract``.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get, post
from litestar.response import ServerSentEvent
from piccolo.columns import Integer, Varchar
from piccolo.table import Table

from intranet_core import hookimpl, hookspec
from intranet_core.auth.guards import requires_login
from intranet_core.plugin_contract import PluginContract, concrete_path, routes_of, schema_drift
from intranet_core.site import plugin as intranet_core_site_plugin
from intranet_core.testing import build_app, client_for


@get("/broken/open", sync_to_thread=False)
def open_page() -> str:
    return "for anyone"


@get("/broken/members", guards=[requires_login], sync_to_thread=False)
def members_page() -> str:
    return "for members"


@post("/broken/no-token", guards=[requires_login], opt={"exclude_from_csrf": True}, sync_to_thread=False)
def no_token() -> str:
    return "written"


@post("/broken/with-token", guards=[requires_login], sync_to_thread=False)
def with_token() -> str:
    return "written"


@get("/broken/crash", guards=[requires_login], sync_to_thread=False)
def crash() -> str:
    raise RuntimeError("a bug")


@get("/broken/stream", guards=[requires_login])
async def endless_stream() -> ServerSentEvent:
    async def events() -> AsyncIterator[str]:
        while True:
            yield "tick"
            await asyncio.sleep(60)

    return ServerSentEvent(events())


class BrokenSpecs:
    """A hook for other plugins, declared without a word about it."""

    @hookspec
    def broken_happened(self, app: Any) -> None:
        pass


class Broken:
    """A plugin that breaks the contract on purpose, once per check."""

    def __init__(self, templates: Path) -> None:
        self.templates = templates

    @hookimpl
    def register_hookspecs(self, pm: Any) -> None:
        pm.add_hookspecs(BrokenSpecs)

    @hookimpl
    def register_routes(self, app: Any) -> list[Any]:
        return [open_page, members_page, no_token, with_token, crash, endless_stream]

    @hookimpl
    def register_template_dirs(self, app: Any) -> list[Path]:
        return [self.templates]


class BrokenContract(PluginContract):  # not collected: its checks are called one by one below
    name = "broken"


@pytest.fixture
def broken(tmp_path: Path) -> list[Any]:
    templates = tmp_path / "templates" / "broken"
    templates.mkdir(parents=True)
    (templates / "fine.html").write_text("{{ _('Hello') }}")
    (templates / "unclosed.html").write_text("{% if x %}never closed")
    return [("broken", Broken(tmp_path / "templates"))]


@pytest.fixture
async def broken_app(intranet_settings: Any, broken: list[Any]) -> Litestar:
    return await build_app(intranet_settings, broken)


def test_the_routes_of_a_plugin_are_those_its_code_defines(broken_app: Litestar) -> None:
    assert routes_of(broken_app, __name__) == [
        ("GET", "/broken/crash"), ("GET", "/broken/members"), ("POST", "/broken/no-token"), ("GET", "/broken/open"),
        ("GET", "/broken/stream"), ("POST", "/broken/with-token"),
    ]
    assert concrete_path("/g/{group_id:int}/f/{name:str}/{key:uuid}") == (
        "/g/1/f/x/00000000-0000-0000-0000-000000000001")


async def test_a_page_open_to_visitors_is_caught_unless_declared_public(broken_app: Litestar,
                                                                        broken: list[Any]) -> None:
    with pytest.raises(AssertionError) as caught:
        await BrokenContract().test_every_page_sends_a_visitor_to_sign_in(broken_app, broken)
    assert "GET /broken/open: 200" in str(caught.value) and "/broken/members" not in str(caught.value)

    class Declared(BrokenContract):
        public_routes = frozenset({"GET /broken/open"})

    await Declared().test_every_page_sends_a_visitor_to_sign_in(broken_app, broken)


async def test_a_page_that_fails_is_caught_and_an_endless_stream_is_not_waited_for(broken_app: Litestar,
                                                                                  broken: list[Any]) -> None:
    with pytest.raises(AssertionError) as caught:
        await asyncio.wait_for(BrokenContract().test_no_page_fails_for_an_administrator(broken_app, broken), 60)
    message = str(caught.value)
    assert "GET /broken/crash: 500" in message and "/broken/stream" not in message and "/broken/open" not in message


async def test_an_unsafe_route_without_the_csrf_check_is_caught(broken_app: Litestar, broken: list[Any]) -> None:
    with pytest.raises(AssertionError) as caught:
        await BrokenContract().test_every_unsafe_request_needs_the_csrf_token(broken_app, broken)
    message = str(caught.value)
    assert "POST /broken/no-token with no token: 201" in message
    assert "POST /broken/no-token with a wrong token: 201" in message
    assert "/broken/with-token" not in message


def test_a_template_that_does_not_compile_is_caught(broken_app: Litestar) -> None:
    with pytest.raises(AssertionError) as caught:
        BrokenContract().test_every_template_compiles(broken_app)
    assert "unclosed.html: TemplateSyntaxError" in str(caught.value) and "fine.html" not in str(caught.value)


def test_a_hook_declared_without_documentation_is_caught(broken_app: Litestar, broken: list[Any]) -> None:
    with pytest.raises(AssertionError, match="broken_happened: no docstring"):
        BrokenContract().test_every_hook_it_declares_is_documented(broken_app, broken)


def test_a_plugin_that_is_not_installed_is_caught(broken: list[Any]) -> None:
    with pytest.raises(AssertionError, match="no entry point 'broken'"):
        BrokenContract().test_it_is_installed_under_its_name(broken)


class Gadget(Table, tablename="contract_gadget"):
    """As the code defines it."""

    name = Varchar(length=50)
    size = Integer(index=True)
    weight = Integer()
    note = Varchar(length=50, null=True)


# As an older migration made it: ``size`` without its index, no ``weight``, ``note`` NOT NULL,
# and a column since dropped from the code that every insert must fill.
OLD_GADGET = (
    "CREATE TABLE contract_gadget (id {primary_key}, name VARCHAR(50) NOT NULL, size INTEGER NOT NULL, "
    "note VARCHAR(50) NOT NULL, colour VARCHAR(20) NOT NULL, shade VARCHAR(20) NOT NULL DEFAULT 'grey')"
)


async def test_schema_drift_names_every_difference(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app):
        assert await schema_drift(intranet, [Gadget]) == ["contract_gadget: no such table (no migration creates it)"]
        await Gadget.create_table().run()
        try:
            assert await schema_drift(intranet, [Gadget]) == []
        finally:
            await Gadget.alter().drop_table().run()
        primary_key = "INTEGER PRIMARY KEY" if intranet.db.is_sqlite else "SERIAL PRIMARY KEY"
        await Gadget.raw(OLD_GADGET.format(primary_key=primary_key)).run()
        try:
            assert await schema_drift(intranet, [Gadget]) == [
                "contract_gadget.size: index=True, but the database has no index contract_gadget_size",
                "contract_gadget.weight: not in the database (a migration is missing)",
                "contract_gadget.note: the code says NULL, the database NOT NULL",
                "contract_gadget.colour: NOT NULL without a default in the database, not in the code",
            ]  # and not "shade": a column with a default is the database's own business
        finally:
            await Gadget.alter().drop_table().run()


async def test_the_core_s_own_tables_match_their_migrations(intranet_app: Litestar) -> None:
    from intranet_core.personal_data.references import tables_by_plugin

    intranet = intranet_app.state.intranet
    tables = list(tables_by_plugin(intranet))
    assert len(tables) > 20
    async with client_for(intranet_app):
        assert await schema_drift(intranet, tables) == []


class CoreContract(PluginContract):  # the checks on routes, applied to the core's own
    name = "core"
    public_routes = frozenset({"GET /healthz", "GET /signin", "GET /password-reset",
                               "GET /password-reset/{token:str}"})


async def test_the_core_s_own_pages_pass_the_route_checks(intranet_app: Litestar) -> None:
    core = [("core", intranet_core_site_plugin)]
    await CoreContract().test_every_page_sends_a_visitor_to_sign_in(intranet_app, core)
    await CoreContract().test_no_page_fails_for_an_administrator(intranet_app, core)
