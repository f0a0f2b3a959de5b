"""Units: the tree, a new unit, and renaming or moving one."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template
from piccolo.query.functions.aggregate import Count

from intranet_core.admin.common import MANAGE, actor, deny, may_manage_unit, not_found, render, scope_of
from intranet_core.admin.forms import UnitForm, person_error_message
from intranet_core.admin.units import UnitTree, kind_label, kind_labels, unit_tree
from intranet_core.audit.service import client_ip
from intranet_core.forms import read_form, validate
from intranet_core.i18n import gettext as _
from intranet_core.people.service import PersonError, create_unit, move_unit, update_unit
from intranet_core.people.tables import Membership
from intranet_core.permissions.service import may, may_anywhere


@get("/units", name="admin_units", include_in_schema=False)
async def units_page(request: Request[Any, Any, Any]) -> Template:
    user = actor(request)
    scope = await scope_of(user.id)
    tree = await unit_tree()
    counts = {
        int(row["unit"]): int(row["count"])
        for row in await Membership.select(Membership.unit, Count()).group_by(Membership.unit).run()
    }
    return await render(
        request, "admin/units.html", title=_("Units"), roots=tree.roots, editable=scope.unit_ids,
        everywhere=scope.everywhere, counts=counts, kind_label=kind_label,
        can_create=await may_anywhere(user.id, MANAGE),
    )


def _parent_options(
    tree: UnitTree, scope_everywhere: bool, unit_ids: set[int], exclude: int | None = None
) -> list[Any]:
    """Units a unit may be put under: in the actor's scope, and never in its own branch."""
    options = []
    for node in tree.flat:
        if not (scope_everywhere or node.id in unit_ids):
            continue
        if exclude is not None and f"/{exclude}/" in node.path:
            continue
        options.append(node)
    return options


async def _unit_form_page(
    request: Request[Any, Any, Any], *, unit: dict[str, Any] | None, values: dict[str, Any],
    errors: dict[str, str] | None = None, status: int = 200, message: str = "",
) -> Template:
    user = actor(request)
    scope = await scope_of(user.id)
    tree = await unit_tree()
    parents = _parent_options(tree, scope.everywhere, scope.unit_ids, exclude=unit["id"] if unit else None)
    kinds = dict(kind_labels())
    for node in tree.flat:
        kinds.setdefault(node.kind, node.kind)
    title = _("New unit") if unit is None else unit["name"]
    return await render(
        request, "admin/unit_form.html", title=title, status=status, unit=unit, values=values, errors=errors or {},
        message=message, parents=parents, top_level_allowed=scope.everywhere, kinds=sorted(kinds.items()),
        trail=tree.trail(unit["id"]) if unit else "",
    )


@get("/units/new", name="admin_unit_new", include_in_schema=False)
async def unit_new(request: Request[Any, Any, Any]) -> Template:
    if not await may_anywhere(actor(request).id, MANAGE):
        raise await deny(request)
    parent = request.query_params.get("parent", "")
    return await _unit_form_page(request, unit=None, values={"kind": "department",
                                                             "parent_id": int(parent) if parent.isdigit() else None})


@post("/units/new", name="admin_unit_create", include_in_schema=False, status_code=303)
async def unit_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = actor(request)
    if not await may_anywhere(user.id, MANAGE):
        raise await deny(request)
    raw = read_form(await request.form(), UnitForm)
    form, errors = validate(UnitForm, raw)
    if form is None:
        return await _unit_form_page(request, unit=None, values=raw, errors=errors, status=400)
    if not await may_manage_unit(user.id, form.parent_id):
        await deny(request, "unit", form.parent_id or "")
        return await _unit_form_page(request, unit=None, values=raw, status=403,
                                     errors={"parent_id": _("You cannot add units there.")})
    try:
        unit_id = await create_unit(request.app.state.intranet, name=form.name, kind=form.kind,
                                    parent_id=form.parent_id, actor_id=user.id, ip=client_ip(request))
    except PersonError as exc:
        return await _unit_form_page(request, unit=None, values=raw, status=400,
                                     errors={"parent_id": person_error_message(str(exc))})
    return Redirect(f"/admin/units?done=created#unit-{unit_id}", status_code=303)


async def _require_unit(request: Request[Any, Any, Any], unit_id: int) -> dict[str, Any]:
    from intranet_core.people.tables import Unit

    user = actor(request)
    unit = await Unit.select(Unit.id, Unit.name, Unit.kind, Unit.parent, Unit.path).where(
        Unit.id == unit_id
    ).first().run()
    if unit is None:
        if await may(user.id, MANAGE):
            raise not_found()
        raise await deny(request, "unit", unit_id)
    if not await may_manage_unit(user.id, unit_id):
        raise await deny(request, "unit", unit_id)
    return unit


@get("/units/{unit_id:int}", name="admin_unit", include_in_schema=False)
async def unit_detail(request: Request[Any, Any, Any], unit_id: FromPath[int]) -> Template:
    unit = await _require_unit(request, unit_id)
    return await _unit_form_page(request, unit=unit, values={"name": unit["name"], "kind": unit["kind"],
                                                             "parent_id": unit["parent"]})


@post("/units/{unit_id:int}", name="admin_unit_update", include_in_schema=False, status_code=303)
async def unit_update(request: Request[Any, Any, Any], unit_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    intranet = request.app.state.intranet
    unit = await _require_unit(request, unit_id)
    raw = read_form(await request.form(), UnitForm)
    form, errors = validate(UnitForm, raw)
    if form is None:
        return await _unit_form_page(request, unit=unit, values=raw, errors=errors, status=400)
    moving = form.parent_id != unit["parent"]
    if moving and not await may_manage_unit(user.id, form.parent_id):
        await deny(request, "unit", unit_id)
        return await _unit_form_page(request, unit=unit, values=raw, status=403,
                                     errors={"parent_id": _("You cannot move units there.")})
    ip = client_ip(request)
    try:
        # One transaction: a refused move leaves the name unchanged too.
        async with intranet.db.transaction(write=True):
            if moving:
                await move_unit(intranet, unit_id, form.parent_id, actor_id=user.id, ip=ip)
            await update_unit(intranet, unit_id, name=form.name, kind=form.kind, actor_id=user.id, ip=ip)
    except PersonError as exc:
        return await _unit_form_page(request, unit=unit, values=raw, status=400,
                                     errors={"parent_id": person_error_message(str(exc))})
    return Redirect(f"/admin/units?done={'moved' if moving else 'saved'}#unit-{unit_id}", status_code=303)
