"""People: the list, a new person, and one person's page (details, units, roles, status)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from intranet_core.admin.common import (
    MANAGE,
    ROLES,
    actor,
    deny,
    holds_more_than,
    may_manage_person,
    may_manage_unit,
    not_found,
    render,
    scope_of,
)
from intranet_core.admin.forms import (
    ActiveForm,
    EraseForm,
    GrantForm,
    MembershipActionForm,
    MembershipForm,
    NewPersonForm,
    PersonForm,
    leaving_date_problem,
    password_message,
    person_error_message,
)
from intranet_core.admin.roles import revoke_problem, role_label
from intranet_core.admin.units import unit_tree
from intranet_core.audit.service import client_ip, record
from intranet_core.auth.passwords import hash_password_async, password_problem
from intranet_core.forms import read_form, validate
from intranet_core.i18n import gettext as _
from intranet_core.i18n import language_name
from intranet_core.people.service import (
    PersonError,
    add_membership,
    create_person,
    remove_membership,
    set_active,
    update_membership,
    update_person,
)
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.service import PermissionDenied, grant, may, may_anywhere, revoke
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.personal_data.service import erase_person, erased_email

PAGE_SIZE = 50
MAX_QUERY = 100
_PERSON_FIELDS = ("email", "name", "title", "phone", "mobile", "language", "start_date", "leaving_date")
_DATE_FIELDS = ("start_date", "leaving_date")


def _intranet(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.intranet


def _search_condition(request: Request[Any, Any, Any], q: str) -> Any:
    """Name or e-mail contains ``q``, whatever the case."""
    if not _intranet(request).db.is_sqlite:
        pattern = f"%{q}%"
        return Person.name.ilike(pattern) | Person.email.ilike(pattern)
    # SQLite's LIKE ignores case for ASCII letters only: also try the usual
    # spellings of the rest ("øster" finds "Østergaard").
    condition = None
    for variant in dict.fromkeys([q, q.lower(), q.upper(), q.capitalize(), q.title()]):
        pattern = f"%{variant}%"
        part = Person.name.like(pattern) | Person.email.like(pattern)
        condition = part if condition is None else condition | part
    return condition


def _page_after(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() and len(value) < 10 else None


@get("/people", name="admin_people", include_in_schema=False)
async def people_list(request: Request[Any, Any, Any]) -> Template:
    user = actor(request)
    if not await may_anywhere(user.id, MANAGE):
        raise await deny(request)
    scope = await scope_of(user.id)
    q = request.query_params.get("q", "").strip()[:MAX_QUERY]
    after = _page_after(request.query_params.get("after"))
    conditions: list[Any] = []
    if q:
        conditions.append(_search_condition(request, q))
        await record("admin.people_search", actor_id=user.id, details={"q": q}, ip=client_ip(request))
    if not scope.everywhere:
        conditions.append(Person.id.is_in(
            Membership.select(Membership.person).where(
                (Membership.is_primary == True) & Membership.unit.is_in(sorted(scope.unit_ids) or [0])  # noqa: E712
            )
        ))
    if after is not None:
        last = await Person.select(Person.name).where(Person.id == after).first().run()
        if last is not None:
            # Keyset pagination: the page after (name, id), never OFFSET.
            conditions.append((Person.name > last["name"]) | ((Person.name == last["name"]) & (Person.id > after)))
    query = Person.select(Person.id, Person.name, Person.email, Person.title, Person.active)
    if conditions:
        query = query.where(*conditions)
    rows = await query.order_by(Person.name, Person.id).limit(PAGE_SIZE + 1).run()
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    units: dict[int, str] = {}
    if rows:
        for m in await Membership.select(Membership.person, Membership.unit.name).where(
            Membership.person.is_in([r["id"] for r in rows]) & (Membership.is_primary == True)  # noqa: E712
        ).run():
            units[int(m["person"])] = str(m["unit.name"])
    return await render(
        request, "admin/people.html", title=_("People"), people=rows, units=units, q=q,
        next_after=rows[-1]["id"] if more else None, paged=after is not None,
    )


# --- new person ------------------------------------------------------------------


async def _unit_options(user_id: int) -> tuple[list[Any], bool]:
    """The units the actor may put people in, and whether "no unit" is allowed."""
    scope = await scope_of(user_id)
    tree = await unit_tree()
    return [n for n in tree.flat if scope.covers(n.id)], scope.everywhere


def _languages(request: Request[Any, Any, Any]) -> list[tuple[str, str]]:
    return [(code, language_name(code)) for code in _intranet(request).settings.site.languages]


async def _new_person_page(request: Request[Any, Any, Any], *, values: dict[str, Any] | None = None,
                           errors: dict[str, str] | None = None, status: int = 200) -> Template:
    user = actor(request)
    units, unit_optional = await _unit_options(user.id)
    return await render(
        request, "admin/person_new.html", title=_("New person"), status=status, values=values or {},
        errors=errors or {}, units=units, unit_optional=unit_optional, language_choices=_languages(request),
        min_password_length=_intranet(request).settings.auth.min_password_length,
    )


@get("/people/new", name="admin_person_new", include_in_schema=False)
async def person_new(request: Request[Any, Any, Any]) -> Template:
    if not await may_anywhere(actor(request).id, MANAGE):
        raise await deny(request)
    return await _new_person_page(request)


def _check_language(request: Request[Any, Any, Any], language: str, errors: dict[str, str]) -> None:
    if language and language not in _intranet(request).settings.site.languages:
        errors["language"] = _("Choose one of the options.")


def _check_dates(form: PersonForm, errors: dict[str, str]) -> None:
    if (problem := leaving_date_problem(form.start_date, form.leaving_date)) is not None:
        errors["leaving_date"] = problem


@post("/people/new", name="admin_person_create", include_in_schema=False, status_code=303)
async def person_create(request: Request[Any, Any, Any]) -> Template | Redirect:
    user = actor(request)
    intranet = _intranet(request)
    if not await may_anywhere(user.id, MANAGE):
        raise await deny(request)
    raw = read_form(await request.form(), NewPersonForm)
    values = {k: v for k, v in raw.items() if k != "password"}
    form, errors = validate(NewPersonForm, raw)
    if form is not None:
        _check_language(request, form.language, errors)
        _check_dates(form, errors)
        if form.unit_id is None:
            if not await may(user.id, MANAGE):
                errors["unit_id"] = _("Choose the person's unit.")
        elif not await Unit.exists().where(Unit.id == form.unit_id).run():
            errors["unit_id"] = _("Choose one of the options.")
        elif not await may_manage_unit(user.id, form.unit_id):
            errors["unit_id"] = _("You cannot add people to that unit.")
        if form.password:
            problem = password_problem(form.password, intranet.settings.auth.min_password_length,
                                       email=form.email, name=form.name)
            if problem:
                errors["password"] = password_message(problem, intranet.settings.auth.min_password_length)
    if form is None or errors:
        return await _new_person_page(request, values=values, errors=errors, status=400)
    password_hash = await hash_password_async(form.password) if form.password else None
    fields = {name: getattr(form, name) for name in _PERSON_FIELDS}
    fields["language"] = form.language or None
    try:
        person = await create_person(
            intranet, actor_id=user.id, fields=fields, password_hash=password_hash, unit_id=form.unit_id,
            unit_title=form.unit_title, ip=client_ip(request),
        )
    except PersonError as exc:
        return await _new_person_page(request, values=values, status=400,
                                      errors={"email" if str(exc) == "email_taken" else "_form":
                                              person_error_message(str(exc))})
    return Redirect(f"/admin/people/{person.id}?done=created", status_code=303)


# --- one person ------------------------------------------------------------------


async def _load_person(person_id: int) -> dict[str, Any] | None:
    columns = [getattr(Person, f) for f in (*_PERSON_FIELDS, "id", "active", "created_at")]
    row = await Person.select(*columns, Person.password_hash).where(Person.id == person_id).first().run()
    if row is not None:
        row["has_password"] = row.pop("password_hash") is not None  # never the hash itself
    return row


async def _require_person(request: Request[Any, Any, Any], person_id: int) -> dict[str, Any]:
    """The person, if the actor may manage them; else 403 (404 only to those who manage everyone)."""
    user = actor(request)
    person = await _load_person(person_id)
    if person is None:
        if await may(user.id, MANAGE):
            raise not_found()
        raise await deny(request, "person", person_id)
    if not await may_manage_person(user.id, person_id):
        raise await deny(request, "person", person_id)
    return person


async def _person_page(
    request: Request[Any, Any, Any], person: dict[str, Any], *, status: int = 200,
    values: dict[str, Any] | None = None, errors: dict[str, str] | None = None,
    section: str = "", message: str = "",
) -> Template:
    user = actor(request)
    person_id = int(person["id"])
    tree = await unit_tree()
    scope = await scope_of(user.id)
    memberships = await Membership.select(
        Membership.id, Membership.unit, Membership.title, Membership.is_primary, Membership.is_manager
    ).where(Membership.person == person_id).run()
    for m in memberships:
        m["trail"] = tree.trail(int(m["unit"]))
        m["editable"] = scope.covers(int(m["unit"]))
    memberships.sort(key=lambda m: (not m["is_primary"], m["trail"].casefold()))
    assignments = await RoleAssignment.select(
        RoleAssignment.id, RoleAssignment.unit, RoleAssignment.role.name, RoleAssignment.role.label
    ).where(RoleAssignment.person == person_id).order_by(RoleAssignment.id).run()
    role_scope = await scope_of(user.id, ROLES)
    for a in assignments:
        a["role_label"] = role_label(str(a["role.name"]), str(a["role.label"]))
        a["where"] = tree.trail(int(a["unit"])) if a["unit"] is not None else _("Everywhere")
        a["revocable"] = role_scope.everywhere if a["unit"] is None else role_scope.covers(int(a["unit"]))
    roles = await Role.select(Role.id, Role.name, Role.label).order_by(Role.name).run()
    for r in roles:
        r["display"] = role_label(str(r["name"]), str(r["label"]))
    roles.sort(key=lambda r: str(r["display"]).casefold())
    shown = dict(values) if values is not None else {f: person[f] for f in _PERSON_FIELDS}
    for name in _DATE_FIELDS:
        if shown.get(name) is None:
            shown[name] = ""
    return await render(
        request, "admin/person.html", title=str(person["name"]), status=status, person=person, values=shown,
        errors=errors or {}, section=section, message=message, memberships=memberships,
        unit_options=[n for n in tree.flat if scope.covers(n.id)],
        grant_units=[n for n in tree.flat if role_scope.covers(n.id)], grant_everywhere=role_scope.everywhere,
        assignments=assignments, roles=roles, language_choices=_languages(request),
        can_edit=not await holds_more_than(user.id, person_id), is_self=user.id == person_id,
        can_grant=role_scope.everywhere or bool(role_scope.unit_ids),
        erased=person["email"] == erased_email(person_id),
        erase_mode=_intranet(request).settings.personal_data.erase_mode,
    )


async def _require_editable(request: Request[Any, Any, Any], person: dict[str, Any], section: str) -> Template | None:
    """A 403 page when the person holds a role the actor could not give them."""
    user = actor(request)
    if await holds_more_than(user.id, int(person["id"])):
        await deny(request, "person", person["id"])
        return await _person_page(
            request, person, status=403, section=section,
            message=_("This person holds a role you do not hold yourself, so you cannot change their account."),
        )
    return None


@get("/people/{person_id:int}", name="admin_person", include_in_schema=False)
async def person_detail(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template:
    person = await _require_person(request, person_id)
    await record("admin.person_view", actor_id=actor(request).id, target_type="person", target_id=person_id,
                 ip=client_ip(request))
    return await _person_page(request, person)


@post("/people/{person_id:int}", name="admin_person_update", include_in_schema=False, status_code=303)
async def person_update(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    person = await _require_person(request, person_id)
    if (refused := await _require_editable(request, person, "details")) is not None:
        return refused
    raw = read_form(await request.form(), PersonForm)
    form, errors = validate(PersonForm, raw)
    if form is not None:
        _check_language(request, form.language, errors)
        _check_dates(form, errors)
    if form is None or errors:
        return await _person_page(request, person, status=400, values=raw, errors=errors, section="details")
    fields = {name: getattr(form, name) for name in _PERSON_FIELDS}
    fields["language"] = form.language or None
    try:
        await update_person(_intranet(request), person_id, actor_id=user.id, fields=fields, ip=client_ip(request))
    except PersonError as exc:
        field = "email" if str(exc) == "email_taken" else "_form"
        return await _person_page(request, person, status=400, values=raw, section="details",
                                  errors={field: person_error_message(str(exc))})
    return Redirect(f"/admin/people/{person_id}?done=saved", status_code=303)


@post("/people/{person_id:int}/active", name="admin_person_active", include_in_schema=False, status_code=303)
async def person_active(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    person = await _require_person(request, person_id)
    if (refused := await _require_editable(request, person, "status")) is not None:
        return refused
    form, _errors = validate(ActiveForm, read_form(await request.form(), ActiveForm))
    if form is None:
        return await _person_page(request, person, status=400, section="status",
                                  message=_("This value is not valid."))
    if not form.active and person_id == user.id:
        return await _person_page(request, person, status=400, section="status",
                                  message=_("You cannot deactivate yourself."))
    if form.active != bool(person["active"]):
        await set_active(_intranet(request), person_id, form.active, actor_id=user.id, ip=client_ip(request))
    return Redirect(f"/admin/people/{person_id}?done={'reactivated' if form.active else 'deactivated'}",
                    status_code=303)


@post("/people/{person_id:int}/erase", name="admin_person_erase", include_in_schema=False, status_code=303)
async def person_erase(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    """Erase a deactivated person (the right to erasure): see ``intranet_core.personal_data``."""
    user = actor(request)
    person = await _require_person(request, person_id)
    if (refused := await _require_editable(request, person, "erase")) is not None:
        return refused
    form, _errors = validate(EraseForm, read_form(await request.form(), EraseForm, checkboxes=["confirm"]))
    if form is None:
        return await _person_page(request, person, status=400, section="erase",
                                  message=_("This value is not valid."))
    # Two steps on purpose: deactivating can be undone, erasing cannot.
    if person["active"] or person_id == user.id:
        return await _person_page(request, person, status=400, section="status",
                                  message=_("Deactivate the person first."))
    if not form.confirm:
        return await _person_page(request, person, status=400, section="erase",
                                  message=_("Tick the box to confirm that this cannot be undone."))
    await erase_person(_intranet(request), person_id, actor_id=user.id, mode=form.mode, ip=client_ip(request))
    return Redirect(f"/admin/people/{person_id}?done=erased", status_code=303)


@post("/people/{person_id:int}/memberships", name="admin_membership_add", include_in_schema=False,
      status_code=303)
async def membership_add(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    person = await _require_person(request, person_id)
    if (refused := await _require_editable(request, person, "units")) is not None:
        return refused
    raw = read_form(await request.form(), MembershipForm, checkboxes=("is_manager", "is_primary"))
    form, errors = validate(MembershipForm, raw)
    if form is None:
        return await _person_page(request, person, status=400, section="units", errors=errors,
                                  message=_("Check the fields marked below."))
    if not await may_manage_unit(user.id, form.unit_id):
        await deny(request, "unit", form.unit_id)
        return await _person_page(request, person, status=403, section="units",
                                  message=_("You cannot add people to that unit."))
    try:
        await add_membership(_intranet(request), person_id, form.unit_id, title=form.title,
                             is_manager=form.is_manager, is_primary=form.is_primary, actor_id=user.id,
                             ip=client_ip(request))
    except PersonError as exc:
        return await _person_page(request, person, status=400, section="units",
                                  message=person_error_message(str(exc)))
    return Redirect(f"/admin/people/{person_id}?done=membership_added#units", status_code=303)


@post("/people/{person_id:int}/memberships/{membership_id:int}", name="admin_membership_change",
      include_in_schema=False, status_code=303)
async def membership_change(request: Request[Any, Any, Any], person_id: FromPath[int],
                            membership_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    intranet = _intranet(request)
    person = await _require_person(request, person_id)
    if (refused := await _require_editable(request, person, "units")) is not None:
        return refused
    form, _errors = validate(MembershipActionForm, read_form(await request.form(), MembershipActionForm))
    membership = await Membership.select(Membership.unit).where(
        (Membership.id == membership_id) & (Membership.person == person_id)
    ).first().run()
    if membership is None:
        raise not_found()
    if not await may_manage_unit(user.id, int(membership["unit"])):
        await deny(request, "unit", membership["unit"])
        return await _person_page(request, person, status=403, section="units",
                                  message=_("You cannot change memberships of that unit."))
    ip = client_ip(request)
    action = form.action if form is not None else ""
    if action == "primary":
        await update_membership(intranet, person_id, membership_id, is_primary=True, actor_id=user.id, ip=ip)
    elif action in ("manager", "not_manager"):
        await update_membership(intranet, person_id, membership_id, is_manager=action == "manager",
                                actor_id=user.id, ip=ip)
    elif action == "remove":
        await remove_membership(intranet, person_id, membership_id, actor_id=user.id, ip=ip)
        return Redirect(f"/admin/people/{person_id}?done=membership_removed#units", status_code=303)
    else:
        return await _person_page(request, person, status=400, section="units",
                                  message=_("This value is not valid."))
    return Redirect(f"/admin/people/{person_id}?done=membership_saved#units", status_code=303)


# --- roles of a person -----------------------------------------------------------------


def _grant_refused() -> str:
    return _("You cannot give this role there: you do not hold every permission of the role there yourself.")


@post("/people/{person_id:int}/roles", name="admin_role_grant", include_in_schema=False, status_code=303)
async def role_grant(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    user = actor(request)
    intranet = _intranet(request)
    person = await _require_person(request, person_id)
    raw = read_form(await request.form(), GrantForm)
    form, errors = validate(GrantForm, raw)
    if form is None:
        return await _person_page(request, person, status=400, section="roles", errors=errors,
                                  message=_("Check the fields marked below."))
    role = await Role.select(Role.id, Role.name).where(Role.id == form.role_id).first().run()
    if role is None or (form.unit_id is not None and not await Unit.exists().where(Unit.id == form.unit_id).run()):
        return await _person_page(request, person, status=400, section="roles",
                                  message=_("Choose one of the options."))
    if not await may(user.id, ROLES, form.unit_id):
        await deny(request, "person", person_id)
        return await _person_page(request, person, status=403, section="roles",
                                  message=_("You cannot give roles there."))
    unit_condition = (RoleAssignment.unit.is_null() if form.unit_id is None
                      else RoleAssignment.unit == form.unit_id)
    if await RoleAssignment.exists().where(
        (RoleAssignment.person == person_id) & (RoleAssignment.role == form.role_id) & unit_condition
    ).run():
        return await _person_page(request, person, status=400, section="roles",
                                  message=_("The person already has this role there."))
    try:
        async with intranet.db.transaction(write=True):
            await grant(user.id, person_id, form.role_id, form.unit_id)
            await record("role.grant", actor_id=user.id, target_type="person", target_id=person_id,
                         details={"role": role["name"], "unit": form.unit_id}, ip=client_ip(request))
    except PermissionDenied as exc:
        await record("role.grant_refused", actor_id=user.id, target_type="person", target_id=person_id,
                     details={"role": role["name"], "unit": form.unit_id, "missing": str(exc)},
                     ip=client_ip(request))
        return await _person_page(request, person, status=403, section="roles", message=_grant_refused())
    return Redirect(f"/admin/people/{person_id}?done=granted#roles", status_code=303)


@post("/people/{person_id:int}/roles/{assignment_id:int}/revoke", name="admin_role_revoke",
      include_in_schema=False, status_code=303)
async def role_revoke(
    request: Request[Any, Any, Any], person_id: FromPath[int], assignment_id: FromPath[int]
) -> Template | Redirect:
    user = actor(request)
    intranet = _intranet(request)
    person = await _require_person(request, person_id)
    assignment = await RoleAssignment.select(
        RoleAssignment.id, RoleAssignment.unit, RoleAssignment.role, RoleAssignment.role.name
    ).where((RoleAssignment.id == assignment_id) & (RoleAssignment.person == person_id)).first().run()
    if assignment is None:
        raise not_found()
    unit_id = None if assignment["unit"] is None else int(assignment["unit"])
    if not await may(user.id, ROLES, unit_id):
        await deny(request, "person", person_id)
        return await _person_page(request, person, status=403, section="roles",
                                  message=_("You cannot take back roles there."))
    problem: str | None = None
    try:
        async with intranet.db.transaction(write=True):
            problem = await revoke_problem(assignment_id)
            if problem is None:
                await revoke(user.id, assignment_id)
                await record("role.revoke", actor_id=user.id, target_type="person", target_id=person_id,
                             details={"role": assignment["role.name"], "unit": unit_id}, ip=client_ip(request))
    except PermissionDenied as exc:
        await record("role.revoke_refused", actor_id=user.id, target_type="person", target_id=person_id,
                     details={"role": assignment["role.name"], "unit": unit_id, "missing": str(exc)},
                     ip=client_ip(request))
        return await _person_page(
            request, person, status=403, section="roles",
            message=_("You cannot take back this role: you do not hold every permission of the role there yourself."),
        )
    if problem is not None:
        return await _person_page(request, person, status=400, section="roles", message=problem)
    return Redirect(f"/admin/people/{person_id}?done=revoked#roles", status_code=303)
