"""Password reset by e-mail, the account page and a person's own sessions.

Mail goes through a real SMTP server (aiosmtpd) on a free local port.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
import re
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password
from intranet_core.auth.tables import PasswordResetToken, UserSession
from intranet_core.people.service import create_person, set_active
from intranet_core.people.tables import Person
from intranet_core.testing import Mailbox, database_url_for_tests, mail_settings, make_settings

HTML = {"accept": "text/html", "accept-language": "en"}
PASSWORD = "correct horse battery staple"
NEW_PASSWORD = "a brand new passphrase for me"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.4 Mobile/15E148 Safari/604.1")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
LINK = re.compile(r"(https?://[^\s/]+)/password-reset/([A-Za-z0-9_-]+)")


# --- mail goes to a real SMTP server: the ``mailbox`` fixture of intranet_core.testing -------


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    return make_settings(database_url_for_tests(tmp_path), site={"name": "Forbundets intranet"},
                         mail=mail_settings(mailbox))


# --- helpers -------------------------------------------------------------------------


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def csrf(client: httpx.AsyncClient, path: str = "/password-reset") -> str:
    page = await client.get(path, headers=HTML)
    assert page.status_code == 200, page.status_code
    return csrf_from(page.text)


async def add_person(app: Any, email_address: str, *, name: str = "Anna Jensen", password: str = PASSWORD,
                     language: str | None = None) -> int:
    fields: dict[str, Any] = {"email": email_address, "name": name}
    if language:
        fields["language"] = language
    person = await create_person(app.state.intranet, actor_id=None, fields=fields,
                                 password_hash=hash_password(password))
    return person.id


async def sign_in(client: httpx.AsyncClient, email_address: str, password: str = PASSWORD) -> httpx.Response:
    token = await csrf(client, "/signin")
    return await client.post("/signin", data={"email": email_address, "password": password, "next": "/",
                                              "_csrf_token": token}, headers=HTML)


def other_client(app: Any, user_agent: str = "pytest") -> httpx.AsyncClient:
    """A second browser on the same running app (the first client started it)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver.local",
                             headers={"user-agent": user_agent})


async def ask_for_link(client: httpx.AsyncClient, email_address: str) -> httpx.Response:
    return await client.post("/password-reset", data={"email": email_address, "_csrf_token": await csrf(client)},
                             headers=HTML)


def link_in(message: EmailMessage) -> tuple[str, str]:
    body = message.get_body(("plain",))
    assert body is not None
    match = LINK.search(body.get_content())
    assert match, "no reset link in the mail"
    return match.group(0), match.group(2)


async def choose_password(client: httpx.AsyncClient, token: str, password: str = NEW_PASSWORD,
                          again: str | None = None, csrf_token: str | None = None) -> httpx.Response:
    return await client.post(
        f"/password-reset/{token}",
        data={"password": password, "password_again": password if again is None else again,
              "_csrf_token": csrf_token or await csrf(client)},
        headers=HTML,
    )


def without_csrf(html: str) -> str:
    return re.sub(r'name="_csrf_token" value="[0-9a-f]+"', "", html)


async def actions(action: str) -> list[dict[str, Any]]:
    return await AuditEntry.select().where(AuditEntry.action == action).run()


# --- password reset --------------------------------------------------------------------


