"""What every administration page shares: the guard, the scope rules, rendering."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_permission
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Unit
from intranet_core.permissions.service import ALL, branch_where, may, may_anywhere, role_permissions, units_where
from intranet_core.permissions.tables import RoleAssignment

MANAGE = "people.manage"
ROLES = "roles.manage"
SITE_ADMIN = "site.admin"
NO_STORE = {"Cache-Control": "no-store"}

_site_admin_anywhere = requires_permission(SITE_ADMIN, anywhere=True)
_people_manager_anywhere = requires_permission(MANAGE, anywhere=True)


async def admin_guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """Signed in, and holding ``site.admin`` or ``people.manage`` somewhere."""
    try:
        await _site_admin_anywhere(connection, handler)
    except PermissionDeniedException:
        try:
            await _people_manager_anywhere(connection, handler)
        except PermissionDeniedException:
            await record("admin.denied", actor_id=connection.scope["user"].id,
                         details={"method": connection.scope.get("method", ""), "path": connection.url.path},
                         ip=client_ip(connection))
            raise


async def may_enter(person_id: int | None) -> bool:
    """Whether the administration pages are open to this person (the nav item)."""
    return await may_anywhere(person_id, SITE_ADMIN) or await may_anywhere(person_id, MANAGE)


def actor(request: Request[Any, Any, Any]) -> PersonInfo:
    user = request.user
    assert isinstance(user, PersonInfo)  # the guard let only signed-in people through
    return user


async def deny(
    request: Request[Any, Any, Any], target_type: str = "", target_id: Any = ""
) -> PermissionDeniedException:
    """Log a refused access and give the exception to raise (a 403 page)."""
    user = request.user
    await record("admin.denied", actor_id=getattr(user, "id", None), target_type=target_type, target_id=target_id,
                 details={"method": request.method, "path": request.url.path}, ip=client_ip(request))
    return PermissionDeniedException()


async def render(request: Request[Any, Any, Any], template: str, *, title: str, status: int = 200,
                 **context: Any) -> Template:
    """A full administration page; never cached (it shows personal data)."""
    notice = notices().get(request.query_params.get("done", ""))
    ctx = await page_context(request, title=title, notice=notice, **context)
    return Template(template, context=ctx, status_code=status, headers=NO_STORE)


def notices() -> dict[str, str]:
    """The confirmations shown after a change (``?done=<key>`` on the redirect)."""
    return {
        "created": _("Created."),
        "saved": _("Saved."),
        "deactivated": _("The person is deactivated and signed out everywhere."),
        "reactivated": _("The person is active again."),
        "erased": _("The person is erased."),
        "membership_added": _("The membership is added."),
        "membership_saved": _("The membership is saved."),
        "membership_removed": _("The membership is removed."),
        "granted": _("The role is given."),
        "revoked": _("The role is taken back."),
        "moved": _("The unit is moved."),
    }


# --- scope --------------------------------------------------------------------


@dataclass
class Scope:
    """Where the actor may manage people: everywhere, or these units and all below them."""

    everywhere: bool
    unit_ids: set[int] = field(default_factory=set)

    def covers(self, unit_id: int | None) -> bool:
        return self.everywhere or (unit_id is not None and unit_id in self.unit_ids)


async def branch_ids(roots: list[int]) -> set[int]:
    """The units ``roots`` and every unit below them."""
    if not roots:
        return set()
    rows = await Unit.select(Unit.id).where(branch_where(roots)).run()
    return {int(row["id"]) for row in rows}


async def scope_of(actor_id: int, permission: str = MANAGE) -> Scope:
    roots = await units_where(actor_id, permission)
    if roots is None:
        return Scope(everywhere=True)
    return Scope(everywhere=False, unit_ids=await branch_ids(roots))


async def primary_unit_id(person_id: int) -> int | None:
    row = await Membership.select(Membership.unit).where(
        (Membership.person == person_id) & (Membership.is_primary == True)  # noqa: E712 - SQL
    ).first().run()
    return None if row is None else int(row["unit"])


async def may_manage_person(actor_id: int, person_id: int) -> bool:
    """``people.manage`` everywhere, or for the branch holding the person's primary unit."""
    if await may(actor_id, MANAGE):
        return True
    unit_id = await primary_unit_id(person_id)
    return unit_id is not None and await may(actor_id, MANAGE, unit_id)


async def may_manage_unit(actor_id: int, unit_id: int | None) -> bool:
    """``people.manage`` for the unit's branch; ``None`` (the top level) needs it everywhere."""
    return await may(actor_id, MANAGE, unit_id) if unit_id is not None else await may(actor_id, MANAGE)


async def may_grant_role(actor_id: int, role_id: int, unit_id: int | None) -> bool:
    """Whether the actor holds every permission of the role there (``grant``'s own rule)."""
    for permission in await role_permissions(role_id):
        if not await may(actor_id, ALL if permission == ALL else permission, unit_id):
            return False
    return True


async def holds_more_than(actor_id: int, person_id: int) -> bool:
    """Whether the person holds a role the actor could not give them.

    Such a person's account (e-mail, status, units) is changed only by
    someone who holds at least as much: a unit's manager cannot take over
    a site administrator who happens to work in that unit.
    """
    if actor_id == person_id:
        return False
    rows = await RoleAssignment.select(RoleAssignment.role, RoleAssignment.unit).where(
        RoleAssignment.person == person_id
    ).run()
    for row in rows:
        unit_id = None if row["unit"] is None else int(row["unit"])
        if not await may_grant_role(actor_id, int(row["role"]), unit_id):
            return True
    return False


def not_found() -> NotFoundException:
    return NotFoundException()
