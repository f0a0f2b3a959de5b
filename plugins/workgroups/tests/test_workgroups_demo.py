"""The demo, tried as a new user would, with the demo accounts."""

from __future__ import annotations

import contextlib
import datetime
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from intranet_workgroups.groups import service
from intranet_workgroups.groups.tables import Group
from intranet_workgroups.pages.tables import Page
from litestar import Litestar
from workgroups_support import HTML, form_post

from intranet_core.demo import load_demo
from intranet_core.people.service import add_membership, remove_membership
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.testing import client_for, http_client, log_in

DEMO_PASSWORD = "intranet-demo"  # noqa: S105 - the published password of the demo accounts


@pytest.fixture
async def demo_app(intranet_app: Litestar) -> Litestar:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        intranet_app.state.demo_lines = await load_demo(intranet)
    finally:
        await intranet.db.close()
    return intranet_app


@contextlib.asynccontextmanager
async def signed_in(app: Litestar, email: str) -> AsyncIterator[httpx.AsyncClient]:
    async with http_client(app) as client:
        await log_in(client, email, DEMO_PASSWORD)
        yield client


async def group_named(name: str) -> int:
    row = await Group.select(Group.id).where(Group.name == name).first().run()
    assert row is not None, name
    return int(row["id"])


async def test_demo_groups(demo_app: Litestar) -> None:
    async with client_for(demo_app):
        districts = await Unit.count().where(Unit.kind == "district").run()
        assert await Group.count().where(Group.kind == "local").run() == districts == 10
        gdpr = await group_named("GDPR")
        breach = await Page.select(Page.title, Page.body).where(Page.workgroup == gdpr).first().run()
        assert "Brud på persondatasikkerheden" in breach["title"] and "72 timer" in breach["body"]
        # GDPR has members from every district (the district or one of its teams).
        members = await service.member_ids([gdpr])
        for district in await Unit.select(Unit.id, Unit.path).where(Unit.kind == "district").run():
            people = await Membership.select(Membership.person).where(
                Membership.unit.path.like(f"{district['path']}%")
            ).run()
            assert members & {p["person"] for p in people}, district
        year = datetime.datetime.now(datetime.UTC).year
        for group_id in [g["id"] for g in await Group.select(Group.id).where(Group.kind == "local").run()]:
            titles = {p["title"] for p in await Page.select(Page.title).where(Page.workgroup == group_id).run()}
            assert titles == {f"Ferieplan {year}", "Kontaktliste"}
        assert any("Workgroups" in line for line in demo_app.state.demo_lines)


async def test_done_as_the_issue_says(demo_app: Litestar) -> None:
    async with client_for(demo_app):
        intranet = demo_app.state.intranet
        district = await group_named("Østjylland")
        board = await group_named("Bestyrelsen Østjylland")
        gdpr = await group_named("GDPR")
        year = datetime.datetime.now(datetime.UTC).year
        async with signed_in(demo_app, "member@example.org") as member, \
                signed_in(demo_app, "editor@example.org") as colleague, \
                signed_in(demo_app, "member2@example.org") as member2:
            # member@ opens the district group and reads the holiday plan.
            page = await member.get(f"/groups/{district}", headers=HTML)
            assert page.status_code == 200
            plan = re.search(rf'href="(/groups/{district}/pages/\d+)">Ferieplan {year}<', page.text)
            assert plan is not None
            assert "Sommerferien" in (await member.get(plan.group(1), headers=HTML)).text
            # ... posts a question that colleagues in the district see in their feed.
            answer = await form_post(member, f"/groups/{district}/posts",
                                     {"title": "Kopimaskinen", "body": "Hvem kan skifte toner?"})
            assert answer.status_code == 303
            post_id = answer.headers["location"].rsplit("-", 1)[1]
            assert f'id="post-{post_id}"' in (await colleague.get("/", headers=HTML)).text
            assert f'id="post-{post_id}"' not in (await member2.get("/", headers=HTML)).text

            # member2@ cannot find the district's secret board by list, search or URL.
            assert f'href="/groups/{board}"' not in (await member2.get("/groups", headers=HTML)).text
            assert f'href="/groups/{board}"' not in (await member2.get("/groups?q=Bestyrelsen", headers=HTML)).text
            assert f"/groups/{board}" not in (await member2.get("/search?q=Bestyrelsen", headers=HTML)).text
            assert (await member2.get(f"/groups/{board}", headers=HTML)).status_code == 404
            assert (await member2.get(f"/groups/{board}/members", headers=HTML)).status_code == 404
            assert (await member.get(f"/groups/{board}", headers=HTML)).status_code == 200

            # member2@ joins GDPR and finds the data-breach page through site search.
            assert (await form_post(member2, f"/groups/{gdpr}/join")).status_code == 303
            found = await member2.get("/search?q=brud", headers=HTML)
            assert re.search(rf"/groups/{gdpr}/pages/\d+", found.text)

        # An admin moves member@ to another district: the local group follows.
        member_id = (await Person.select(Person.id).where(Person.email == "member@example.org").first().run())["id"]
        admin_id = (await Person.select(Person.id).where(Person.email == "admin@example.org").first().run())["id"]
        fyn = await Unit.select(Unit.id).where(Unit.name == "Fyn").first().run()
        membership = await Membership.select(Membership.id).where(
            (Membership.person == member_id) & (Membership.is_primary == True)  # noqa: E712 - SQL
        ).first().run()
        await remove_membership(intranet, member_id, membership["id"], actor_id=admin_id)
        await add_membership(intranet, member_id, fyn["id"], actor_id=admin_id, is_primary=True)
        assert not await service.is_member(district, member_id)
        assert await service.is_member(await group_named("Fyn"), member_id)
        async with signed_in(demo_app, "member@example.org") as member:
            mine = (await member.get("/groups", headers=HTML)).text
            assert f'href="/groups/{await group_named("Fyn")}"' in mine
            assert (await member.get(f"/groups/{district}/members", headers=HTML)).status_code == 404