async def test_reset_happy_path_then_sign_in_with_the_new_password(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    person_id = await add_person(intranet_app, "anna@example.org", language="da")
    async with other_client(intranet_app) as phone:  # a session that the reset must end
        assert (await sign_in(phone, "anna@example.org")).status_code == 303

        response = await ask_for_link(intranet_client, "Anna@Example.org ")
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        assert "a link for choosing a new password is on its way" in response.text

        [message] = mailbox.to("anna@example.org")
        assert message["Subject"] == "Vælg en ny adgangskode til Forbundets intranet"  # her language, not the page's
        assert "intranet@example.org" in message["From"]
        url, token = link_in(message)
        assert url == f"http://testserver.local/password-reset/{token}"
        assert len(token) >= 43  # 32 random bytes
        [row] = await PasswordResetToken.select().where(PasswordResetToken.person == person_id).run()
        assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
        assert token not in str(row)
        assert row["used_at"] is None

        form = await intranet_client.get(f"/password-reset/{token}", headers=HTML)
        assert form.status_code == 200
        assert form.headers["cache-control"] == "no-store"
        assert 'autocomplete="new-password"' in form.text

        done = await choose_password(intranet_client, token)
        assert done.status_code == 200
        assert "Your password has been changed" in done.text

        # Every session of hers ended; the old password no longer works, the new one does.
        assert (await phone.get("/account", headers=HTML)).status_code == 303
        assert await UserSession.count().where(UserSession.person == person_id).run() == 0
    assert (await sign_in(intranet_client, "anna@example.org", PASSWORD)).status_code == 400
    signed_in = await sign_in(intranet_client, "anna@example.org", NEW_PASSWORD)
    assert signed_in.status_code == 303
    assert (await intranet_client.get("/account", headers=HTML)).status_code == 200
    [entry] = await actions("auth.password_reset")
    assert entry["actor_id"] == person_id and entry["target_id"] == str(person_id)
    assert token not in str(await AuditEntry.select().run())


async def test_same_answer_for_unknown_and_inactive_addresses_and_no_mail(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await add_person(intranet_app, "known@example.org")
    gone = await add_person(intranet_app, "gone@example.org", name="Gone Person")
    await set_active(intranet_app.state.intranet, gone, False, actor_id=None)

    known = await ask_for_link(intranet_client, "known@example.org")
    unknown = await ask_for_link(intranet_client, "nobody@example.org")
    inactive = await ask_for_link(intranet_client, "gone@example.org")
    assert known.status_code == unknown.status_code == inactive.status_code == 200
    assert without_csrf(known.text) == without_csrf(unknown.text) == without_csrf(inactive.text)
    assert dict(known.headers).keys() == dict(unknown.headers).keys()
    assert [m["To"] for m in mailbox.messages] == ["known@example.org"]
    assert await PasswordResetToken.count().run() == 1


async def test_mail_in_english_for_an_english_reader(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await add_person(intranet_app, "john@example.org", name="John Smith", language="en")
    await intranet_client.get("/", headers={"accept-language": "da"})
    await ask_for_link(intranet_client, "john@example.org")
    [message] = mailbox.to("john@example.org")
    assert message["Subject"] == "Choose a new password for Forbundets intranet"
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "Hello John Smith," in text
    assert "within 60 minutes" in text


async def test_a_link_works_once(intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox) -> None:
    await add_person(intranet_app, "anna@example.org")
    await ask_for_link(intranet_client, "anna@example.org")
    _url, token = link_in(mailbox.messages[0])
    assert (await choose_password(intranet_client, token)).status_code == 200

    again = await choose_password(intranet_client, token, "yet another good passphrase")
    assert again.status_code == 400
    assert "This link no longer works" in again.text
    assert (await intranet_client.get(f"/password-reset/{token}", headers=HTML)).status_code == 400
    assert (await sign_in(intranet_client, "anna@example.org", NEW_PASSWORD)).status_code == 303


async def test_concurrent_uses_of_one_link_give_exactly_one_success(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await add_person(intranet_app, "anna@example.org")
    await ask_for_link(intranet_client, "anna@example.org")
    _url, token = link_in(mailbox.messages[0])
    csrf_token = await csrf(intranet_client)
    passwords = [f"concurrent passphrase number {i}" for i in range(10)]
    responses = await asyncio.gather(
        *(choose_password(intranet_client, token, p, csrf_token=csrf_token) for p in passwords)
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 9, statuses
    winner = passwords[[r.status_code for r in responses].index(200)]
    assert len(await actions("auth.password_reset")) == 1
    assert (await sign_in(intranet_client, "anna@example.org", winner)).status_code == 303


async def test_consuming_a_token_is_one_atomic_statement(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    from intranet_core.account.reset import consume_reset_token, create_reset_token

    anna = await add_person(intranet_app, "anna@example.org")
    token = await create_reset_token(anna, 60)
    results = await asyncio.gather(*(consume_reset_token(token) for _ in range(10)))
    assert sorted(results, key=str) == [anna] + [None] * 9


async def test_unknown_expired_and_malformed_links_get_one_generic_answer(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    person_id = await add_person(intranet_app, "anna@example.org")
    await ask_for_link(intranet_client, "anna@example.org")
    _url, token = link_in(mailbox.messages[0])
    await PasswordResetToken.update(
        {PasswordResetToken.expires_at: datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)}
    ).where(PasswordResetToken.person == person_id).run()

    expired_page = await intranet_client.get(f"/password-reset/{token}", headers=HTML)
    unknown_page = await intranet_client.get("/password-reset/not-a-real-token", headers=HTML)
    assert expired_page.status_code == unknown_page.status_code == 400
    assert without_csrf(expired_page.text) == without_csrf(unknown_page.text.replace("not-a-real-token", token))
    assert (await choose_password(intranet_client, token)).status_code == 400
    assert (await choose_password(intranet_client, "x" * 300)).status_code == 400
    assert (await sign_in(intranet_client, "anna@example.org", NEW_PASSWORD)).status_code == 400
    assert (await sign_in(intranet_client, "anna@example.org", PASSWORD)).status_code == 303


async def test_a_refused_password_keeps_the_link_usable(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await add_person(intranet_app, "anna@example.org", name="Anna Jensen")
    await ask_for_link(intranet_client, "anna@example.org")
    _url, token = link_in(mailbox.messages[0])
    for password, again, message in [
        ("short", None, "at least 8 characters"),
        (NEW_PASSWORD, NEW_PASSWORD + "!", "not the same"),
        ("password123", None, "too common"),
        ("anna@example.org", None, "not be your e-mail address or your name"),
    ]:
        refused = await choose_password(intranet_client, token, password, again)
        assert refused.status_code == 400, password
        assert message in refused.text
        assert 'name="password"' in refused.text
    assert (await choose_password(intranet_client, token)).status_code == 200


async def test_requests_for_links_are_throttled_per_address(
    intranet_app: Any, intranet_client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    await add_person(intranet_app, "anna@example.org")
    for _ in range(5):
        assert (await ask_for_link(intranet_client, "anna@example.org")).status_code == 200
    assert (await ask_for_link(intranet_client, "ANNA@example.org")).status_code == 429
    for _ in range(5):
        await ask_for_link(intranet_client, "nobody@example.org")
    # Throttled alike whether or not the address is anyone's.
    assert (await ask_for_link(intranet_client, "nobody@example.org")).status_code == 429
    assert len(mailbox.to("anna@example.org")) == 5
    assert (await ask_for_link(intranet_client, "other@example.org")).status_code == 200


async def test_reset_pages_need_a_csrf_token(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    await intranet_client.get("/password-reset", headers=HTML)
    refused = await intranet_client.post("/password-reset", data={"email": "anna@example.org"}, headers=HTML)
    assert refused.status_code == 403


# --- the account page -------------------------------------------------------------


async def test_account_page_shows_the_person_and_saves_the_language(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    person_id = await add_person(intranet_app, "anna@example.org", name="Anna <b>Jensen</b>")
    anonymous = await intranet_client.get("/account", headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/signin?next=/account"
    await sign_in(intranet_client, "anna@example.org")

    page = await intranet_client.get("/account", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert "Anna &lt;b&gt;Jensen&lt;/b&gt;" in page.text
    assert "anna@example.org" in page.text
    assert 'href="/account" aria-current="page"' in page.text

    token = csrf_from(page.text)
    saved = await intranet_client.post("/account/language", data={"language": "da", "_csrf_token": token},
                                       headers=HTML)
    assert saved.status_code == 303
    assert saved.headers["location"] == "/account?done=language"
    assert (await Person.select(Person.language).where(Person.id == person_id).first().run()) == {"language": "da"}
    # Her profile's language wins over the browser's.
    danish = await intranet_client.get("/account?done=language", headers=HTML)
    assert '<html lang="da">' in danish.text
    assert "Dit sprog er gemt." in danish.text

    await intranet_client.post("/account/language", data={"language": "xx", "_csrf_token": token})
    assert (await Person.select(Person.language).where(Person.id == person_id).first().run()) == {"language": "da"}
    await intranet_client.post("/account/language", data={"language": "", "_csrf_token": token})
    assert (await Person.select(Person.language).where(Person.id == person_id).first().run()) == {"language": None}


async def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    async with other_client(intranet_app) as laptop:
        await sign_in(laptop, "anna@example.org")
        token = await csrf(intranet_client, "/account")

        wrong = await intranet_client.post("/account/password", headers=HTML, data={
            "current_password": "not it", "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
            "_csrf_token": token})
        assert wrong.status_code == 400
        assert "Your current password is not right." in wrong.text
        short = await intranet_client.post("/account/password", headers=HTML, data={
            "current_password": PASSWORD, "password": "short", "password_again": "short", "_csrf_token": token})
        assert short.status_code == 400
        assert (await laptop.get("/account", headers=HTML)).status_code == 200

        changed = await intranet_client.post("/account/password", headers=HTML, data={
            "current_password": PASSWORD, "password": NEW_PASSWORD, "password_again": NEW_PASSWORD,
            "_csrf_token": token})
        assert changed.status_code == 303
        assert changed.headers["location"] == "/account?done=password"
        assert (await intranet_client.get("/account", headers=HTML)).status_code == 200  # this session stays
        assert (await laptop.get("/account", headers=HTML)).status_code == 303  # the other ended
        assert (await sign_in(laptop, "anna@example.org", NEW_PASSWORD)).status_code == 303
    assert len(await actions("auth.password_change")) == 1


# --- sessions ----------------------------------------------------------------------


async def test_sessions_are_listed_and_ended_one_by_one(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await add_person(intranet_app, "bo@example.org", name="Bo Hansen")
    async with other_client(intranet_app, IPHONE) as phone, other_client(intranet_app, FIREFOX) as laptop, \
            other_client(intranet_app) as bo:
        for client in (phone, laptop):
            assert (await sign_in(client, "anna@example.org")).status_code == 303
        await sign_in(bo, "bo@example.org")

        page = await phone.get("/account/sessions", headers=HTML)
        assert page.status_code == 200
        assert page.headers["cache-control"] == "no-store"
        assert "Safari on iOS" in page.text and "Firefox on Windows" in page.text
        assert page.text.count("This device") == 1
        assert page.text.index("Safari on iOS") < page.text.index("This device") < page.text.index("Firefox")
        assert "127.0.0.1" in page.text
        ids = re.findall(r'action="/account/sessions/([0-9a-f]{64})/end"', page.text)
        assert len(ids) == 1  # no button for this device; "sign out" is for that
        rows = await UserSession.select(UserSession.id, UserSession.user_agent).where(UserSession.person == anna).run()
        assert ids == [r["id"] for r in rows if r["user_agent"] == FIREFOX]

        # Someone else's session: not found, and it goes on working.
        bo_session = await UserSession.select(UserSession.id).where(UserSession.person != anna).first().run()
        assert bo_session is not None
        token = csrf_from(page.text)
        assert (await phone.post(f"/account/sessions/{bo_session['id']}/end", data={"_csrf_token": token},
                                 headers=HTML)).status_code == 404
        assert (await bo.get("/account", headers=HTML)).status_code == 200

        ended = await phone.post(f"/account/sessions/{ids[0]}/end", data={"_csrf_token": token}, headers=HTML)
        assert ended.status_code == 303
        assert ended.headers["location"] == "/account/sessions?done=session"
        assert (await laptop.get("/account", headers=HTML)).status_code == 303
        assert (await phone.get("/account", headers=HTML)).status_code == 200
        assert (await phone.post(f"/account/sessions/{ids[0]}/end", data={"_csrf_token": token},
                                 headers=HTML)).status_code == 404
        # Without a CSRF token nothing happens.
        assert (await phone.post("/account/sessions/end-others", headers=HTML)).status_code == 403


async def test_end_all_other_sessions(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    others = [other_client(intranet_app) for _ in range(2)]
    try:
        for client in others:
            await sign_in(client, "anna@example.org")
        assert await UserSession.count().where(UserSession.person == anna).run() == 3
        done = await intranet_client.post("/account/sessions/end-others",
                                          data={"_csrf_token": await csrf(intranet_client, "/account/sessions")})
        assert done.status_code == 303
        for client in others:
            assert (await client.get("/account", headers=HTML)).status_code == 303
        assert (await intranet_client.get("/account/sessions", headers=HTML)).status_code == 200
        assert await UserSession.count().where(UserSession.person == anna).run() == 1
    finally:
        for client in others:
            await client.aclose()


async def test_deactivation_ends_every_session(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    assert (await intranet_client.get("/account/sessions", headers=HTML)).status_code == 200
    await set_active(intranet_app.state.intranet, anna, False, actor_id=None)
    assert (await intranet_client.get("/account/sessions", headers=HTML)).status_code == 303
    assert await UserSession.count().where(UserSession.person == anna).run() == 0
    assert (await sign_in(intranet_client, "anna@example.org")).status_code == 400


async def test_account_pages_need_a_signed_in_person(intranet_client: httpx.AsyncClient) -> None:
    for path in ("/account", "/account/sessions", "/account/tokens"):
        response = await intranet_client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin?next=")
    token = await csrf(intranet_client)
    for path in ("/account/language", "/account/password", "/account/sessions/end-others", "/account/tokens",
                 f"/account/sessions/{'0' * 64}/end", "/account/tokens/1/revoke"):
        response = await intranet_client.post(path, data={"_csrf_token": token})
        assert response.status_code == 401, path


def test_devices_are_named_from_the_user_agent() -> None:
    from intranet_core.account.common import describe_device

    assert describe_device(IPHONE) == "Safari on iOS"
    assert describe_device(FIREFOX) == "Firefox on Windows"
    assert describe_device(
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0"
    ) == "Edge on macOS"
    assert describe_device(
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile "
        "Safari/537.36"
    ) == "Chrome on Android"
    assert describe_device("curl/8.5.0") == "curl"
    assert describe_device("") == "Unknown device"
