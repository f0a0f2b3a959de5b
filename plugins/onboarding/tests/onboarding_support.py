"""A small organisation for the onboarding tests: a district with a manager, HR, and people to sign in as."""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import AsyncIterator, Sequence
from typing import Any, Literal

import httpx
from intranet_onboarding import service
from intranet_onboarding.models import StepSpec, TemplateSpec
from litestar import Litestar

from intranet_core.auth.passwords import hash_password
from intranet_core.people.service import add_membership, create_person, create_unit
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import TEST_PASSWORD, client_for, csrf_token_of, http_client

HTML = {"accept": "text/html"}
PASSWORD_HASH = hash_password(TEST_PASSWORD)


class Org:
    def __init__(self, app: Litestar, stack: contextlib.AsyncExitStack) -> None:
        self.app = app
        self.intranet = app.state.intranet
        self.stack = stack
        self.people: dict[str, int] = {}
        self.units: dict[str, int] = {}

    async def person(self, key: str, *, unit: str | None = None, start: datetime.date | None = None,
                     manager: bool = False, title: str = "") -> int:
        fields: dict[str, Any] = {"email": f"{key}@example.org", "name": key.capitalize(), "title": title}
        if start is not None:
            fields["start_date"] = start
        unit_id = self.units[unit] if unit and not manager else None
        person = await create_person(self.intranet, actor_id=None, fields=fields, password_hash=PASSWORD_HASH,
                                     unit_id=unit_id)
        if manager and unit:
            await add_membership(self.intranet, person.id, self.units[unit], is_manager=True, is_primary=True,
                                 actor_id=None)
        self.people[key] = person.id
        return person.id

    async def grant(self, key: str, role: str, unit: str | None = None) -> None:
        row = await Role.select(Role.id).where(Role.name == role).first().run()
        assert row is not None, role
        await RoleAssignment.insert(RoleAssignment(person=self.people[key], role=row["id"],
                                                   unit=self.units[unit] if unit else None)).run()

    async def client(self, key: str) -> httpx.AsyncClient:
        client = await self.stack.enter_async_context(http_client(self.app))
        page = await client.get("/signin")
        answer = await client.post("/signin", data={"email": f"{key}@example.org", "password": TEST_PASSWORD,
                                                    "_csrf_token": csrf_token_of(page.text)})
        assert answer.status_code == 303, answer.text
        return client


async def form_post(client: httpx.AsyncClient, path: str, data: dict[str, Any], page: str = "/onboarding") -> Any:
    token = csrf_token_of((await client.get(page, headers=HTML)).text)
    return await client.post(path, data={**data, "_csrf_token": token}, headers=HTML)


@contextlib.asynccontextmanager
async def organisation(app: Litestar) -> AsyncIterator[Org]:
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(client_for(app))  # start-up hooks, database connected
        org = Org(app, stack)
        root = await create_unit(org.intranet, name="Org", kind="organisation", parent_id=None, actor_id=None)
        org.units["root"] = root
        org.units["north"] = await create_unit(org.intranet, name="North", kind="district", parent_id=root,
                                               actor_id=None)
        org.units["south"] = await create_unit(org.intranet, name="South", kind="district", parent_id=root,
                                               actor_id=None)
        await org.person("hr")
        await org.grant("hr", "hr")
        await org.person("boss", unit="north", manager=True)
        await org.person("southboss", unit="south", manager=True)
        await org.person("buddy", unit="north")
        yield org


def steps(questionnaire: int | None = None) -> list[StepSpec]:
    result = [
        StepSpec(title="Prepare the desk", assignee="manager", offset_days=-7),
        StepSpec(title="Laptop", assignee="it", offset_days=-1),
        StepSpec(title="Sign the contract", kind="document", assignee="new_hire", offset_days=0),
        StepSpec(title="Read the handbook", kind="read", link="/", assignee="new_hire", offset_days=2,
                 text="**Important**: the *handbook*."),
        StepSpec(title="Follow-up talk", kind="meeting", assignee="manager", offset_days=30),
    ]
    if questionnaire is not None:
        result.append(StepSpec(title="First week", kind="questionnaire", questionnaire=questionnaire,
                               assignee="new_hire", offset_days=5))
    return result


async def template(org: Org, *, units: Sequence[str] = (), titles: Sequence[str] = (),
                   kind: Literal["onboarding", "offboarding"] = "onboarding", questionnaire: int | None = None,
                   name: str = "District staff") -> int:
    spec = TemplateSpec(name=name, kind=kind, units=[org.units[u] for u in units], job_titles=list(titles),
                        steps=steps(questionnaire))
    return await service.create_template(org.intranet, spec, actor_id=org.people["hr"])
