"""Roles: their names in the reader's language, the roles page, and what revoking must keep."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template
from piccolo.query.functions.aggregate import Count

from intranet_core.admin.common import render
from intranet_core.i18n import gettext as _
from intranet_core.people.tables import Person
from intranet_core.permissions.service import ALL
from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission


def role_label(name: str, stored_label: str) -> str:
    """The built-in roles' names are translated; a site's own roles show their stored label."""
    builtin = {"admin": _("Administrator"), "editor": _("Editor"), "hr": _("HR")}
    return builtin.get(name, stored_label or name)


async def revoke_problem(assignment_id: int) -> str | None:
    """Why an assignment must stay: the last site-wide administrator keeps theirs."""
    row = await RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit).where(
        RoleAssignment.id == assignment_id
    ).first().run()
    if row is None or row["unit"] is not None:
        return None
    every = RolePermission.select(RolePermission.role).where(RolePermission.permission == ALL)
    if not await RolePermission.exists().where(
        (RolePermission.role == row["role"]) & (RolePermission.permission == ALL)
    ).run():
        return None
    admins = await RoleAssignment.count().where(
        RoleAssignment.unit.is_null()
        & RoleAssignment.role.is_in(every)
        & RoleAssignment.person.is_in(Person.select(Person.id).where(Person.active == True))  # noqa: E712
    ).run()
    if admins <= 1:
        return _("The site must keep at least one administrator: give the role to someone else first.")
    return None


@get("/roles", name="admin_roles", include_in_schema=False)
async def roles_page(request: Request[Any, Any, Any]) -> Template:
    intranet = request.app.state.intranet
    labels = {p.name: p.label for p in intranet.permissions()}
    roles = await Role.select(Role.id, Role.name, Role.label, Role.builtin).run()
    granted = await RolePermission.select(RolePermission.role, RolePermission.permission).run()
    holders = await RoleAssignment.select(RoleAssignment.role, Count()).group_by(RoleAssignment.role).run()
    by_role: dict[int, list[dict[str, str]]] = {}
    for row in granted:
        name = str(row["permission"])
        label = _("Every permission, now and in the future") if name == ALL else labels.get(name, name)
        by_role.setdefault(int(row["role"]), []).append({"name": name, "label": label})
    counts = {int(row["role"]): int(row["count"]) for row in holders}
    shown = []
    for role in roles:
        shown.append({
            "name": role["name"], "label": role_label(str(role["name"]), str(role["label"])),
            "builtin": role["builtin"], "holders": counts.get(int(role["id"]), 0),
            "permissions": sorted(by_role.get(int(role["id"]), []), key=lambda p: p["label"].casefold()),
        })
    shown.sort(key=lambda r: str(r["label"]).casefold())
    return await render(request, "admin/roles.html", title=_("Roles"), roles=shown)
