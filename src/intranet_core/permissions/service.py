"""One answer to "may this person do this here", asked inside the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from piccolo.columns.combination import Or, WhereRaw

from intranet_core import request_memo
from intranet_core.contributions import Permission
from intranet_core.people.tables import Unit
from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission

ALL = "*"
ADMIN_ROLE = "admin"


class PermissionDenied(Exception):
    """The actor may not do this; shown as a 403 page."""


def ancestor_ids(path: str) -> list[int]:
    """``"/1/4/9/"`` -> ``[1, 4, 9]``: the unit and every unit above it."""
    return [int(part) for part in path.strip("/").split("/") if part]


async def _unit_path(unit_id: int) -> str | None:
    async def read() -> str | None:
        row = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
        return None if row is None else str(row["path"])

    return await request_memo.once(("unit_path", unit_id), read)


async def _holdings(person_id: int) -> frozenset[tuple[str, int | None]]:
    """Every ``(permission, unit)`` the person holds through their roles: one query.

    Used only while a read-only request remembers answers: the several
    permission questions of one page then cost one query together, answered
    from the same rows the SQL of :func:`may` would test.
    """

    async def read() -> frozenset[tuple[str, int | None]]:
        rows = await RoleAssignment.raw(
            "SELECT DISTINCT rp.permission AS permission, ra.unit AS unit FROM role_assignment AS ra "
            "JOIN role_permission AS rp ON rp.role = ra.role WHERE ra.person = {}",
            person_id,
        ).run()
        return frozenset((str(r["permission"]), None if r["unit"] is None else int(r["unit"])) for r in rows)

    return await request_memo.once(("holdings", person_id), read)


async def _held_units(person_id: int, permission: str) -> set[int | None]:
    """Where the person holds ``permission`` (``None``: everywhere), from the remembered holdings."""
    return {unit for held, unit in await _holdings(person_id) if held in (permission, ALL)}


async def may(person_id: int | None, permission: str, unit_id: int | None = None) -> bool:
    """Whether the person holds ``permission`` everywhere, or for ``unit_id``'s branch.

    With ``unit_id=None`` only a global holding counts.
    """
    if person_id is None:
        return False
    if request_memo.active():
        units = await _held_units(person_id, permission)
        if unit_id is None or not units:
            return None in units
        path = await _unit_path(unit_id)
        return path is not None and (None in units or any(uid in units for uid in ancestor_ids(path)))
    query = RoleAssignment.exists().where(
        (RoleAssignment.person == person_id)
        & RoleAssignment.role.is_in(
            RolePermission.select(RolePermission.role).where(RolePermission.permission.is_in([permission, ALL]))
        )
    )
    if unit_id is None:
        return bool(await query.where(RoleAssignment.unit.is_null()).run())
    path = await _unit_path(unit_id)
    if path is None:
        return False
    return bool(
        await query.where(
            RoleAssignment.unit.is_null() | RoleAssignment.unit.is_in(ancestor_ids(path))
        ).run()
    )


async def may_anywhere(person_id: int | None, permission: str) -> bool:
    """Whether the person holds ``permission`` for at least one unit (or everywhere)."""
    if person_id is None:
        return False
    if request_memo.active():
        return bool(await _held_units(person_id, permission))
    return bool(
        await RoleAssignment.exists().where(
            (RoleAssignment.person == person_id)
            & RoleAssignment.role.is_in(
                RolePermission.select(RolePermission.role).where(RolePermission.permission.is_in([permission, ALL]))
            )
        ).run()
    )


async def units_where(person_id: int, permission: str) -> list[int] | None:
    """Units (each with its descendants) where the person holds it; ``None`` means everywhere."""
    if request_memo.active():
        units = await _held_units(person_id, permission)
        return None if None in units else sorted(int(u) for u in units if u is not None)
    rows = await RoleAssignment.select(RoleAssignment.unit).where(
        (RoleAssignment.person == person_id)
        & RoleAssignment.role.is_in(
            RolePermission.select(RolePermission.role).where(RolePermission.permission.is_in([permission, ALL]))
        )
    ).run()
    if any(row["unit"] is None for row in rows):
        return None
    return sorted({int(row["unit"]) for row in rows})


def branch_where(unit_ids: Sequence[int]) -> Any:
    """A condition on ``Unit``: the unit is one of ``unit_ids`` or below one of them.

    One condition for any number of units, answered by the database: a
    unit's path lists the ids from the root down (``"/1/4/9/"`` is below 4).
    """
    if not unit_ids:
        return WhereRaw("1 = 0")
    condition: Any = None
    for unit_id in sorted({int(u) for u in unit_ids}):
        clause = Unit.path.like(f"%/{unit_id}/%")
        condition = clause if condition is None else Or(condition, clause)
    return condition


async def branch_units(unit_ids: Sequence[int] | None) -> list[dict[str, Any]]:
    """The units ``unit_ids`` and every unit below them (``id``, ``name``, ``path``), in the order of their paths.

    ``None`` means every unit, as :func:`units_where` answers for a
    permission held everywhere: ``branch_units(await units_where(person, permission))``
    is where the person may use it.
    """
    query = Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path)
    if unit_ids is None:
        return await query.run()
    if not unit_ids:
        return []
    return await query.where(branch_where(unit_ids)).run()


async def sync_roles(permissions: Sequence[Permission], labels: dict[str, str] | None = None) -> None:
    """Create the built-in roles and give them their default permissions (idempotent)."""
    labels = labels or {}
    wanted: dict[str, set[str]] = {ADMIN_ROLE: {ALL}}
    for permission in permissions:
        for role in permission.default_roles:
            wanted.setdefault(role, set()).add(permission.name)
    for role_name, perms in wanted.items():
        label = labels.get(role_name, role_name.title())
        await Role.insert(Role(name=role_name, label=label, builtin=True)).on_conflict(
            target=Role.name, action="DO NOTHING"
        ).run()
        found = await Role.select(Role.id).where(Role.name == role_name).first().run()
        assert found is not None
        role_id = int(found["id"])
        rows = await RolePermission.select(RolePermission.permission).where(RolePermission.role == role_id).run()
        existing = {row["permission"] for row in rows}
        for permission_name in sorted(perms - existing):
            await RolePermission.insert(RolePermission(role=role_id, permission=permission_name)).on_conflict(
                action="DO NOTHING"
            ).run()


async def role_permissions(role_id: int) -> set[str]:
    rows = await RolePermission.select(RolePermission.permission).where(RolePermission.role == role_id).run()
    return {row["permission"] for row in rows}


async def grant(actor_id: int, person_id: int, role_id: int, unit_id: int | None) -> None:
    """Give ``person_id`` the role (everywhere, or for a unit's branch).

    The actor must hold every permission of the role at that place: nobody
    grants what they do not hold.
    """
    for permission in await role_permissions(role_id):
        if permission == ALL:
            allowed = await may(actor_id, ALL, None) if unit_id is None else await _holds_all(actor_id, unit_id)
        else:
            allowed = await may(actor_id, permission, unit_id)
        if not allowed:
            raise PermissionDenied(permission)
    await RoleAssignment.insert(RoleAssignment(person=person_id, role=role_id, unit=unit_id)).on_conflict(
        action="DO NOTHING"
    ).run()


async def _holds_all(actor_id: int, unit_id: int) -> bool:
    return await may(actor_id, ALL, unit_id)


async def revoke(actor_id: int, assignment_id: int) -> None:
    """Take a role back; the actor must be able to grant it there."""
    row = await RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit).where(
        RoleAssignment.id == assignment_id
    ).first().run()
    if row is None:
        return
    for permission in await role_permissions(row["role"]):
        if not await may(actor_id, permission, row["unit"]):
            raise PermissionDenied(permission)
    await RoleAssignment.delete().where(RoleAssignment.id == assignment_id).run()
