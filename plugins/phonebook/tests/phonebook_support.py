"""A small organisation for the phonebook's tests, and helpers to act as its people."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from litestar import Litestar

from intranet_core.auth.passwords import hash_password
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import add_membership, create_person, create_unit
from intranet_core.testing import TEST_PASSWORD, client_for, sign_in

EN = {"accept": "text/html", "accept-language": "en"}
DA = {"accept": "text/html", "accept-language": "da"}


@dataclass
class Org:
    app: Litestar
    units: dict[str, int] = field(default_factory=dict)
    people: dict[str, PersonInfo] = field(default_factory=dict)

    @property
    def intranet(self) -> Any:
        return self.app.state.intranet

    def id(self, key: str) -> int:
        return self.people[key].id


# key, name, title, phone, mobile, unit, manager
PEOPLE = (
    ("head", "Hanne Høj", "Regionsformand", "+45 86 12 50 00", "+45 20 11 22 33", "district", True),
    ("lead", "Lars Lund", "Teamleder", "86 12 50 01", "", "team", True),
    ("soeren", "Søren Ågård", "Faglig konsulent", "+45 86 12 50 02", "+45 21 12 34 56", "team", False),
    ("bo", "Bo Bech", "Jurist", "+45 86 12 50 03", "", "team", False),
    ("camilla", "Camilla Aagaard", "Sekretær", "+45 66 12 40 00", "+45 30 98 76 54", "fyn", False),
    ("admin", "Ada Admin", "Systemadministrator", "+45 33 14 50 60", "", "it", False),
    ("anne", "Anne-Mette Ærø", "IT-supporter", "+45 33 14 50 61", "+45 40 55 66 77", "it", False),
)


async def build_org(app: Litestar) -> Org:
    """Forbundet: Østjylland (with the team Rådgivning Østjylland), Fyn, and IT at the head office."""
    intranet = app.state.intranet
    org = Org(app)
    root = await create_unit(intranet, name="Forbundet", kind="organisation", parent_id=None, actor_id=None)
    org.units["root"] = root
    org.units["district"] = await create_unit(intranet, name="Østjylland", kind="district", parent_id=root,
                                              actor_id=None)
    org.units["team"] = await create_unit(intranet, name="Rådgivning Østjylland", kind="team",
                                          parent_id=org.units["district"], actor_id=None)
    org.units["fyn"] = await create_unit(intranet, name="Fyn", kind="district", parent_id=root, actor_id=None)
    org.units["it"] = await create_unit(intranet, name="IT", kind="department", parent_id=root, actor_id=None)
    password_hash = hash_password(TEST_PASSWORD)
    for key, name, title, phone, mobile, unit, manager in PEOPLE:
        email = f"{key}@example.org"
        person = await create_person(intranet, actor_id=None, password_hash=password_hash, fields={
            "email": email, "name": name, "title": title, "phone": phone, "mobile": mobile,
        })
        await add_membership(intranet, person.id, org.units[unit], title=title, is_manager=manager,
                             is_primary=True, actor_id=None)
        org.people[key] = person
    return org


@contextlib.asynccontextmanager
async def signed_in(org: Org, key: str, roles: tuple[tuple[str, int | None], ...] = ()) -> AsyncIterator[
        httpx.AsyncClient]:
    async with client_for(org.app) as client:
        await sign_in(client, org.app, f"{key}@example.org", roles=roles)
        yield client
