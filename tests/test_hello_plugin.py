"""The example plugin (examples/hello-plugin) against the real site: every hook it implements.

Runs on SQLite by default and on PostgreSQL when ``$INTRANET_TEST_DATABASE_URL``
is set (see ``intranet_core.testing``). The plugin must be installed
(``pip install -e examples/hello-plugin``): the ``intranet`` command finds it
through its entry point, like any installed plugin.
"""

from __future__ import annotations

import datetime
import html
import importlib.metadata
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import intranet_hello
import intranet_hello.plugin
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from intranet_hello.migrations import hello_2026_11_27t06_00_00_000000 as first_migration
from intranet_hello.settings import HelloSettings
from intranet_hello.tables import HelloVisit
from litestar import Litestar

from intranet_core.app import create_app
from intranet_core.demo import load_demo
from intranet_core.errors import ConfigError
from intranet_core.plugin_contract import PluginContract
from intranet_core.settings import Settings
from intranet_core.testing import (
    TEST_SECRET_KEY,
    client_for,
    database_url_for_tests,
    make_settings,
    reset_database,
    sign_in,
)

PACKAGE_DIR = Path(intranet_hello.__file__).parent
INTRANET = Path(sys.executable).parent / "intranet"
EN = {"Accept-Language": "en"}
DA = {"Accept-Language": "da"}
HOOKS = {
    "load_demo_data",
    "register_commands",
    "register_front_page_widgets",
    "register_nav_items",
    "register_piccolo_apps",
    "register_routes",
    "register_settings",
    "register_static_dirs",
    "register_template_dirs",
    "register_translations",
}

Client = httpx.AsyncClient


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [intranet_hello.plugin]


@pytest.fixture
async def intranet_client(intranet_app: Litestar) -> AsyncIterator[Client]:
    """Signed in: the plugin's pages, like every intranet page, are for staff."""
    async with client_for(intranet_app) as client:
        await sign_in(client, intranet_app)
        yield client


@pytest.fixture
def intranet_settings(tmp_path: Path) -> Settings:
    return make_settings(database_url_for_tests(tmp_path), plugins={"hello": {"greeting": "Hej"}})


# --- helpers --------------------------------------------------------------------------


