"""Sign-in, sessions, throttling and CSRF, against the real app.

Every test runs on SQLite, and on PostgreSQL when ``INTRANET_TEST_DATABASE_URL``
names a test database. The helpers at the top are shared with ``test_audit.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher
from litestar import Litestar, Request, get
from litestar.routes import HTTPRoute

from intranet_core import hookimpl
from intranet_core.app import create_app
from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password
from intranet_core.auth.tables import SignInFailure, UserSession
from intranet_core.people import service as people
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Person
from intranet_core.permissions.service import ADMIN_ROLE
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.settings import Settings
from intranet_core.store.tables import StoreEntry
from intranet_core.testing import build_app, client_for, database_url_for_tests, make_settings

HTML = {"accept": "text/html"}
PASSWORD = "correct horse battery staple"
SESSION_COOKIE = "intranet_session"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
ERROR_MESSAGE = re.compile(r'<p class="error" role="alert">(.*?)</p>', re.S)
UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")

IDLE_MINUTES = 30
ABSOLUTE_HOURS = 12
MAX_PER_ACCOUNT = 3
MAX_PER_ADDRESS = 5
AUTH_SETTINGS = {
    "idle_timeout_minutes": IDLE_MINUTES,
    "absolute_timeout_hours": ABSOLUTE_HOURS,
    "max_failures_per_account": MAX_PER_ACCOUNT,
    "max_failures_per_address": MAX_PER_ADDRESS,
}


# --- helpers (also used by test_audit.py) ------------------------------------


@get("/test/whoami", include_in_schema=False, sync_to_thread=False)
def whoami_handler(request: Request[Any, Any, Any]) -> dict[str, Any]:
    user = request.scope.get("user")
    return {"id": user.id if user is not None else None}


class WhoAmI:
    """A test plugin: ``GET /test/whoami`` says who the request is signed in as."""

    @hookimpl
    def register_routes(self, app: Any) -> list[Any]:
        return [whoami_handler]


def auth_test_settings(tmp_path: Path, **site: Any) -> Settings:
    return make_settings(
        database_url_for_tests(tmp_path), site={"default_language": "en", **site}, auth=AUTH_SETTINGS
    )


async def add_person(
    app: Litestar, email: str = "ann@example.org", name: str = "Ann Andersen", password: str | None = PASSWORD
) -> PersonInfo:
    return await people.create_person(
        app.state.intranet, actor_id=None, fields={"email": email, "name": name},
        password_hash=hash_password(password) if password is not None else None,
    )


async def give_role(person_id: int, role_name: str, unit_id: int | None = None) -> None:
    role = await Role.select(Role.id).where(Role.name == role_name).first().run()
    assert role is not None, f"no role {role_name!r}"
    await RoleAssignment.insert(RoleAssignment(person=person_id, role=role["id"], unit=unit_id)).run()


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def sign_in(
    client: httpx.AsyncClient, email: str = "ann@example.org", password: str = PASSWORD, next_path: str = "/"
) -> httpx.Response:
    page = await client.get("/signin", headers=HTML)
    assert page.status_code == 200, page.status_code
    return await client.post(
        "/signin",
        data={"email": email, "password": password, "_csrf_token": csrf_from(page.text), "next": next_path},
        headers=HTML,
    )


async def sign_out(client: httpx.AsyncClient) -> httpx.Response:
    page = await client.get("/signin", headers=HTML)  # any page with a form gives a token
    token = csrf_from(page.text) if page.status_code == 200 else client.cookies["intranet_csrf"]
    return await client.post("/signout", data={"_csrf_token": token}, headers={"x-csrftoken": token})


async def whoami(client: httpx.AsyncClient, session_id: str | None = None) -> int | None:
    """The id of the person the client (or the given session cookie) is signed in as."""
    if session_id is None:
        response = await client.get("/test/whoami")
    else:
        # A bare request carrying only that cookie, as a stolen cookie would be replayed.
        response = await client.get("/test/whoami", headers={"cookie": f"{SESSION_COOKIE}={session_id}"})
    assert response.status_code == 200
    result: int | None = response.json()["id"]
    return result


def error_message(html: str) -> str:
    match = ERROR_MESSAGE.search(html)
    assert match, "no error message on the page"
    return match.group(1).strip()


def store_key(session_id: str) -> str:
    return f"sessions:{hashlib.sha256(session_id.encode()).hexdigest()}"


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("whoami", WhoAmI())]


@pytest.fixture
def intranet_settings(tmp_path: Path) -> Settings:
    return auth_test_settings(tmp_path)


@pytest.fixture
async def ann(intranet_app: Litestar) -> PersonInfo:
    return await add_person(intranet_app)


def browser(app: Litestar, address: str = "127.0.0.1") -> httpx.AsyncClient:
    """Another browser, at ``address``, on an app a client has started."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=(address, 40000)),  # type: ignore[arg-type]
        base_url="http://testserver.local",
        follow_redirects=False,
    )


