"""Test helpers for the core and for plugin authors, shipped as a pytest plugin.

Installed with intranet-core (entry point ``pytest11``), so any test suite
gets these fixtures:

``intranet_plugins``
    Override it to name the plugins under test, e.g.
    ``return [intranet_hello.plugin]``. Installed entry points never leak in:
    the app holds the core and exactly these plugins.
``intranet_settings``
    Settings for a throw-away SQLite file in ``tmp_path``, or the PostgreSQL
    in ``$INTRANET_TEST_DATABASE_URL`` (emptied first); uploaded files go to
    ``tmp_path / "uploads"``. Override to change.
``intranet_app``
    The Litestar app on a migrated database (async); ``startup`` hooks run
    when a client opens it, as ``intranet_client`` does.
``intranet_client``
    An ``httpx.AsyncClient`` for it, on the test's own event loop (async);
    :func:`client_for` gives one for any app.
``mailbox``
    A real SMTP server (aiosmtpd) on a free loopback port, collecting what it
    receives in ``mailbox.messages``; point the site at it with
    ``make_settings(url, mail=mail_settings(mailbox))``.

:func:`untranslated` lists the messages of a package (Python code and
templates) that its catalog for a language does not translate: a plugin's
test asserts ``untranslated(PACKAGE_DIR, "da") == []``.

The fixtures need pytest-asyncio (``pip install intranet-core[test]``).
"""

from __future__ import annotations

import contextlib
import email
import inspect
import os
import socket
from collections.abc import AsyncIterator, Iterator, Sequence
from email import policy
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from litestar import Litestar

    from intranet_core.settings import Settings

TEST_DATABASE_ENV = "INTRANET_TEST_DATABASE_URL"
TEST_SECRET_KEY = "test-secret-key-" + "x" * 32


def database_url_for_tests(tmp_path: Path) -> str:
    """The database tests use: ``$INTRANET_TEST_DATABASE_URL`` or a SQLite file in ``tmp_path``."""
    return os.environ.get(TEST_DATABASE_ENV) or f"sqlite:///{tmp_path / 'test.sqlite3'}"


def make_settings(database_url: str, **sections: Any) -> Settings:
    """Settings for tests: ``make_settings(url, site={"name": "X"}, plugins={"hello": {...}})``.

    Uploads go to ``uploads/`` beside a SQLite database, or to a new
    temporary directory, unless ``uploads={"directory": ...}`` says where:
    never to the working directory.
    """
    import tempfile
    from pathlib import Path

    from intranet_core.settings import settings_from_dict

    if database_url.startswith("sqlite:///"):
        uploads = Path(database_url[len("sqlite:///"):]).parent / "uploads"
    else:
        uploads = Path(tempfile.mkdtemp(prefix="intranet-test-uploads-"))
    data: dict[str, Any] = {"secret_key": TEST_SECRET_KEY, "database": {"url": database_url},
                            "uploads": {"directory": str(uploads)}}
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return settings_from_dict(data, source="test settings", environ={})


async def reset_database(url: str) -> None:
    """Empty a PostgreSQL test database (drop and recreate the public schema)."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import asyncpg

    connection = await asyncpg.connect(url)
    try:
        await connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await connection.close()


async def build_app(settings: Settings, plugins: Sequence[Any] = ()) -> Litestar:
    """An app with the core and exactly ``plugins``, on a freshly migrated database."""
    from intranet_core.app import create_app

    await reset_database(settings.database.url)
    app = create_app(settings, plugins=list(plugins))
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        await intranet.migrate()
    finally:
        await intranet.db.close()
    return app


@contextlib.asynccontextmanager
async def client_for(app: Litestar, base_url: str = "http://testserver.local") -> AsyncIterator[httpx.AsyncClient]:
    """Start ``app`` and give an HTTP client for it, both on the caller's event loop.

    (Litestar's ``AsyncTestClient`` serves from another thread and loop, so a
    test's own queries would share a PostgreSQL pool across loops.)
    """
    # The start-up and shut-down hooks are called directly: Litestar's
    # lifespan() holds an anyio task group, which a pytest fixture cannot
    # enter in one task and leave in another.
    for hook in app.on_startup:
        await _call(hook, app)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
            base_url=base_url, follow_redirects=False
        ) as client:
            yield client
    finally:
        for hook in reversed(app.on_shutdown):
            await _call(hook, app)


def http_client(app: Litestar, base_url: str = "http://testserver.local") -> httpx.AsyncClient:
    """Another client (its own cookies) for an app already started by :func:`client_for`.

    Use it as ``async with http_client(app) as client``; it runs no start-up
    hooks, so the database is connected once however many people sign in.
    """
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                             base_url=base_url, follow_redirects=False)


TEST_PASSWORD = "a test password, long enough"  # noqa: S105 - tests only


def csrf_token_of(html: str) -> str:
    """The CSRF token in a page's forms."""
    import re

    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    if match is None:
        raise AssertionError("no CSRF field on the page")
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, app: Litestar, email: str = "tester@example.org", *, name: str = "Test Person",
    roles: Sequence[tuple[str, int | None]] = (),
) -> Any:
    """Create the person if needed, give them ``roles`` (name, unit id or None), and sign in through the form.

    Returns the person (``intranet_core.people.models.PersonInfo``).
    """
    from intranet_core.auth.passwords import hash_password
    from intranet_core.people.service import create_person, get_person, person_id_by_email
    from intranet_core.permissions.tables import Role, RoleAssignment

    intranet = app.state.intranet
    existing = await person_id_by_email(email)
    if existing is None:
        person = await create_person(
            intranet, actor_id=None, fields={"email": email, "name": name}, password_hash=hash_password(TEST_PASSWORD)
        )
    else:
        found = await get_person(existing)
        assert found is not None
        person = found
    for role_name, unit_id in roles:
        role = await Role.select(Role.id).where(Role.name == role_name).first().run()
        if role is None:
            raise AssertionError(f"no role {role_name!r}")
        await RoleAssignment.insert(RoleAssignment(person=person.id, role=role["id"], unit=unit_id)).on_conflict(
            action="DO NOTHING"
        ).run()
    await log_in(client, email)
    return person


