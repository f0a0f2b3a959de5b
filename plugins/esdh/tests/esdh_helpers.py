"""A small organisation with people signed in on clients of their own, for the page tests."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar

from intranet_core.auth.passwords import hash_password
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import create_person, create_unit
from intranet_core.testing import TEST_PASSWORD, csrf_token_of, http_client, sign_in

HTML = {"accept": "text/html", "accept-language": "en"}
_HASH = hash_password(TEST_PASSWORD)


@dataclass
class Org:
    app: Litestar
    stack: contextlib.AsyncExitStack
    head: int = 0
    aarhus: int = 0
    aarhus_team: int = 0
    odense: int = 0
    people: dict[str, PersonInfo] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def intranet(self) -> Any:
        return self.app.state.intranet

    async def person(self, key: str, unit: int | None, roles: tuple[tuple[str, int | None], ...] = ()) -> PersonInfo:
        email = f"{key}@example.org"
        await create_person(self.intranet, actor_id=None, fields={"email": email, "name": key.title() + " Jensen"},
                            password_hash=_HASH, unit_id=unit)
        client = await self.stack.enter_async_context(http_client(self.app))
        person = await sign_in(client, self.app, email, roles=roles)
        self.people[key] = person
        self.clients[key] = client
        self.tokens[key] = csrf_token_of((await client.get("/account", headers=HTML)).text)
        return person

    async def get(self, key: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.clients[key].get(path, headers=HTML, **kwargs)

    async def post(self, key: str, path: str, data: dict[str, Any] | list[tuple[str, str]] | None = None,
                   ) -> httpx.Response:
        if isinstance(data, list):
            body: dict[str, Any] = {"_csrf_token": self.tokens[key]}
            for name, value in data:
                body.setdefault(name, []).append(value) if name in body and isinstance(body[name], list) \
                    else body.__setitem__(name, [value])
        else:
            body = {**(data or {}), "_csrf_token": self.tokens[key]}
        return await self.clients[key].post(path, data=body, headers=HTML)


async def organisation(app: Litestar, stack: contextlib.AsyncExitStack) -> Org:
    """Head office with the Aarhus district (and a team in it) and the Odense district.

    ``admin`` (administrator), ``editor`` (editor for Aarhus), ``member`` (Aarhus team),
    ``odense`` (Odense) are signed in.
    """
    org = Org(app, stack)
    intranet = org.intranet
    org.head = await create_unit(intranet, name="Hovedkontoret", kind="organisation", parent_id=None, actor_id=None)
    org.aarhus = await create_unit(intranet, name="Aarhus", kind="district", parent_id=org.head, actor_id=None)
    org.aarhus_team = await create_unit(intranet, name="Aarhus team", kind="team", parent_id=org.aarhus,
                                        actor_id=None)
    org.odense = await create_unit(intranet, name="Odense", kind="district", parent_id=org.head, actor_id=None)
    await org.person("admin", org.head, roles=(("admin", None),))
    await org.person("editor", org.aarhus, roles=(("editor", org.aarhus),))
    await org.person("member", org.aarhus_team)
    await org.person("odense", org.odense)
    return org


def texts(html: str, pattern: str) -> list[str]:
    return re.findall(pattern, html)