@pytest.fixture
async def client_from(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> AsyncIterator[Any]:
    """Makes more browsers (optionally at other addresses) on the app the test's client has started."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str = "127.0.0.1") -> httpx.AsyncClient:
        opened.append(browser(intranet_app, address))
        return opened[-1]

    yield make
    for client in opened:
        await client.aclose()


# --- signing in -----------------------------------------------------------------


async def test_sign_in_sets_a_new_session_cookie(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    page = await intranet_client.get("/signin", headers=HTML)
    # A session id planted in the browser before sign-in (session fixation) must not survive it.
    planted = "a" * 64
    intranet_client.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    response = await intranet_client.post(
        "/signin", data={"email": ann.email, "password": PASSWORD, "_csrf_token": csrf_from(page.text), "next": "/"}
    )
    assert response.request.headers["cookie"].count(f"{SESSION_COOKIE}={planted}") == 1
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/" in cookie
    after = intranet_client.cookies[SESSION_COOKIE]
    assert after != planted
    assert re.fullmatch(r"[0-9a-f]{64}", after), "session ids are 256 random bits"
    assert await whoami(intranet_client) == ann.id
    assert await whoami(intranet_client, planted) is None


async def test_a_planted_live_session_is_not_taken_over(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, client_from: Any, ann: PersonInfo
) -> None:
    # The attacker signs in as themselves and plants their session id in the victim's browser.
    mallory = await add_person(intranet_app, email="mallory@example.org", name="Mallory")
    attacker = client_from("203.0.113.9")
    await sign_in(attacker, mallory.email)
    planted = attacker.cookies[SESSION_COOKIE]
    await intranet_client.get("/", headers=HTML)  # the victim's browser has a CSRF cookie
    intranet_client.cookies.set(SESSION_COOKIE, planted, domain="testserver.local")
    assert await whoami(intranet_client) == mallory.id

    # The victim signs in as themselves in that browser.
    await sign_in_again(intranet_client)
    before, after = planted, intranet_client.cookies[SESSION_COOKIE]
    assert after != before
    assert await whoami(intranet_client) == ann.id
    # The planted id does not lead to the victim's account (nor any longer to the attacker's).
    assert await whoami(attacker) is None
    assert await whoami(attacker, before) is None


async def test_signing_in_again_rotates_the_session_id(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    await sign_in(intranet_client)
    first = intranet_client.cookies[SESSION_COOKIE]
    await sign_in_again(intranet_client)
    second = intranet_client.cookies[SESSION_COOKIE]
    assert second != first
    assert await whoami(intranet_client) == ann.id
    assert await whoami(intranet_client, first) is None
    assert await UserSession.count().where(UserSession.person == ann.id).run() == 1


async def sign_in_again(client: httpx.AsyncClient) -> None:
    # A signed-in visitor to /signin is sent on; post the form with the token from the cookie.
    token = client.cookies["intranet_csrf"]
    response = await client.post(
        "/signin", data={"email": "ann@example.org", "password": PASSWORD, "_csrf_token": token, "next": "/"}
    )
    assert response.status_code == 303


async def test_store_holds_only_a_hash_of_the_session_id(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    await sign_in(intranet_client)
    session_id = intranet_client.cookies[SESSION_COOKIE]
    rows = await StoreEntry.select(StoreEntry.id, StoreEntry.value).run()
    ids = [row["id"] for row in rows]
    assert store_key(session_id) in ids
    for row in rows:
        assert session_id not in row["id"]
        assert session_id.encode() not in bytes(row["value"])
    data = json.loads(bytes(next(r["value"] for r in rows if r["id"] == store_key(session_id))))
    assert data["person_id"] == ann.id
    # The session list holds the same hash, never the id itself.
    sessions = await UserSession.select(UserSession.id).where(UserSession.person == ann.id).run()
    assert [s["id"] for s in sessions] == [hashlib.sha256(session_id.encode()).hexdigest()]
    # Nor does the audit log.
    entries = await AuditEntry.select().run()
    assert entries and all(session_id not in json.dumps(entry, default=str) for entry in entries)


async def test_over_https_the_cookie_is_secure_with_the_host_prefix(tmp_path: Path) -> None:
    settings = auth_test_settings(tmp_path, base_url="https://intra.example.org")
    app = await build_app(settings, [("whoami", WhoAmI())])
    async with client_for(app, base_url="https://intra.example.org") as client:
        await add_person(app)
        response = await sign_in(client)
        assert response.status_code == 303
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-intranet_session=")
        assert "Secure" in cookie
        assert "Domain" not in cookie
        assert await whoami(client) is not None


async def test_sign_in_page_is_not_cached(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    page = await intranet_client.get("/signin", headers=HTML)
    assert "no-store" in page.headers["cache-control"]
    failed = await sign_in(intranet_client, password="not the password")
    assert failed.status_code == 400
    assert "no-store" in failed.headers["cache-control"]


async def test_password_hashes_use_owasp_argon2id_parameters(
    intranet_client: httpx.AsyncClient, intranet_app: Litestar
) -> None:
    assert hash_password(PASSWORD).startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    # A hash made with weaker parameters is upgraded at the next sign-in.
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    person = await people.create_person(
        intranet_app.state.intranet, actor_id=None, fields={"email": "old@example.org", "name": "Old Hash"},
        password_hash=weak,
    )
    assert (await sign_in(intranet_client, "old@example.org")).status_code == 303
    row = await Person.select(Person.password_hash).where(Person.id == person.id).first().run()
    assert row is not None
    assert row["password_hash"].startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert PasswordHasher().verify(row["password_hash"], PASSWORD)


async def test_wrong_password_and_unknown_address_look_the_same(
    intranet_client: httpx.AsyncClient, intranet_app: Litestar, ann: PersonInfo
) -> None:
    inactive = await add_person(intranet_app, email="gone@example.org", name="Gone")
    await people.set_active(intranet_app.state.intranet, inactive.id, False, actor_id=None)
    no_password = await add_person(intranet_app, email="sso@example.org", name="Only SSO", password=None)
    assert no_password.id

    attempts = [
        ("ann@example.org", "not the password"),  # known address, wrong password
        ("nobody@example.org", PASSWORD),  # unknown address
        ("gone@example.org", PASSWORD),  # deactivated, right password
        ("sso@example.org", ""),  # no password set
    ]
    answers = []
    for email, password in attempts:
        response = await sign_in(intranet_client, email, password)
        answers.append((response.status_code, error_message(response.text)))
        assert await whoami(intranet_client) is None
    assert len(set(answers)) == 1, answers
    assert answers[0] == (400, "The e-mail address or the password is not right.")


# --- sessions end ----------------------------------------------------------------


async def test_sign_out_ends_the_session_on_the_server(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    await sign_in(intranet_client)
    session_id = intranet_client.cookies[SESSION_COOKIE]
    assert await whoami(intranet_client) == ann.id

    response = await sign_out(intranet_client)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    # Replaying the old cookie (as someone who copied it would) gives nobody.
    assert await whoami(intranet_client, session_id) is None
    assert await StoreEntry.count().where(StoreEntry.id == store_key(session_id)).run() == 0
    assert await UserSession.count().where(UserSession.person == ann.id).run() == 0


async def test_deactivation_ends_every_session(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, client_from: Any, ann: PersonInfo
) -> None:
    phone = client_from("192.0.2.10")
    bob = await add_person(intranet_app, email="bob@example.org", name="Bob")
    others = client_from("192.0.2.11")
    await sign_in(intranet_client)
    await sign_in(phone)
    await sign_in(others, "bob@example.org")
    ids = [intranet_client.cookies[SESSION_COOKIE], phone.cookies[SESSION_COOKIE]]
    assert await whoami(intranet_client) == ann.id
    assert await whoami(phone) == ann.id

    await people.set_active(intranet_app.state.intranet, ann.id, False, actor_id=bob.id)

    assert await whoami(intranet_client) is None
    assert await whoami(phone) is None
    for session_id in ids:
        assert await whoami(intranet_client, session_id) is None
        assert await StoreEntry.count().where(StoreEntry.id == store_key(session_id)).run() == 0
    assert await UserSession.count().where(UserSession.person == ann.id).run() == 0
    assert await whoami(others) == bob.id, "only that person's sessions end"


async def test_idle_timeout(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    response = await sign_in(intranet_client)
    assert f"Max-Age={IDLE_MINUTES * 60}" in response.headers["set-cookie"]
    key = store_key(intranet_client.cookies[SESSION_COOKIE])
    row = await StoreEntry.select(StoreEntry.expires_at).where(StoreEntry.id == key).first().run()
    assert row is not None
    assert abs(row["expires_at"] - (time.time() + IDLE_MINUTES * 60)) < 60

    # Use renews it ...
    await StoreEntry.update({StoreEntry.expires_at: time.time() + 10}).where(StoreEntry.id == key).run()
    assert await whoami(intranet_client) == ann.id
    row = await StoreEntry.select(StoreEntry.expires_at).where(StoreEntry.id == key).first().run()
    assert row is not None
    assert row["expires_at"] > time.time() + IDLE_MINUTES * 60 - 60
    # ... and a session left idle past the timeout is over.
    await StoreEntry.update({StoreEntry.expires_at: time.time() - 1}).where(StoreEntry.id == key).run()
    assert await whoami(intranet_client) is None


async def test_absolute_timeout_ends_that_session_only(
    intranet_client: httpx.AsyncClient, client_from: Any, ann: PersonInfo
) -> None:
    phone = client_from("192.0.2.20")
    await sign_in(intranet_client)
    await sign_in(phone)
    old_id = intranet_client.cookies[SESSION_COOKIE]
    key = store_key(old_id)
    row = await StoreEntry.select(StoreEntry.value).where(StoreEntry.id == key).first().run()
    assert row is not None
    data = json.loads(bytes(row["value"]))

    # Still within the limit: signed in.
    data["signed_in_at"] = time.time() - ABSOLUTE_HOURS * 3600 + 120
    await StoreEntry.update({StoreEntry.value: json.dumps(data).encode()}).where(StoreEntry.id == key).run()
    assert await whoami(intranet_client) == ann.id

    # In use all along, but signed in longer ago than the limit: signed out.
    data["signed_in_at"] = time.time() - ABSOLUTE_HOURS * 3600 - 60
    await StoreEntry.update({StoreEntry.value: json.dumps(data).encode()}).where(StoreEntry.id == key).run()
    assert await whoami(intranet_client) is None
    assert await whoami(intranet_client, old_id) is None
    assert await UserSession.count().where(
        UserSession.id == hashlib.sha256(old_id.encode()).hexdigest()
    ).run() == 0
    # The person's other, younger session goes on.
    assert await whoami(phone) == ann.id


# --- throttling ---------------------------------------------------------------------


async def test_account_throttle_refuses_even_the_right_password(
    intranet_client: httpx.AsyncClient, client_from: Any, ann: PersonInfo
) -> None:
    # Failures from several addresses, with the address spelled in several ways, all count.
    spellings = ["ann@example.org", "ANN@example.org", " Ann@Example.org "]
    for number, email in enumerate(spellings[:MAX_PER_ACCOUNT]):
        response = await sign_in(client_from(f"198.51.100.{number + 1}"), email, "wrong guess")
        assert response.status_code == 400

    response = await sign_in(intranet_client)
    assert response.status_code == 429
    assert error_message(response.text) == "Too many attempts. Please wait a moment and try again."
    assert await whoami(intranet_client) is None
    assert await AuditEntry.count().where(AuditEntry.action == "auth.sign_in_throttled").run() == 1
    # Other accounts are not affected.
    assert (await sign_in(client_from("198.51.100.9"), "nobody@example.org", "x")).status_code == 400


async def test_parallel_guesses_cannot_pass_the_limit(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    page = await intranet_client.get("/signin", headers=HTML)
    token = csrf_from(page.text)

    async def guess(number: int) -> int:
        response = await intranet_client.post(
            "/signin", data={"email": ann.email, "password": f"guess {number}", "_csrf_token": token}
        )
        return response.status_code

    codes = await asyncio.gather(*(guess(n) for n in range(6 * MAX_PER_ACCOUNT)))
    assert set(codes) <= {400, 429}
    checked = codes.count(400)
    assert checked <= MAX_PER_ACCOUNT, f"{checked} passwords checked at once, the limit is {MAX_PER_ACCOUNT}"
    assert await SignInFailure.count().where(SignInFailure.key == "account:ann@example.org").run() == checked


async def test_sign_ins_that_succeed_do_not_count_against_the_address(
    intranet_app: Litestar, client_from: Any
) -> None:
    # Many colleagues behind one office address sign in; none is throttled.
    office = "192.0.2.200"
    for number in range(MAX_PER_ADDRESS + 2):
        email = f"colleague{number}@example.org"
        await add_person(intranet_app, email=email, name=f"Colleague {number}")
        response = await sign_in(client_from(office), email)
        assert response.status_code == 303, number
    assert await SignInFailure.count().run() == 0


async def test_throttle_window(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    for _ in range(MAX_PER_ACCOUNT):
        await sign_in(intranet_client, password="wrong guess")
    assert (await sign_in(intranet_client)).status_code == 429
    # Once the failures are older than the window, the right password works again.
    await SignInFailure.update({SignInFailure.at: time.time() - 16 * 60}, force=True).run()
    assert (await sign_in(intranet_client)).status_code == 303
    assert await whoami(intranet_client) == ann.id


async def test_success_before_the_limit_clears_the_account_count(
    intranet_client: httpx.AsyncClient, ann: PersonInfo
) -> None:
    for _ in range(MAX_PER_ACCOUNT - 1):
        await sign_in(intranet_client, password="typo")
    assert (await sign_in(intranet_client)).status_code == 303
    assert await SignInFailure.count().where(SignInFailure.key == "account:ann@example.org").run() == 0


async def test_throttle_holds_across_workers(tmp_path: Path) -> None:
    """Two app instances on one database, as two worker processes would be."""
    settings = auth_test_settings(tmp_path)
    first = await build_app(settings, [("whoami", WhoAmI())])
    second = create_app(settings, plugins=[("whoami", WhoAmI())])
    assert first is not second
    async with client_for(first) as worker_a, client_for(second) as worker_b:
        # Piccolo binds the tables to the engine of the app built last: set up through that one.
        await add_person(second)
        workers = [worker_a, worker_b]
        for number in range(MAX_PER_ACCOUNT):
            response = await sign_in(workers[number % 2], password="wrong guess")
            assert response.status_code == 400
        for worker in workers:
            response = await sign_in(worker)
            assert response.status_code == 429
            assert await whoami(worker) is None


async def test_sessions_are_shared_across_workers(tmp_path: Path) -> None:
    settings = auth_test_settings(tmp_path)
    first = await build_app(settings, [("whoami", WhoAmI())])
    second = create_app(settings, plugins=[("whoami", WhoAmI())])
    async with client_for(first) as worker_a, client_for(second) as worker_b:
        person = await add_person(second)
        await sign_in(worker_a)
        session_id = worker_a.cookies[SESSION_COOKIE]
        assert await whoami(worker_b, session_id) == person.id
        await sign_out(worker_a)
        assert await whoami(worker_b, session_id) is None


async def test_address_throttle(intranet_app: Litestar, client_from: Any, ann: PersonInfo) -> None:
    attacker = client_from("203.0.113.66")
    # Many accounts tried from one address, each fewer times than the account limit.
    for number in range(MAX_PER_ADDRESS):
        response = await sign_in(attacker, f"guess{number}@example.org", "password1")
        assert response.status_code == 400
    # From that address even a real account with its right password is refused ...
    response = await sign_in(attacker)
    assert response.status_code == 429
    assert await whoami(attacker) is None
    # ... while from another address it works.
    elsewhere = client_from("203.0.113.67")
    assert (await sign_in(elsewhere)).status_code == 303
    assert await whoami(elsewhere) == ann.id


# --- CSRF and redirects ----------------------------------------------------------------

_PARAMETER = re.compile(r"\{(\w+)(?::(\w+))?\}")
_SAMPLE_VALUES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000001", "date": "2026-01-01"}


def unsafe_routes(app: Litestar) -> Iterator[tuple[str, str]]:
    """Every (method, path) of the app that changes state, outside the bearer-token API."""
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or route.path.startswith("/api/"):
            continue
        path = _PARAMETER.sub(lambda m: _SAMPLE_VALUES.get(m.group(2) or "str", "x"), route.path)
        for method in sorted(set(route.methods) & set(UNSAFE_METHODS)):
            yield method, path


async def test_every_unsafe_route_refuses_a_request_without_a_valid_csrf_token(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, ann: PersonInfo
) -> None:
    # Signed in as an administrator, so no guard stands between the request and the handler.
    await give_role(ann.id, ADMIN_ROLE)
    await sign_in(intranet_client)
    assert await whoami(intranet_client) == ann.id
    routes = list(unsafe_routes(intranet_app))
    assert {("POST", "/signin"), ("POST", "/signout"), ("POST", "/language")} <= set(routes)

    json_only = {"accept": "application/json"}
    refused = []
    for method, path in routes:
        missing = await intranet_client.request(method, path, data={"x": "1"}, headers=json_only)
        wrong = await intranet_client.request(
            method, path, data={"x": "1", "_csrf_token": "0" * 128}, headers={**json_only, "x-csrftoken": "0" * 128}
        )
        for response in (missing, wrong):
            if response.status_code != 403 or "CSRF" not in response.json().get("detail", ""):
                refused.append(f"{method} {path}: {response.status_code} {response.text[:100]}")
    assert not refused, "unsafe routes that accept a request without a valid CSRF token:\n" + "\n".join(refused)
    # Nothing happened: still signed in.
    assert await whoami(intranet_client) == ann.id


async def test_csrf_token_from_the_page_is_accepted(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    # The positive control for the test above: the same forms work with the token.
    await sign_in(intranet_client)
    assert await whoami(intranet_client) == ann.id
    response = await sign_out(intranet_client)
    assert response.status_code == 303
    assert await whoami(intranet_client) is None


OPEN_REDIRECTS = [
    "//evil.example",
    "https://evil.example",
    "http://evil.example/path",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "///evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    " //evil.example",
]


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
async def test_next_never_leaves_the_site(
    intranet_client: httpx.AsyncClient, ann: PersonInfo, target: str
) -> None:
    page = await intranet_client.get("/signin", params={"next": target}, headers=HTML)
    assert 'name="next" value="/"' in page.text
    response = await intranet_client.post(
        "/signin",
        data={"email": ann.email, "password": PASSWORD, "_csrf_token": csrf_from(page.text), "next": target},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    # Already signed in, /signin sends the visitor on: still only to this site.
    again = await intranet_client.get("/signin", params={"next": target}, headers=HTML)
    assert again.headers["location"] == "/"


def stays_on_site(location: str) -> bool:
    """What a browser would read as a path on this site (it treats \\ like / and drops tabs)."""
    cleaned = re.sub(r"[\t\n\r]", "", location).replace("\\", "/").strip()
    return cleaned.startswith("/") and not cleaned.startswith("//")


@pytest.mark.parametrize("target", OPEN_REDIRECTS)
async def test_language_switch_never_leaves_the_site(intranet_client: httpx.AsyncClient, target: str) -> None:
    page = await intranet_client.get("/signin", headers=HTML)
    response = await intranet_client.post(
        "/language", data={"language": "en", "next": target, "_csrf_token": csrf_from(page.text)}
    )
    assert response.status_code == 303
    assert stays_on_site(response.headers["location"]), response.headers["location"]


async def test_next_keeps_a_local_path(intranet_client: httpx.AsyncClient, ann: PersonInfo) -> None:
    response = await sign_in(intranet_client, next_path="/audit?action=auth.sign_in")
    assert response.status_code == 303
    assert response.headers["location"] == "/audit?action=auth.sign_in"


async def test_a_page_that_needs_sign_in_comes_back_after_it(
    intranet_client: httpx.AsyncClient, ann: PersonInfo
) -> None:
    await give_role(ann.id, ADMIN_ROLE)
    response = await intranet_client.get("/audit", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/audit"
    page = await intranet_client.get(response.headers["location"], headers=HTML)
    assert 'name="next" value="/audit"' in page.text
    signed_in = await intranet_client.post(
        "/signin", data={"email": ann.email, "password": PASSWORD, "_csrf_token": csrf_from(page.text),
                         "next": "/audit"},
    )
    assert signed_in.headers["location"] == "/audit"
