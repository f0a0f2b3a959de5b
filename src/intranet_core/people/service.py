"""Creating, changing and deactivating people and units.

Every change is audited in the same transaction and announced to plugins
(``person_created`` and friends) after it commits.
"""

from __future__ import annotations

import datetime
from typing import Any

from intranet_core.audit.service import record
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.plugins import gather

# ``photo``: a path on this site where the person's photo is shown from (a plugin keeps the photo).
EDITABLE_FIELDS = ("email", "name", "title", "phone", "mobile", "language", "start_date", "leaving_date", "photo")


class PersonError(ValueError):
    """A change that cannot be made (a message id for the form: ``email_taken``)."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def get_person(person_id: int) -> PersonInfo | None:
    row = await Person.select(*[getattr(Person, f) for f in PersonInfo.__struct_fields__]).where(
        Person.id == person_id
    ).first().run()
    return None if row is None else PersonInfo.from_row(row)


async def find_by_email(email: str) -> dict[str, Any] | None:
    """The whole ``person`` row, password hash included: for signing in and resetting a password.

    Everything else asks :func:`person_id_by_email`.
    """
    return await Person.select().where(Person.email == normalise_email(email)).first().run()


async def person_id_by_email(email: str) -> int | None:
    """The id of the person with this address (active or not), or ``None``."""
    row = await Person.select(Person.id).where(Person.email == normalise_email(email)).first().run()
    return None if row is None else int(row["id"])


async def create_person(
    intranet: Any, *, actor_id: int | None, fields: dict[str, Any], password_hash: str | None = None,
    unit_id: int | None = None, unit_title: str = "", ip: str = "",
) -> PersonInfo:
    """Create a person (and their primary membership).

    :raises PersonError: ``email_taken``, or ``unit_not_found``.
    """
    data = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    data["email"] = normalise_email(data["email"])
    async with intranet.db.transaction(write=True):
        if await Person.exists().where(Person.email == data["email"]).run():
            raise PersonError("email_taken")
        if unit_id is not None and not await Unit.exists().where(Unit.id == unit_id).run():
            raise PersonError("unit_not_found")
        rows = await Person.insert(
            Person(**data, password_hash=password_hash, active=True, created_at=_now(), updated_at=_now())
        ).returning(Person.id).run()
        person_id = int(rows[0]["id"])
        if unit_id is not None:
            await Membership.insert(
                Membership(person=person_id, unit=unit_id, title=unit_title or data.get("title", ""), is_primary=True)
            ).run()
        await record("person.create", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"email": data["email"], "unit": unit_id}, ip=ip)
    person = await get_person(person_id)
    assert person is not None
    await gather(intranet.hook.person_created(app=intranet, person=person))
    return person


async def update_person(
    intranet: Any, person_id: int, *, actor_id: int | None, fields: dict[str, Any], ip: str = ""
) -> PersonInfo:
    data = {k: v for k, v in fields.items() if k in EDITABLE_FIELDS}
    if "email" in data:
        data["email"] = normalise_email(data["email"])
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(Person.select().where(Person.id == person_id)).first().run()
        if current is None:
            raise PersonError("not_found")
        if "email" in data and data["email"] != current["email"] and await Person.exists().where(
            (Person.email == data["email"]) & (Person.id != person_id)
        ).run():
            raise PersonError("email_taken")
        changes = {k: current[k] for k, v in data.items() if current[k] != v}
        if changes:
            await Person.update({**{getattr(Person, k): data[k] for k in changes}, Person.updated_at: _now()}).where(
                Person.id == person_id
            ).run()
            await record("person.update", actor_id=actor_id, target_type="person", target_id=person_id,
                         details={"fields": sorted(changes)}, ip=ip)
    person = await get_person(person_id)
    assert person is not None
    if changes:
        await gather(intranet.hook.person_updated(app=intranet, person=person, changes=changes))
    return person


async def set_active(intranet: Any, person_id: int, active: bool, *, actor_id: int | None, ip: str = "") -> None:
    """Deactivate (ending every session and API token) or reactivate a person; ``PersonError("not_found")``."""
    from intranet_core.auth.sessions import end_sessions
    from intranet_core.auth.tables import ApiToken

    async with intranet.db.transaction(write=True):
        changed = await Person.update({Person.active: active, Person.updated_at: _now()}).where(
            Person.id == person_id).returning(Person.id).run()
        if not changed:
            raise PersonError("not_found")
        if not active:
            await end_sessions(person_id)
            await ApiToken.update({ApiToken.revoked_at: _now()}).where(
                (ApiToken.person == person_id) & ApiToken.revoked_at.is_null()
            ).run()
        await record("person.deactivate" if not active else "person.reactivate", actor_id=actor_id,
                     target_type="person", target_id=person_id, ip=ip)
    person = await get_person(person_id)
    if person is not None and not active:
        await gather(intranet.hook.person_deactivated(app=intranet, person=person))
    elif person is not None:
        await gather(intranet.hook.person_updated(app=intranet, person=person, changes={"active": False}))


async def set_password_hash(person_id: int, password_hash: str) -> None:
    await Person.update({Person.password_hash: password_hash, Person.updated_at: _now()}).where(
        Person.id == person_id
    ).run()


# --- units ---------------------------------------------------------------------


async def create_unit(
    intranet: Any, *, name: str, kind: str, parent_id: int | None, actor_id: int | None, ip: str = ""
) -> int:
    async with intranet.db.transaction(write=True):
        parent_path = "/"
        if parent_id is not None:
            parent = await Unit.select(Unit.path).where(Unit.id == parent_id).first().run()
            if parent is None:
                raise PersonError("unit_not_found")
            parent_path = parent["path"]
        rows = await Unit.insert(Unit(name=name, kind=kind, parent=parent_id, path="/", created_at=_now())).returning(
            Unit.id
        ).run()
        unit_id = int(rows[0]["id"])
        await Unit.update({Unit.path: f"{parent_path}{unit_id}/"}).where(Unit.id == unit_id).run()
        await record("unit.create", actor_id=actor_id, target_type="unit", target_id=unit_id,
                     details={"name": name, "parent": parent_id}, ip=ip)
    return unit_id


async def move_unit(intranet: Any, unit_id: int, new_parent_id: int | None, *, actor_id: int | None,
                    ip: str = "") -> None:
    """Put a unit (and its branch) under another parent; refuses to make a cycle."""
    async with intranet.db.transaction(write=True):
        unit = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
        if unit is None:
            raise PersonError("unit_not_found")
        new_parent_path = "/"
        if new_parent_id is not None:
            parent = await Unit.select(Unit.path).where(Unit.id == new_parent_id).first().run()
            if parent is None:
                raise PersonError("unit_not_found")
            if parent["path"].startswith(unit["path"]):
                raise PersonError("unit_cycle")
            new_parent_path = parent["path"]
        old_path = unit["path"]
        new_path = f"{new_parent_path}{unit_id}/"
        branch = await Unit.select(Unit.id, Unit.path).where(Unit.path.like(f"{old_path}%")).run()
        for row in branch:
            await Unit.update({Unit.path: new_path + row["path"][len(old_path):]}).where(Unit.id == row["id"]).run()
        await Unit.update({Unit.parent: new_parent_id}).where(Unit.id == unit_id).run()
        await record("unit.move", actor_id=actor_id, target_type="unit", target_id=unit_id,
                     details={"parent": new_parent_id}, ip=ip)


async def descendant_ids(unit_id: int) -> list[int]:
    """The unit and every unit below it."""
    unit = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
    if unit is None:
        return []
    rows = await Unit.select(Unit.id).where(Unit.path.like(f"{unit['path']}%")).run()
    return [int(r["id"]) for r in rows]


async def update_unit(
    intranet: Any, unit_id: int, *, name: str, kind: str, actor_id: int | None, ip: str = ""
) -> None:
    """Rename a unit or change its kind (moving it is :func:`move_unit`)."""
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Unit.select(Unit.name, Unit.kind).where(Unit.id == unit_id)
        ).first().run()
        if current is None:
            raise PersonError("unit_not_found")
        changes = sorted(k for k, v in (("name", name), ("kind", kind)) if current[k] != v)
        if changes:
            await Unit.update({Unit.name: name, Unit.kind: kind}).where(Unit.id == unit_id).run()
            await record("unit.update", actor_id=actor_id, target_type="unit", target_id=unit_id,
                         details={"fields": changes}, ip=ip)


# --- memberships -----------------------------------------------------------------


async def add_membership(
    intranet: Any, person_id: int, unit_id: int, *, title: str = "", is_manager: bool = False,
    is_primary: bool = False, actor_id: int | None, ip: str = "",
) -> int:
    """Make a person a member of a unit; raises ``PersonError("membership_exists")``."""
    async with intranet.db.transaction(write=True):
        if not await Unit.exists().where(Unit.id == unit_id).run():
            raise PersonError("unit_not_found")
        if not await Person.exists().where(Person.id == person_id).run():
            raise PersonError("not_found")
        if await Membership.exists().where((Membership.person == person_id) & (Membership.unit == unit_id)).run():
            raise PersonError("membership_exists")
        changed = [unit_id]
        if is_primary:
            changed += await _unmark_primary(person_id)
        rows = await Membership.insert(
            Membership(person=person_id, unit=unit_id, title=title, is_manager=is_manager, is_primary=is_primary)
        ).returning(Membership.id).run()
        membership_id = int(rows[0]["id"])
        await record("membership.add", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"unit": unit_id, "manager": is_manager, "primary": is_primary}, ip=ip)
    await _memberships_changed(intranet, person_id, changed)
    return membership_id


async def update_membership(
    intranet: Any, person_id: int, membership_id: int, *, is_primary: bool | None = None,
    is_manager: bool | None = None, title: str | None = None, actor_id: int | None, ip: str = "",
) -> None:
    """Change one of a person's memberships; making it primary unmarks the others."""
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Membership.select(Membership.unit, Membership.is_primary, Membership.is_manager, Membership.title).where(
                (Membership.id == membership_id) & (Membership.person == person_id)
            )
        ).first().run()
        if current is None:
            raise PersonError("not_found")
        changed: list[int] = []
        values: dict[Any, Any] = {}
        if is_primary is not None:
            if is_primary:
                changed += await _unmark_primary(person_id, except_id=membership_id)
            values[Membership.is_primary] = is_primary
        if is_manager is not None:
            values[Membership.is_manager] = is_manager
        if title is not None:
            values[Membership.title] = title
        if values:
            await Membership.update(values).where(Membership.id == membership_id).run()
        if any(current[column._meta.name] != value for column, value in values.items()):
            changed.insert(0, int(current["unit"]))
        await record("membership.update", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"unit": current["unit"], **{c._meta.name: v for c, v in values.items()}}, ip=ip)
    await _memberships_changed(intranet, person_id, changed)


