"""Personal API tokens: made once and shown once, stored hashed, used on ``/api/v1/me``."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import httpx

from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password
from intranet_core.auth.tables import ApiToken
from intranet_core.people.service import create_person, set_active
from intranet_core.people.tables import Person

HTML = {"accept": "text/html", "accept-language": "en"}
PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'id="new-token"[^>]* value="(itk_[A-Za-z0-9_-]+)"')


def csrf_from(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def add_person(app: Any, email: str, name: str = "Anna Jensen") -> int:
    person = await create_person(app.state.intranet, actor_id=None, fields={"email": email, "name": name},
                                 password_hash=hash_password(PASSWORD))
    return person.id


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    page = await client.get("/signin", headers=HTML)
    response = await client.post("/signin", data={"email": email, "password": PASSWORD, "next": "/",
                                                  "_csrf_token": csrf_from(page.text)})
    assert response.status_code == 303


async def make_token(client: httpx.AsyncClient, name: str = "My script", *, read_only: bool = False) -> str:
    page = await client.get("/account/tokens", headers=HTML)
    data = {"name": name, "_csrf_token": csrf_from(page.text)}
    if read_only:
        data["read_only"] = "1"
    response = await client.post("/account/tokens", data=data, headers=HTML)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    match = TOKEN.search(response.text)
    assert match, "the new token is not shown"
    return match.group(1)


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def revoke(client: httpx.AsyncClient, token_id: int) -> httpx.Response:
    page = await client.get("/account/tokens", headers=HTML)
    return await client.post(f"/account/tokens/{token_id}/revoke", data={"_csrf_token": csrf_from(page.text)},
                             headers=HTML)


async def test_a_token_is_shown_once_and_only_its_hash_is_stored(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    token = await make_token(intranet_client, "Calendar <sync>", read_only=True)
    assert token.startswith("itk_") and len(token) >= 4 + 43

    [row] = await ApiToken.select().where(ApiToken.person == anna).run()
    assert row["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert row["prefix"] == token[:12]
    assert row["name"] == "Calendar <sync>"
    assert row["read_only"] is True
    assert row["revoked_at"] is None and row["last_used_at"] is None
    assert all(token not in str(value) for value in row.values())
    assert token not in str(await AuditEntry.select().run())
    [entry] = await AuditEntry.select().where(AuditEntry.action == "auth.api_token_create").run()
    assert entry["actor_id"] == anna and entry["target_id"] == str(row["id"])

    listing = await intranet_client.get("/account/tokens", headers=HTML)
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "no-store"
    assert token not in listing.text
    assert f"{token[:12]}…" in listing.text
    assert "Calendar &lt;sync&gt;" in listing.text
    assert "Read only" in listing.text and "Never" in listing.text


async def test_a_bearer_token_works_on_the_api_until_revoked(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    token = await make_token(intranet_client)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=intranet_app),  # no cookies at all
                                 base_url="http://testserver.local") as api:
        me = await api.get("/api/v1/me", headers=bearer(token))
        assert me.status_code == 200
        assert me.headers["cache-control"] == "no-store"
        assert me.json() == {"id": anna, "email": "anna@example.org", "name": "Anna Jensen", "title": "",
                             "phone": "", "mobile": "", "language": None}
        [row] = await ApiToken.select(ApiToken.id, ApiToken.last_used_at).run()
        assert row["last_used_at"] is not None
        assert "Never" not in (await intranet_client.get("/account/tokens", headers=HTML)).text

        revoked = await revoke(intranet_client, row["id"])
        assert revoked.status_code == 303
        assert revoked.headers["location"] == "/account/tokens?done=revoked"
        refused = await api.get("/api/v1/me", headers=bearer(token))
        assert refused.status_code == 401
        assert refused.headers["content-type"].startswith("application/json")
        assert len(await AuditEntry.select().where(AuditEntry.action == "auth.api_token_revoke").run()) == 1
        assert "Revoked" in (await intranet_client.get("/account/tokens", headers=HTML)).text
        assert (await revoke(intranet_client, row["id"])).status_code == 303  # again: nothing changes


async def test_a_person_revokes_only_their_own_tokens(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    await add_person(intranet_app, "anna@example.org")
    await add_person(intranet_app, "bo@example.org", "Bo Hansen")
    await sign_in(intranet_client, "bo@example.org")
    bo_token = await make_token(intranet_client, "Bo's")
    bo_row = await ApiToken.select(ApiToken.id).first().run()
    assert bo_row is not None
    bo_token_id = bo_row["id"]
    intranet_client.cookies.clear()  # Bo leaves; Anna signs in on the same browser

    await sign_in(intranet_client, "anna@example.org")
    assert (await revoke(intranet_client, bo_token_id)).status_code == 404
    assert (await revoke(intranet_client, 999_999)).status_code == 404
    assert (await intranet_client.get("/api/v1/me", headers=bearer(bo_token))).json()["email"] == "bo@example.org"


async def test_read_only_tokens_may_read_but_not_write(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    reader = await make_token(intranet_client, "Reader", read_only=True)
    writer = await make_token(intranet_client, "Writer")

    assert (await intranet_client.get("/api/v1/me", headers=bearer(reader))).status_code == 200
    refused = await intranet_client.patch("/api/v1/me", json={"language": "en"}, headers=bearer(reader))
    assert refused.status_code == 403
    assert (await Person.select(Person.language).where(Person.id == anna).first().run()) == {"language": None}

    changed = await intranet_client.patch("/api/v1/me", json={"language": "en"}, headers=bearer(writer))
    assert changed.status_code == 200
    assert changed.json()["language"] == "en"
    assert (await Person.select(Person.language).where(Person.id == anna).first().run()) == {"language": "en"}
    cleared = await intranet_client.patch("/api/v1/me", json={"language": None}, headers=bearer(writer))
    assert cleared.json()["language"] is None

    # Only the language, and only a language the site has.
    for body in ({"language": "xx"}, {"language": "en", "email": "me@evil.example"}, {"name": "Someone"}, {}):
        response = await intranet_client.patch("/api/v1/me", json=body, headers=bearer(writer))
        assert response.status_code == 400, body
    assert (await Person.select(Person.email).where(Person.id == anna).first().run()) == {
        "email": "anna@example.org"}


async def test_the_api_takes_no_session_cookie_and_no_bad_token(
    intranet_app: Any, intranet_client: httpx.AsyncClient
) -> None:
    anna = await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    assert (await intranet_client.get("/account", headers=HTML)).status_code == 200  # the cookie works on pages
    assert (await intranet_client.get("/api/v1/me")).status_code == 401  # ...but not on the API
    assert (await intranet_client.patch("/api/v1/me", json={"language": "da"})).status_code == 401
    for header in ("Bearer itk_not-a-real-token", "Bearer ", "Basic YW5uYTpwdw==", "itk_x"):
        response = await intranet_client.get("/api/v1/me", headers={"authorization": header})
        assert response.status_code == 401, header

    token = await make_token(intranet_client)
    assert (await intranet_client.get("/api/v1/me", headers=bearer(token))).status_code == 200
    await set_active(intranet_app.state.intranet, anna, False, actor_id=None)
    assert (await intranet_client.get("/api/v1/me", headers=bearer(token))).status_code == 401


async def test_token_names_are_required_and_bounded(intranet_app: Any, intranet_client: httpx.AsyncClient) -> None:
    await add_person(intranet_app, "anna@example.org")
    await sign_in(intranet_client, "anna@example.org")
    page = await intranet_client.get("/account/tokens", headers=HTML)
    for name in ("", "   ", "x" * 101):
        response = await intranet_client.post("/account/tokens", data={"name": name,
                                                                        "_csrf_token": csrf_from(page.text)},
                                              headers=HTML)
        assert response.status_code == 400, name
        assert "Give the token a name" in response.text
    assert await ApiToken.count().run() == 0
    refused = await intranet_client.post("/account/tokens", data={"name": "No CSRF"}, headers=HTML)
    assert refused.status_code == 403
    assert await ApiToken.count().run() == 0


async def test_the_api_is_documented(intranet_client: httpx.AsyncClient) -> None:
    schema = (await intranet_client.get("/schema/openapi.json")).json()
    me = schema["paths"]["/api/v1/me"]
    assert me["get"]["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Me"}
    assert {"401"} <= me["get"]["responses"].keys()
    assert {"400", "401", "403"} <= me["patch"]["responses"].keys()
    assert set(schema["components"]["schemas"]["Me"]["properties"]) == {
        "id", "email", "name", "title", "phone", "mobile", "language"}
    assert not any(path.startswith("/account") or path.startswith("/password-reset") for path in schema["paths"])