def run_intranet(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed ``intranet`` command, as an administrator would run it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INTRANET_", "PICCOLO_"))}
    return subprocess.run(
        [str(INTRANET), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def plugin_row(output: str, name: str) -> tuple[str, str, set[str]]:
    """(version, enabled, hooks) of one plugin in the output of ``intranet plugins``."""
    for line in output.splitlines():
        cells = line.split(None, 3)
        if cells and cells[0] == name:
            hooks = set() if cells[3] == "-" else set(cells[3].split(", "))
            return cells[1], cells[2], hooks
    raise AssertionError(f"{name!r} not listed by `intranet plugins`:\n{output}")


def csrf_token_in(page: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page)
    assert match, "the page has no CSRF field"
    return match.group(1)


async def get_token(client: Client) -> str:
    response = await client.get("/hello", headers=EN)
    assert response.status_code == 200
    return csrf_token_in(response.text)


def nav_links(page: str) -> list[tuple[str, str]]:
    """(href, label) of each link in the site navigation, in page order."""
    nav = re.search(r'<nav class="site-nav".*?</nav>', page, re.S)
    assert nav, "the page has no site navigation"
    return [
        (href, html.unescape(label))
        for href, label in re.findall(r'<a href="([^"]+)"[^>]*>([^<]*)</a>', nav.group(0))
    ]


async def db(query: Any) -> Any:
    """Run a Piccolo query from the test itself, beside ``intranet_client``.

    The client serves the app on the test's own event loop, so the query
    shares the site's connection pool.
    """
    return await query.run()


async def visit_names() -> list[str]:
    rows = await db(HelloVisit.select(HelloVisit.name).order_by(HelloVisit._meta.primary_key))
    return [row["name"] for row in rows]


# --- the plugin as installed ----------------------------------------------------------


def test_plugins_command_lists_hello_with_version_and_hooks(tmp_path: Path) -> None:
    result = run_intranet("plugins", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    version, enabled, hooks = plugin_row(result.stdout, "hello")
    assert version == importlib.metadata.version("intranet-hello") == intranet_hello.__version__
    assert enabled == "yes"
    assert hooks == HOOKS


def test_plugins_command_shows_hello_disabled(tmp_path: Path) -> None:
    (tmp_path / "intranet.toml").write_text('[plugins]\ndisabled = ["hello"]\n', encoding="utf-8")
    result = run_intranet("plugins", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    version, enabled, hooks = plugin_row(result.stdout, "hello")
    assert version == intranet_hello.__version__
    assert enabled == "no"
    assert hooks == set()


def test_hello_visits_command(tmp_path: Path) -> None:
    assert "hello-visits" in run_intranet("--help", cwd=tmp_path).stdout

    # Before `intranet migrate`: one clear line, exit status 1.
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    (tmp_path / "intranet.toml").write_text(
        f'secret_key = "{TEST_SECRET_KEY}"\n[database]\nurl = "{database}"\n', encoding="utf-8"
    )
    result = run_intranet("hello-visits", cwd=tmp_path)
    assert result.returncode == 1
    assert f"hello:{first_migration.ID}" in result.stderr
    assert "intranet migrate" in result.stderr

    assert run_intranet("migrate", cwd=tmp_path).returncode == 0
    result = run_intranet("hello-visits", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "0\n"), result.stderr

    # The demo loads the plugin's demo data; the command counts it.
    result = run_intranet("demo", "--no-serve", "--dir", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    result = run_intranet("hello-visits", "--config", "demo/intranet.toml", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (
        0,
        f"{len(intranet_hello.plugin.DEMO_VISITORS)}\n",
    ), result.stderr


def test_disabled_plugin_adds_no_command(tmp_path: Path) -> None:
    (tmp_path / "intranet.toml").write_text('[plugins]\ndisabled = ["hello"]\n', encoding="utf-8")
    result = run_intranet("--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "hello-visits" not in result.stdout
    assert run_intranet("hello-visits", cwd=tmp_path).returncode != 0

    # With --config, the command list follows that file.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "off.toml").write_text(
        f'secret_key = "{TEST_SECRET_KEY}"\n[plugins]\ndisabled = ["hello"]\n', encoding="utf-8"
    )
    result = run_intranet("hello-visits", "--config", "off.toml", cwd=elsewhere)
    assert result.returncode == 2
    assert "No such command 'hello-visits'" in result.stderr


# --- settings -------------------------------------------------------------------------


def test_settings_default_when_section_absent(tmp_path: Path) -> None:
    app = create_app(
        make_settings(database_url_for_tests(tmp_path)), plugins=[intranet_hello.plugin]
    )
    assert app.state.intranet.plugin_settings("hello") == HelloSettings(greeting="Hello")


def test_settings_from_section(intranet_settings: Settings, intranet_plugins: list[Any]) -> None:
    app = create_app(intranet_settings, plugins=intranet_plugins)
    assert app.state.intranet.plugin_settings("hello").greeting == "Hej"


def test_wrong_type_in_settings_names_the_key(tmp_path: Path) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), plugins={"hello": {"greeting": 5}})
    with pytest.raises(ConfigError) as error:
        create_app(settings, plugins=[intranet_hello.plugin])
    assert str(error.value) == "test settings: plugins.hello.greeting: expected string, got int"


def test_unknown_key_in_settings_is_reported(tmp_path: Path) -> None:
    settings = make_settings(
        database_url_for_tests(tmp_path), plugins={"hello": {"greting": "Hej"}}
    )
    with pytest.raises(ConfigError) as error:
        create_app(settings, plugins=[intranet_hello.plugin])
    assert (
        str(error.value)
        == "test settings: plugins.hello.greting: unknown key (expected one of: greeting)"
    )


def test_disabled_plugin_may_keep_its_settings_section(tmp_path: Path) -> None:
    # An administrator switches the plugin off for a while, keeping its settings for later.
    settings = make_settings(
        database_url_for_tests(tmp_path),
        plugins={"disabled": ["hello"], "hello": {"greeting": "Hej"}},
    )
    app = create_app(settings)  # installed plugins, as `intranet run` finds them
    assert "hello" not in {info.name for info in app.state.intranet.plugins if info.enabled}


# --- the migration --------------------------------------------------------------------


async def test_migration_creates_the_table_once(
    intranet_settings: Settings, intranet_plugins: list[Any]
) -> None:
    await reset_database(intranet_settings.database.url)
    database = create_app(intranet_settings, plugins=intranet_plugins).state.intranet.db
    await database.connect()
    try:
        migration = f"hello:{first_migration.ID}"
        assert migration in await database.pending_migrations()
        assert migration in await database.migrate()

        assert await HelloVisit.table_exists().run()
        rows = await HelloVisit.raw("SELECT COUNT(*) AS n FROM hello_visit").run()
        assert rows[0]["n"] == 0
        await HelloVisit.insert(HelloVisit(name="Ida")).run()
        row = await HelloVisit.select().first().run()
        assert row["name"] == "Ida"
        assert isinstance(row["id"], int)
        assert (
            isinstance(row["created_at"], datetime.datetime)
            and row["created_at"].tzinfo is not None
        )

        assert await database.migrate() == []  # a second run applies nothing
        assert await database.pending_migrations() == []
        assert await HelloVisit.count().run() == 1
    finally:
        await database.close()


# --- pages ----------------------------------------------------------------------------


async def test_hello_page_shows_greeting_from_settings(intranet_client: Client) -> None:
    response = await intranet_client.get("/hello", headers=EN)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    assert '<html lang="en">' in page
    assert "<title>Hello · Intranet</title>" in page  # the template extends base.html
    assert '<h1 class="hello-greeting">Hej</h1>' in page
    assert "Leave your name to show that you were here." in page
    assert '<label for="hello-name">Your name</label>' in page
    assert "No one has said hello yet." in page
    assert re.search(r'<link rel="stylesheet" href="/static/hello/hello\.css\?v=[^"]+">', page)
    assert ("/hello", "Hello") in nav_links(page)
    assert 'href="/hello" aria-current="page"' in page


async def test_front_page_has_nav_item_in_order_and_widget(intranet_client: Client) -> None:
    page = (await intranet_client.get("/", headers=EN)).text
    assert nav_links(page) == [("/", "Front page"), ("/hello", "Hello")]  # order 0, then 50
    assert '<a href="/hello" aria-current="page">' not in page
    assert "<h2" in page and ">Visitors</h2>" in page
    assert '<p class="hello-count">0 people have said hello.</p>' in page
    assert '<a href="/hello">Say hello too</a>' in page

    await db(HelloVisit.insert(HelloVisit(name="Ida")))
    page = (await intranet_client.get("/", headers=EN)).text
    assert '<p class="hello-count">1 person has said hello.</p>' in page


async def test_static_file_is_served_as_css(intranet_client: Client) -> None:
    page = (await intranet_client.get("/hello", headers=EN)).text
    href = re.search(r'href="(/static/hello/hello\.css[^"]*)"', page)
    assert href
    response = await intranet_client.get(html.unescape(href.group(1)))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert response.text == (PACKAGE_DIR / "static" / "hello.css").read_text(encoding="utf-8")


async def test_unknown_static_file_is_404(intranet_client: Client) -> None:
    response = await intranet_client.get("/static/hello/nothing.css")
    assert response.status_code == 404


# --- the form -------------------------------------------------------------------------


async def test_post_without_csrf_token_is_refused(intranet_client: Client) -> None:
    await get_token(intranet_client)  # the CSRF cookie is set, but the form lacks the token
    response = await intranet_client.post("/hello", data={"name": "Ida"}, follow_redirects=False)
    assert response.status_code == 403
    response = await intranet_client.post(
        "/hello", data={"name": "Ida", "_csrf_token": "forged"}, follow_redirects=False
    )
    assert response.status_code == 403
    assert await visit_names() == []


async def test_post_with_token_stores_visit_and_redirects(intranet_client: Client) -> None:
    token = await get_token(intranet_client)
    response = await intranet_client.post(
        "/hello", data={"name": "  Søren Østergaard ", "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/hello"

    rows = await db(HelloVisit.select())
    assert len(rows) == 1
    assert rows[0]["name"] == "Søren Østergaard"
    age = datetime.datetime.now(datetime.UTC) - rows[0]["created_at"]
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)

    page = (await intranet_client.get("/hello", headers=EN)).text
    assert '<span class="hello-visit-name">Søren Østergaard</span>' in page
    assert "No one has said hello yet." not in page


async def test_longest_name_is_accepted(intranet_client: Client) -> None:
    token = await get_token(intranet_client)
    name = "Å" * 100
    response = await intranet_client.post(
        "/hello", data={"name": name, "_csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert await visit_names() == [name]


@pytest.mark.parametrize(
    "name", ["", "   ", "x" * 101, None], ids=["empty", "blank", "101-chars", "missing"]
)
async def test_bad_name_gives_400_with_message_and_writes_nothing(
    intranet_client: Client, name: str | None
) -> None:
    token = await get_token(intranet_client)
    data = {"_csrf_token": token} if name is None else {"name": name, "_csrf_token": token}
    response = await intranet_client.post("/hello", data=data, headers=EN, follow_redirects=False)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    page = response.text
    message = "Use at most 100 characters." if name and name.strip() else "This field is required."
    assert f'<p id="hello-name-error" class="hello-error" role="alert">{message}</p>' in page
    assert 'aria-invalid="true"' in page
    assert csrf_token_in(page)  # the form comes back, ready to send again
    if name and name.strip():
        assert f'value="{name}"' in page  # what was typed is kept
    assert await visit_names() == []


async def test_names_are_escaped(intranet_client: Client) -> None:
    token = await get_token(intranet_client)
    await intranet_client.post("/hello", data={"name": "<b>Ida</b>", "_csrf_token": token})
    page = (await intranet_client.get("/hello", headers=EN)).text
    assert "&lt;b&gt;Ida&lt;/b&gt;" in page
    assert "<b>Ida</b>" not in page


# --- Danish ---------------------------------------------------------------------------


async def test_danish_pages(intranet_client: Client) -> None:
    page = (await intranet_client.get("/hello", headers=DA)).text
    assert '<html lang="da">' in page
    assert "<title>Hej · Intranet</title>" in page
    assert ("/hello", "Hej") in nav_links(page)
    for text in (
        "Skriv dit navn for at vise, at du har været her.",
        "Dit navn",
        "Sig hej",
        "Seneste besøgende",
        "Ingen har sagt hej endnu.",
    ):
        assert text in page
    for text in ("Your name", "Say hello", "Latest visitors", "No one has said hello yet."):
        assert text not in page

    token = csrf_token_in(page)
    response = await intranet_client.post(
        "/hello", data={"name": "", "_csrf_token": token}, headers=DA
    )
    assert response.status_code == 400
    assert "Feltet skal udfyldes." in response.text  # the core's message, in Danish

    front = (await intranet_client.get("/", headers=DA)).text
    assert ">Besøgende</h2>" in front
    assert '<p class="hello-count">0 personer har sagt hej.</p>' in front
    assert '<a href="/hello">Sig også hej</a>' in front

    await db(HelloVisit.insert(HelloVisit(name="Ida")))
    front = (await intranet_client.get("/", headers=DA)).text
    assert '<p class="hello-count">1 person har sagt hej.</p>' in front


def test_catalogs_translate_every_string_the_plugin_shows() -> None:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    extracted = {message[2] for message in extract_from_dir(str(PACKAGE_DIR), method_map, options)}
    assert "Hello" in extracted and len(extracted) >= 9

    for language in ("da", "en"):
        po = PACKAGE_DIR / "locale" / language / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=language)
        ids = {message.id for message in catalog if message.id}
        assert ids == extracted, f"{language}: missing {extracted - ids}, unused {ids - extracted}"
        for message in catalog:
            if message.id:
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                assert all(strings), f"{language}: {message.id!r} is not translated"
                assert not message.fuzzy, f"{language}: {message.id!r} is fuzzy"


# --- demo data ------------------------------------------------------------------------


async def test_demo_data(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        assert await intranet_hello.plugin.load_demo_data(app=intranet) is None
        await HelloVisit.delete(force=True).run()
        # The way `intranet demo` calls it: every plugin's demo data, core plugins first.
        # The core's lines (the demo sign-ins) and none of the plugin's own.
        lines = await load_demo(intranet)
        assert lines and all("hello" not in line.lower() for line in lines)
        assert sorted(await visit_names()) == sorted(intranet_hello.plugin.DEMO_VISITORS)
    finally:
        await intranet.db.close()

    async with client_for(intranet_app) as client:
        await sign_in(client, intranet_app)
        page = (await client.get("/hello", headers=DA)).text
    shown = re.findall(r'<span class="hello-visit-name">([^<]+)</span>', page)
    assert shown == list(reversed(intranet_hello.plugin.DEMO_VISITORS))  # newest first
    assert "for 6 timer siden" in page


class TestContract(PluginContract):
    """The plugin contract every plugin runs: the example shows how."""

    name = "hello"