async def remove_membership(intranet: Any, person_id: int, membership_id: int, *, actor_id: int | None,
                            ip: str = "") -> None:
    async with intranet.db.transaction(write=True):
        current = await Membership.select(Membership.unit).where(
            (Membership.id == membership_id) & (Membership.person == person_id)
        ).first().run()
        if current is None:
            raise PersonError("not_found")
        await Membership.delete().where(Membership.id == membership_id).run()
        await record("membership.remove", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"unit": current["unit"]}, ip=ip)
    await _memberships_changed(intranet, person_id, [int(current["unit"])])


async def _unmark_primary(person_id: int, *, except_id: int | None = None) -> list[int]:
    """Unmark the person's primary membership (but ``except_id``); the units that were primary."""
    condition = (Membership.person == person_id) & (Membership.is_primary == True)  # noqa: E712
    if except_id is not None:
        condition &= Membership.id != except_id
    rows = await Membership.select(Membership.unit).where(condition).run()
    if rows:
        await Membership.update({Membership.is_primary: False}).where(condition).run()
    return [int(r["unit"]) for r in rows]


async def _memberships_changed(intranet: Any, person_id: int, unit_ids: list[int]) -> None:
    """Tell the plugins (after the commit) that these memberships of the person changed."""
    if not unit_ids:
        return
    person = await get_person(person_id)
    if person is not None:
        await gather(intranet.hook.memberships_changed(app=intranet, person=person,
                                                       unit_ids=list(dict.fromkeys(unit_ids))))