async def log_in(client: httpx.AsyncClient, email: str, password: str = TEST_PASSWORD) -> None:
    """Sign in through the form as someone who exists already."""
    page = await client.get("/signin", headers={"accept": "text/html"})
    response = await client.post(
        "/signin", headers={"accept": "text/html"},
        data={"email": email, "password": password, "_csrf_token": csrf_token_of(page.text)},
    )
    if response.status_code != 303:
        raise AssertionError(f"sign-in failed: {response.status_code} {response.text[:300]}")


async def _call(hook: Any, app: Litestar) -> None:
    result = hook(app) if inspect.signature(hook).parameters else hook()
    if inspect.isawaitable(result):
        await result


class Mailbox:
    """What a real SMTP server received (the ``mailbox`` fixture): parsed messages, in order."""

    def __init__(self, port: int = 0) -> None:
        self.messages: list[EmailMessage] = []
        self.port = port

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def mail_settings(mailbox: Mailbox, from_address: str = "intranet@example.org") -> dict[str, Any]:
    """The ``[mail]`` section that sends to ``mailbox``."""
    return {"host": "127.0.0.1", "port": mailbox.port, "from_address": from_address}


def body_of(message: EmailMessage) -> str:
    """The plain-text body of a received message."""
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller  # a test dependency: imported only when a test asks for mail

    box = Mailbox(free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


_EXTRACT_METHODS = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
_EXTRACT_OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
_EXTRACT_KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def translatable_messages(package_dir: Path) -> set[str]:
    """Every message a package marks for translation (a plural by its singular), as Babel extracts them."""
    from babel.messages.extract import extract_from_dir

    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            package_dir, _EXTRACT_METHODS, keywords=_EXTRACT_KEYWORDS, options_map=_EXTRACT_OPTIONS
        )
    }


def catalog_messages(package_dir: Path, language: str) -> dict[str, str]:
    """The package's catalog ``locale/<language>/LC_MESSAGES/messages.po``: id -> translation (not fuzzy)."""
    from babel.messages.pofile import read_po

    with (package_dir / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        found = read_po(handle, locale=language)
    catalog: dict[str, str] = {}
    for m in found:
        if m.id and not m.fuzzy:
            text = m.string if isinstance(m.string, str) else (m.string or ("",))[0]
            catalog[m.id if isinstance(m.id, str) else m.id[0]] = text or ""
    return catalog


def untranslated(package_dir: Path, language: str = "da") -> list[str]:
    """The package's messages without a translation into ``language``, sorted (empty: all translated)."""
    translated = {k for k, v in catalog_messages(package_dir, language).items() if v}
    return sorted(translatable_messages(package_dir) - translated)


try:
    import pytest_asyncio
except ImportError:  # pragma: no cover - fixtures need pytest-asyncio
    pytest_asyncio = None  # type: ignore[assignment]


if pytest_asyncio is not None:

    @pytest.fixture
    def intranet_plugins() -> list[Any]:
        """The plugins under test besides the core; override in your conftest."""
        return []

    @pytest.fixture
    def intranet_settings(tmp_path: Path) -> Settings:
        # Uploaded files go to the test's own directory too.
        return make_settings(database_url_for_tests(tmp_path), uploads={"directory": str(tmp_path / "uploads")})

    @pytest_asyncio.fixture
    async def intranet_app(intranet_settings: Settings, intranet_plugins: list[Any]) -> Litestar:
        return await build_app(intranet_settings, intranet_plugins)

    @pytest_asyncio.fixture
    async def intranet_client(intranet_app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
        async with client_for(intranet_app) as client:
            yield client
