"""The people, units and groups the workgroups tests share, and signed-in clients for them."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from intranet_workgroups.groups import service
from litestar import Litestar

from intranet_core.auth.passwords import hash_password_async
from intranet_core.people.service import create_person, create_unit
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import TEST_PASSWORD, csrf_token_of, http_client, log_in

HTML = {"accept": "text/html", "accept-language": "en"}


async def form_post(client: httpx.AsyncClient, path: str, data: dict[str, Any] | None = None) -> httpx.Response:
    """A form sent by a signed-in person, with the CSRF token of a page."""
    token = csrf_token_of((await client.get("/account", headers=HTML)).text)
    return await client.post(path, headers=HTML, data={**(data or {}), "_csrf_token": token})


async def give_role(person_id: int, role: str, unit_id: int | None = None) -> None:
    row = await Role.select(Role.id).where(Role.name == role).first().run()
    assert row is not None, role
    await RoleAssignment.insert(RoleAssignment(person=person_id, role=row["id"], unit=unit_id)).run()


@dataclass
class Org:
    """A union with two districts (A with a team A1, and B), its people and their signed-in clients.

    People: ``alice`` (district A), ``bob`` (team A1, under A), ``carol``
    (district B), ``dave`` (no unit), ``erin`` (district B), ``frank``
    (district B), ``sam`` (site administrator, no unit).
    """

    app: Litestar
    intranet: Any
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    stack: contextlib.AsyncExitStack | None = None

    async def client(self, name: str) -> httpx.AsyncClient:
        """A browser signed in as ``name`` (``anonymous``: nobody)."""
        if name not in self.clients:
            assert self.stack is not None
            client = await self.stack.enter_async_context(http_client(self.app))
            if name != "anonymous":
                await log_in(client, f"{name}@example.org")
            self.clients[name] = client
        return self.clients[name]

    async def group(self, name: str, *, by: str = "alice", kind: str = "topic", visibility: str = "open",
                    unit: str | None = None) -> int:
        return await service.create_group(
            self.intranet, actor_id=self.people[by], name=name, description=f"About {name}", kind=kind,
            visibility=visibility, unit_id=self.units[unit] if unit else None,
        )

    async def add(self, group_id: int, name: str, role: str = "member") -> None:
        await service.add_member(self.intranet, group_id, f"{name}@example.org", actor_id=self.people["sam"],
                                 role=role)


HOMES = {"alice": "A", "bob": "A1", "carol": "B", "dave": None, "erin": "B", "frank": "B", "sam": None}


async def build_org(app: Litestar, stack: contextlib.AsyncExitStack) -> Org:
    intranet = app.state.intranet
    org = Org(app=app, intranet=intranet, stack=stack)
    union = await create_unit(intranet, name="Union", kind="organisation", parent_id=None, actor_id=None)
    org.units["union"] = union
    org.units["A"] = await create_unit(intranet, name="District A", kind="district", parent_id=union, actor_id=None)
    org.units["A1"] = await create_unit(intranet, name="Team A1", kind="team", parent_id=org.units["A"],
                                        actor_id=None)
    org.units["B"] = await create_unit(intranet, name="District B", kind="district", parent_id=union, actor_id=None)
    password = await hash_password_async(TEST_PASSWORD)
    for name, home in HOMES.items():
        person = await create_person(
            intranet, actor_id=None, password_hash=password, unit_id=org.units[home] if home else None,
            fields={"email": f"{name}@example.org", "name": name.title()},
        )
        org.people[name] = person.id
    await give_role(org.people["sam"], "admin")
    return org


@contextlib.asynccontextmanager
async def organisation(app: Litestar) -> AsyncIterator[Org]:
    """The org on a started app (start-up hooks run, as in ``client_for``)."""
    from intranet_core.testing import client_for

    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(client_for(app))
        yield await build_org(app, stack)


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    """A real, tiny PNG image."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xff\x80\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


async def upload_post(client: httpx.AsyncClient, path: str, files: dict[str, tuple[str, bytes, str]],
                      data: dict[str, Any] | None = None) -> httpx.Response:
    """A multipart form with files, sent by a signed-in person with the CSRF token of a page."""
    token = csrf_token_of((await client.get("/account", headers=HTML)).text)
    return await client.post(path, headers=HTML, data={**(data or {}), "_csrf_token": token}, files=files)
