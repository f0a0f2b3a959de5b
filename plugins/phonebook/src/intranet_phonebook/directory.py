"""Feeding people in from a directory (SCIM, LDAP, an HR export): the phonebook's offered hook.

A source gives complete records; :func:`apply_records` makes the site match
them through the core's people service (``create_person``, ``update_person``,
``set_active``, memberships), so the changes are audited and every plugin
hears of them as after an import. The phonebook remembers each person's id
in the source (``phonebook_directory_link``), so a changed e-mail address is
a change, not a new person.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from intranet_core.people.service import (
    PersonError,
    add_membership,
    create_person,
    normalise_email,
    set_active,
    update_membership,
    update_person,
)
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.plugins import gather
from intranet_phonebook.index import defaults_of, ensure_profiles, now, reindex_people
from intranet_phonebook.profiles import clean_skills
from intranet_phonebook.tables import DirectoryLink, Profile, Skill

SOURCE_NAME = re.compile(r"^[a-z0-9_-]{1,50}$")


class DirectoryRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One person as a directory knows them.

    ``unit_path`` names the person's primary unit by the names of the units
    from the top down (``("Forbundet", "Østjylland")``); ``None`` leaves their
    units as they are. ``office``, ``working_hours`` and ``skills`` left
    ``None`` are the person's own to keep.
    """

    external_id: str
    email: str
    name: str
    title: str = ""
    phone: str = ""
    mobile: str = ""
    active: bool = True
    unit_path: tuple[str, ...] | None = None
    is_manager: bool = False
    office: str | None = None
    working_hours: str | None = None
    skills: tuple[str, ...] | None = None


class DirectorySource(msgspec.Struct, frozen=True, kw_only=True):
    """A directory the phonebook reads people from: ``fetch()`` gives every record it holds."""

    name: str
    label: str
    fetch: Callable[[], Awaitable[Sequence[DirectoryRecord]]]


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    deactivated: int = 0
    unchanged: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.created} created, {self.updated} updated, {self.deactivated} deactivated, "
                f"{self.unchanged} unchanged, {len(self.problems)} problems")


async def sources(intranet: Any) -> list[DirectorySource]:
    """Every directory source of every plugin, by name."""
    found = [s for s in await gather(intranet.hook.register_directory_sources(app=intranet))
             if isinstance(s, DirectorySource)]
    return sorted(found, key=lambda s: s.name)


async def _unit_ids_by_path() -> dict[tuple[str, ...], int]:
    rows = await Unit.select(Unit.id, Unit.parent, Unit.name).run()
    by_id = {int(r["id"]): r for r in rows}

    def names(unit_id: int) -> tuple[str, ...]:
        chain: list[str] = []
        current: int | None = unit_id
        while current is not None and current in by_id and len(chain) < 50:
            chain.append(str(by_id[current]["name"]))
            current = by_id[current]["parent"]
        return tuple(reversed(chain))

    return {names(unit_id): unit_id for unit_id in by_id}


async def _place(intranet: Any, person_id: int, unit_id: int, record: DirectoryRecord) -> bool:
    """Make ``unit_id`` the person's primary unit (manager or not); whether anything changed."""
    current = await Membership.select(Membership.id, Membership.is_primary, Membership.is_manager,
                                      Membership.title).where(
        (Membership.person == person_id) & (Membership.unit == unit_id)
    ).first().run()
    if current is None:
        await add_membership(intranet, person_id, unit_id, title=record.title, is_manager=record.is_manager,
                             is_primary=True, actor_id=None)
        return True
    if current["is_primary"] and current["is_manager"] == record.is_manager:
        return False
    await update_membership(intranet, person_id, int(current["id"]), is_primary=True,
                            is_manager=record.is_manager, actor_id=None)
    return True


