"""Roles and permissions: "may this person do this here", on both databases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from litestar import Litestar

from intranet_core import request_memo
from intranet_core.contributions import Permission
from intranet_core.people import service as people
from intranet_core.people.tables import Unit
from intranet_core.permissions.service import (
    ADMIN_ROLE,
    ALL,
    PermissionDenied,
    branch_units,
    branch_where,
    grant,
    may,
    may_anywhere,
    revoke,
    role_permissions,
    sync_roles,
    units_where,
)
from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission


@dataclass
class Org:
    """Head office with two districts; district north has two teams, one with a sub-team."""

    head_office: int
    north: int
    north_team: int
    north_subteam: int
    north_other_team: int
    south: int
    south_team: int


async def make_role(name: str, *permissions: str) -> int:
    rows = await Role.insert(Role(name=name, label=name.title(), builtin=False)).returning(Role.id).run()
    role_id = int(rows[0]["id"])
    for permission in permissions:
        await RolePermission.insert(RolePermission(role=role_id, permission=permission)).run()
    return role_id


async def role_id(name: str) -> int:
    row = await Role.select(Role.id).where(Role.name == name).first().run()
    assert row is not None, name
    return int(row["id"])


async def assign(person_id: int, role: int, unit_id: int | None = None) -> int:
    rows = await RoleAssignment.insert(RoleAssignment(person=person_id, role=role, unit=unit_id)).returning(
        RoleAssignment.id
    ).run()
    return int(rows[0]["id"])


async def assignment_id(person_id: int, role: int, unit_id: int | None) -> int:
    where = (RoleAssignment.person == person_id) & (RoleAssignment.role == role)
    where &= RoleAssignment.unit.is_null() if unit_id is None else RoleAssignment.unit == unit_id
    row = await RoleAssignment.select(RoleAssignment.id).where(where).first().run()
    assert row is not None
    return int(row["id"])


@pytest.fixture
async def intranet(intranet_app: Litestar, intranet_client: Any) -> Any:
    # The client starts the app, which connects the database.
    return intranet_app.state.intranet


@pytest.fixture
async def org(intranet: Any) -> Org:
    async def unit(name: str, kind: str, parent: int | None) -> int:
        return await people.create_unit(intranet, name=name, kind=kind, parent_id=parent, actor_id=None)

    head = await unit("Head office", "organisation", None)
    north = await unit("District North", "district", head)
    north_team = await unit("North: members", "team", north)
    north_subteam = await unit("North: members, Aalborg", "team", north_team)
    north_other = await unit("North: bargaining", "team", north)
    south = await unit("District South", "district", head)
    south_team = await unit("South: members", "team", south)
    return Org(head, north, north_team, north_subteam, north_other, south, south_team)


@pytest.fixture
async def person(intranet: Any) -> Any:
    counter = iter(range(1, 1000))

    async def make(name: str = "") -> int:
        number = next(counter)
        created = await people.create_person(
            intranet, actor_id=None, fields={"email": f"p{number}@example.org", "name": name or f"Person {number}"}
        )
        return created.id

    return make


# --- may / may_anywhere / units_where ------------------------------------------


async def test_nobody_and_no_role_may_nothing(org: Org, person: Any) -> None:
    alice = await person()
    assert not await may(None, "feed.publish")
    assert not await may(None, "feed.publish", org.north)
    assert not await may(alice, "feed.publish")
    assert not await may(alice, "feed.publish", org.north)
    assert not await may_anywhere(alice, "feed.publish")
    assert not await may_anywhere(None, "feed.publish")
    assert await units_where(alice, "feed.publish") == []


async def test_a_global_role_holds_everywhere(org: Org, person: Any) -> None:
    alice = await person()
    await assign(alice, await make_role("communicator", "feed.publish"))
    assert await may(alice, "feed.publish")
    for unit in (org.head_office, org.north, org.north_subteam, org.south_team):
        assert await may(alice, "feed.publish", unit)
    assert await may_anywhere(alice, "feed.publish")
    assert await units_where(alice, "feed.publish") is None
    # Only what the role holds.
    assert not await may(alice, "people.manage")
    assert not await may(alice, "people.manage", org.north)
    assert not await may_anywhere(alice, "people.manage")


async def test_a_unit_role_covers_its_branch_only(org: Org, person: Any) -> None:
    bo = await person()
    await assign(bo, await make_role("district editor", "feed.publish"), org.north)

    # The district and every unit below it, however deep.
    for unit in (org.north, org.north_team, org.north_subteam, org.north_other_team):
        assert await may(bo, "feed.publish", unit), unit
    # Not its parent, not a sibling district, not a sibling's children.
    for unit in (org.head_office, org.south, org.south_team):
        assert not await may(bo, "feed.publish", unit), unit
    # A unit role is no global holding.
    assert not await may(bo, "feed.publish")
    assert not await may(bo, "feed.publish", None)
    assert await may_anywhere(bo, "feed.publish")
    assert await units_where(bo, "feed.publish") == [org.north]
    # A unit that does not exist is nowhere.
    assert not await may(bo, "feed.publish", 999_999)


async def test_a_team_role_does_not_reach_up_or_sideways(org: Org, person: Any) -> None:
    cy = await person()
    await assign(cy, await make_role("team lead", "feed.publish"), org.north_team)
    assert await may(cy, "feed.publish", org.north_team)
    assert await may(cy, "feed.publish", org.north_subteam)
    assert not await may(cy, "feed.publish", org.north)
    assert not await may(cy, "feed.publish", org.north_other_team)
    assert not await may(cy, "feed.publish", org.head_office)


async def test_units_where_lists_each_unit_once(org: Org, person: Any) -> None:
    dee = await person()
    editor = await make_role("editor here", "feed.publish")
    both = await make_role("editor and more", "feed.publish", "feed.pin")
    await assign(dee, editor, org.north_team)
    await assign(dee, both, org.north_team)
    await assign(dee, editor, org.south)
    assert await units_where(dee, "feed.publish") == sorted([org.north_team, org.south])
    assert await units_where(dee, "feed.pin") == [org.north_team]
    assert await units_where(dee, "people.manage") == []
    # A global holding on top makes it everywhere.
    await assign(dee, editor)
    assert await units_where(dee, "feed.publish") is None
    assert await units_where(dee, "feed.pin") == [org.north_team]


async def test_branch_units_are_the_units_and_everything_below(intranet: Any, org: Org, person: Any) -> None:
    def ids(rows: list[dict[str, Any]]) -> set[int]:
        return {int(row["id"]) for row in rows}

    every = await branch_units(None)
    assert len(every) >= 7
    assert {"id", "name", "path"} <= set(every[0])
    assert [row["path"] for row in every] == sorted(row["path"] for row in every)
    assert await branch_units([]) == []
    assert ids(await branch_units([org.north])) == {org.north, org.north_team, org.north_subteam,
                                                   org.north_other_team}
    assert ids(await branch_units([org.north_team, org.south_team])) == {org.north_team, org.north_subteam,
                                                                       org.south_team}
    assert ids(await branch_units([org.north_subteam])) == {org.north_subteam}
    # The person's holdings, turned into units: what a form offers them.
    dee = await person()
    await assign(dee, await make_role("south editor", "feed.publish"), org.south)
    assert ids(await branch_units(await units_where(dee, "feed.publish"))) == {org.south, org.south_team}
    # As a condition on another query; nothing for no units.
    rows = await Unit.select(Unit.id).where(branch_where([org.south])).run()
    assert ids(rows) == {org.south, org.south_team}
    assert await Unit.select(Unit.id).where(branch_where([])).run() == []
    # Only whole path segments count: with a dozen more units some id is written inside another
    # ("/1/" in "/11/"), and each unit's branch is still exactly the units with it in their path.
    for number in range(12):
        await people.create_unit(intranet, name=f"South {number}", kind="team", parent_id=org.south_team,
                                 actor_id=None)
    every = await branch_units(None)
    for unit in every:
        below = {int(row["id"]) for row in every if str(unit["id"]) in row["path"].strip("/").split("/")}
        assert ids(await branch_units([int(unit["id"])])) == below


async def test_the_admin_role_holds_every_permission(org: Org, person: Any) -> None:
    root = await person()
    assert await role_permissions(await role_id(ADMIN_ROLE)) == {ALL}
    await assign(root, await role_id(ADMIN_ROLE))
    for permission in ("people.manage", "audit.view", "something.no_plugin_declared", ALL):
        assert await may(root, permission)
        assert await may(root, permission, org.south_team)
        assert await may_anywhere(root, permission)
        assert await units_where(root, permission) is None


async def test_an_admin_for_a_district_holds_everything_there_only(org: Org, person: Any) -> None:
    local = await person()
    await assign(local, await role_id(ADMIN_ROLE), org.north)
    assert await may(local, "people.manage", org.north_subteam)
    assert not await may(local, "people.manage", org.south)
    assert not await may(local, "people.manage")
    assert await units_where(local, "anything.at_all") == [org.north]


# --- grant and revoke ---------------------------------------------------------------


async def test_grant_refuses_what_the_actor_does_not_hold(org: Org, person: Any) -> None:
    actor, target = await person(), await person()
    publisher = await make_role("publisher", "feed.publish")
    publisher_plus = await make_role("publisher plus", "feed.publish", "people.manage")
    await assign(actor, publisher, org.north)

    # Held there: allowed, in the unit and below.
    await grant(actor, target, publisher, org.north)
    await grant(actor, target, publisher, org.north_subteam)
    assert await may(target, "feed.publish", org.north_subteam)

    # A permission the actor lacks, a place outside their branch, or everywhere: refused.
    with pytest.raises(PermissionDenied):
        await grant(actor, target, publisher_plus, org.north)
    with pytest.raises(PermissionDenied):
        await grant(actor, target, publisher, org.south)
    with pytest.raises(PermissionDenied):
        await grant(actor, target, publisher, org.head_office)
    with pytest.raises(PermissionDenied):
        await grant(actor, target, publisher, None)
    # Not even to themselves.
    with pytest.raises(PermissionDenied):
        await grant(actor, actor, publisher_plus, org.north)
    assert not await may(actor, "people.manage", org.north)
    assert not await may(target, "people.manage", org.north)
    assert not await may(target, "feed.publish", org.south)
    assert await RoleAssignment.count().where(RoleAssignment.person == target).run() == 2


async def test_only_a_global_admin_grants_the_admin_role_everywhere(org: Org, person: Any) -> None:
    root, local, manager, target = await person(), await person(), await person(), await person()
    admin = await role_id(ADMIN_ROLE)
    await assign(root, admin)
    await assign(local, admin, org.north)
    # Holding many permissions is not holding "*".
    everything_named = await make_role("many", "people.manage", "roles.manage", "audit.view", "site.admin")
    await assign(manager, everything_named)

    with pytest.raises(PermissionDenied):
        await grant(manager, target, admin, None)
    with pytest.raises(PermissionDenied):
        await grant(manager, target, admin, org.north)
    with pytest.raises(PermissionDenied):
        await grant(local, target, admin, None)
    with pytest.raises(PermissionDenied):
        await grant(local, target, admin, org.south)
    await grant(local, target, admin, org.north_team)  # inside their own branch
    assert await units_where(target, "anything") == [org.north_team]

    await grant(root, target, admin, None)
    assert await may(target, "anything", None)
    # The global admin grants any role anywhere.
    await grant(root, target, everything_named, org.south_team)


async def test_grant_is_idempotent(org: Org, person: Any) -> None:
    root, target = await person(), await person()
    await assign(root, await role_id(ADMIN_ROLE))
    editor = await make_role("unit editor", "feed.publish")
    for _ in range(2):
        await grant(root, target, editor, org.north)
        await grant(root, target, editor, None)
    assert await RoleAssignment.count().where(RoleAssignment.person == target).run() == 2


async def test_revoke_needs_what_grant_needs(org: Org, person: Any) -> None:
    root, actor, outsider, target = await person(), await person(), await person(), await person()
    await assign(root, await role_id(ADMIN_ROLE))
    publisher = await make_role("publisher", "feed.publish")
    publisher_plus = await make_role("publisher plus", "feed.publish", "people.manage")
    await assign(actor, publisher, org.north)
    await assign(outsider, publisher, org.south)
    await grant(root, target, publisher, org.north_team)
    await grant(root, target, publisher_plus, org.north_team)
    await grant(root, target, publisher, org.south_team)
    in_north = await assignment_id(target, publisher, org.north_team)
    plus_in_north = await assignment_id(target, publisher_plus, org.north_team)
    in_south = await assignment_id(target, publisher, org.south_team)

    # Not their branch, or a permission they lack: refused, and nothing changes.
    with pytest.raises(PermissionDenied):
        await revoke(outsider, in_north)
    with pytest.raises(PermissionDenied):
        await revoke(actor, in_south)
    with pytest.raises(PermissionDenied):
        await revoke(actor, plus_in_north)
    assert await RoleAssignment.count().where(RoleAssignment.person == target).run() == 3

    await revoke(actor, in_north)
    await revoke(outsider, in_south)
    await revoke(root, plus_in_north)
    assert await RoleAssignment.count().where(RoleAssignment.person == target).run() == 0
    assert not await may_anywhere(target, "feed.publish")
    # Revoking what is already gone is no error.
    await revoke(root, in_north)


async def test_revoking_a_global_role_needs_a_global_holding(org: Org, person: Any) -> None:
    local, target, root = await person(), await person(), await person()
    await assign(root, await role_id(ADMIN_ROLE))
    publisher = await make_role("publisher", "feed.publish")
    await assign(local, publisher, org.north)
    await grant(root, target, publisher, None)
    everywhere = await assignment_id(target, publisher, None)
    with pytest.raises(PermissionDenied):
        await revoke(local, everywhere)
    await revoke(root, everywhere)
    assert not await may(target, "feed.publish")


async def test_revoking_the_admin_role(org: Org, person: Any) -> None:
    root, local, target = await person(), await person(), await person()
    admin = await role_id(ADMIN_ROLE)
    await assign(root, admin)
    await assign(local, admin, org.north)
    await grant(root, target, admin, None)
    await grant(root, target, admin, org.north_team)
    global_admin = await assignment_id(target, admin, None)
    team_admin = await assignment_id(target, admin, org.north_team)
    with pytest.raises(PermissionDenied):
        await revoke(local, global_admin)
    await revoke(local, team_admin)
    await revoke(root, global_admin)
    assert await units_where(target, "anything") == []


# --- built-in roles -----------------------------------------------------------------------


async def test_migrate_creates_the_admin_role(intranet: Any) -> None:
    admin = await Role.select().where(Role.name == ADMIN_ROLE).first().run()
    assert admin is not None
    assert admin["builtin"] is True
    assert admin["label"] == "Administrator"
    assert await role_permissions(admin["id"]) == {ALL}
    # The core's permissions are declared.
    names = {p.name for p in intranet.permissions()}
    assert {"people.manage", "roles.manage", "audit.view", "site.admin"} <= names


async def test_sync_roles_is_idempotent(intranet: Any) -> None:
    declared = [
        Permission(name="test.publish", label="Publish", default_roles=("test_editor",)),
        Permission(name="test.pin", label="Pin", default_roles=("test_editor",)),
        Permission(name="test.onboard", label="Onboarding", default_roles=("test_hr", "test_editor")),
        Permission(name="test.read", label="Read"),
    ]

    async def snapshot() -> tuple[list[Any], list[Any]]:
        roles = await Role.select(Role.name, Role.label, Role.builtin).order_by(Role.name).run()
        perms = await RolePermission.select(RolePermission.role.name, RolePermission.permission).order_by(
            RolePermission.role.name
        ).order_by(RolePermission.permission).run()
        return roles, perms

    await sync_roles(declared, labels={"test_editor": "Test editor", "admin": "Administrator"})
    first = await snapshot()
    await sync_roles(declared, labels={"test_editor": "Test editor", "admin": "Administrator"})
    await intranet.migrate()
    await sync_roles(declared, labels={"test_editor": "Test editor", "admin": "Administrator"})
    assert await snapshot() == first

    assert await role_permissions(await role_id("test_editor")) == {"test.publish", "test.pin", "test.onboard"}
    assert await role_permissions(await role_id("test_hr")) == {"test.onboard"}
    assert await role_permissions(await role_id(ADMIN_ROLE)) == {ALL}
    # A permission with no default role is given to no role but the admin's "*".
    assert not await RolePermission.exists().where(RolePermission.permission == "test.read").run()

    # A permission added in a later version joins the existing role; nothing is duplicated.
    await sync_roles([*declared, Permission(name="test.delete", label="Delete", default_roles=("test_editor",))])
    assert "test.delete" in await role_permissions(await role_id("test_editor"))
    assert await Role.count().where(Role.name == "test_editor").run() == 1


async def test_sync_roles_keeps_what_an_admin_changed(intranet: Any) -> None:
    declared = [Permission(name="test.publish", label="Publish", default_roles=("test_editor",))]
    await sync_roles(declared)
    editor = await role_id("test_editor")
    await RolePermission.insert(RolePermission(role=editor, permission="test.pin")).run()
    await Role.update({Role.label: "Redaktør"}).where(Role.id == editor).run()
    await sync_roles(declared)
    assert await role_permissions(editor) == {"test.publish", "test.pin"}
    row = await Role.select(Role.label).where(Role.id == editor).first().run()
    assert row is not None
    assert row["label"] == "Redaktør"


# --- answers remembered during a read-only request ----------------------------


async def test_remembered_answers_are_the_databases_answers(org: Org, person: Any) -> None:
    """Inside a GET request the answers come from one read of the person's holdings: the same answers."""
    alice, bo, cy, dan = await person(), await person(), await person(), await person()
    await assign(alice, await make_role("communicator", "feed.publish"))
    await assign(bo, await make_role("district editor", "feed.publish", "people.manage"), org.north)
    await assign(cy, await role_id(ADMIN_ROLE), org.north_team)
    await assign(cy, await make_role("south editor", "feed.publish"), org.south_team)
    missing_unit = org.south_team + 1000
    units = [None, *vars(org).values(), missing_unit]
    questions = [(who, permission, unit) for who in (alice, bo, cy, dan, None)
                 for permission in ("feed.publish", "people.manage", ALL) for unit in units]
    fresh = [await may(*q) for q in questions]
    fresh_anywhere = [await may_anywhere(who, p) for who, p, _unit in questions]
    fresh_where = [await units_where(who, p) for who, p, _unit in questions if who is not None]
    with request_memo.remembering():
        assert [await may(*q) for q in questions] == fresh
        assert [await may_anywhere(who, p) for who, p, _unit in questions] == fresh_anywhere
        assert [await units_where(who, p) for who, p, _unit in questions if who is not None] == fresh_where
    assert any(fresh) and not all(fresh)


async def test_an_answer_is_remembered_only_within_the_block(org: Org, person: Any) -> None:
    alice = await person()
    with request_memo.remembering():
        assert not await may(alice, "feed.publish", org.north)
        await assign(alice, await make_role("north editor", "feed.publish"), org.north)
        # The request reads its first answer again: its page is consistent.
        assert not await may(alice, "feed.publish", org.north)
    assert await may(alice, "feed.publish", org.north)
    with request_memo.remembering():
        assert await may(alice, "feed.publish", org.north)