async def _extras(intranet: Any, person_id: int, record: DirectoryRecord) -> bool:
    if record.office is None and record.working_hours is None and record.skills is None:
        return False
    async with intranet.db.transaction(write=True):
        await ensure_profiles([person_id], defaults_of(intranet))
        profile = await intranet.db.for_update(
            Profile.select(Profile.office, Profile.working_hours).where(Profile.person == person_id)
        ).first().run()
        changed = False
        values: dict[Any, Any] = {}
        if record.office is not None and profile and profile["office"] != record.office[:200]:
            values[Profile.office] = record.office[:200]
        if record.working_hours is not None and profile and profile["working_hours"] != record.working_hours[:200]:
            values[Profile.working_hours] = record.working_hours[:200]
        if values:
            await Profile.update({**values, Profile.updated_at: now()}).where(Profile.person == person_id).run()
            changed = True
        if record.skills is not None:
            wanted = clean_skills("\n".join(record.skills))[:15]
            have = [r["label"] for r in await Skill.select(Skill.label).where(Skill.person == person_id).order_by(
                Skill.position).run()]
            if have != wanted:
                await Skill.delete().where(Skill.person == person_id).run()
                if wanted:
                    await Skill.insert(*[Skill(person=person_id, label=label[:80], position=i)
                                         for i, label in enumerate(wanted)]).run()
                changed = True
        if changed:
            await reindex_people(intranet, [person_id])
    return changed


async def apply_records(
    intranet: Any, source: str, records: Sequence[DirectoryRecord], *, complete: bool = True
) -> SyncReport:
    """Make the site's people match a source's records; returns what was done.

    ``complete``: the records are everyone the source holds, so people it fed
    in before and no longer lists are deactivated. A record that cannot be
    applied (an e-mail address another person has, a unit that does not
    exist) is reported and skipped; the others are applied.
    """
    if not SOURCE_NAME.match(source):
        raise ValueError(f"source: expected a name of a-z, 0-9, _ and -, got {source!r}")
    report = SyncReport()
    units = await _unit_ids_by_path()
    links = {r["external_id"]: int(r["person"]) for r in await DirectoryLink.select(
        DirectoryLink.external_id, DirectoryLink.person).where(DirectoryLink.source == source).run()}
    seen: set[str] = set()
    for record in records:
        external_id = record.external_id.strip()[:200]
        if not external_id or external_id in seen:
            report.problems.append(f"{external_id!r}: missing or repeated id")
            continue
        seen.add(external_id)
        fields = {"email": normalise_email(record.email), "name": record.name.strip()[:200],
                  "title": record.title.strip()[:200], "phone": record.phone.strip()[:50],
                  "mobile": record.mobile.strip()[:50]}
        try:
            person_id = links.get(external_id)
            changed = created = False
            if person_id is None:
                existing = await Person.select(Person.id).where(Person.email == fields["email"]).first().run()
                if existing is None:
                    person = await create_person(intranet, actor_id=None, fields=fields)
                    person_id = person.id
                    report.created += 1
                    created = True
                else:
                    person_id = int(existing["id"])
                await DirectoryLink.insert(DirectoryLink(person=person_id, source=source, external_id=external_id,
                                                         synced_at=now())).run()
                links[external_id] = person_id
            before = await Person.select(*[getattr(Person, k) for k in (*fields, "active")]).where(
                Person.id == person_id).first().run()
            if before is not None and any(before[k] != v for k, v in fields.items()):
                await update_person(intranet, person_id, actor_id=None, fields=fields)
                changed = True
            if before is not None and bool(before["active"]) != record.active:
                await set_active(intranet, person_id, record.active, actor_id=None)
                changed = True
                if not record.active:
                    report.deactivated += 1
            if record.unit_path is not None:
                unit_id = units.get(tuple(record.unit_path))
                if unit_id is None:
                    report.problems.append(f"{external_id}: no unit {' / '.join(record.unit_path)}")
                else:
                    changed = await _place(intranet, person_id, unit_id, record) or changed
            changed = await _extras(intranet, person_id, record) or changed
        except PersonError as exc:
            report.problems.append(f"{external_id}: {exc}")
            continue
        if created:
            continue
        if changed and record.active:
            report.updated += 1
        elif not changed:
            report.unchanged += 1
    if complete:
        for external_id, person_id in links.items():
            if external_id in seen:
                continue
            active = await Person.select(Person.active).where(Person.id == person_id).first().run()
            if active and active["active"]:
                await set_active(intranet, person_id, False, actor_id=None)
                report.deactivated += 1
    await DirectoryLink.update({DirectoryLink.synced_at: now()}).where(
        (DirectoryLink.source == source) & DirectoryLink.external_id.is_in(sorted(seen) or [""])
    ).run()
    return report


async def sync_source(intranet: Any, source: DirectorySource) -> SyncReport:
    """Read a source whole and apply it (people it no longer lists are deactivated)."""
    records = await source.fetch()
    return await apply_records(intranet, source.name, list(records), complete=True)

