"""Keeping the search index in step with people, their profiles and the external contacts.

A person's terms are rewritten whole, in the transaction that changes what
they are made of (a profile edit, a skill), or right after the core has
committed a change to the person (``person_created``, ``person_updated``).
Inactive people keep their terms: every search joins the person's row and
finds only active people, so a person who comes back is found again at once.

Units are not indexed here: the core changes memberships and unit names
without telling plugins, so a unit's name is matched when searching, against
the units as they are then (:mod:`intranet_phonebook.search`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from intranet_core.people.tables import Person
from intranet_phonebook.normalise import joined_words, phone_terms, words
from intranet_phonebook.tables import Contact, ContactTerm, Profile, Skill, Term
from intranet_phonebook.visibility import EVERYONE, LEVELS

KIND_NAME, KIND_TITLE, KIND_UNIT, KIND_SKILL, KIND_OTHER, KIND_PHONE = 0, 1, 2, 3, 4, 5
# Rows per INSERT: well under both engines' limit of bound parameters.
ROWS_PER_INSERT = 1000
PEOPLE_PER_BATCH = 100


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass(frozen=True)
class Defaults:
    """The visibility of each field for a person who has not chosen (from the settings)."""

    phone: int = EVERYONE
    mobile: int = EVERYONE
    office: int = EVERYONE
    hours: int = EVERYONE
    skills: int = EVERYONE

    @classmethod
    def from_settings(cls, settings: Any) -> Defaults:
        chosen = settings.default_visibility
        return cls(**{name: LEVELS[getattr(chosen, name)] for name in ("phone", "mobile", "office", "hours",
                                                                         "skills")})

    def columns(self) -> dict[Any, int]:
        return {
            Profile.phone_visibility: self.phone, Profile.mobile_visibility: self.mobile,
            Profile.office_visibility: self.office, Profile.hours_visibility: self.hours,
            Profile.skills_visibility: self.skills,
        }


def defaults_of(intranet: Any) -> Defaults:
    return Defaults.from_settings(intranet.plugin_settings("phonebook"))


def person_terms(person: dict[str, Any], profile: dict[str, Any] | None, skills: Iterable[str],
                 defaults: Defaults, country_code: str) -> dict[str, tuple[int, int]]:
    """``{term: (kind, level)}`` for one person: the most visible source of each term wins."""
    def level(name: str) -> int:
        value = profile.get(f"{name}_visibility") if profile else None
        return int(value) if value is not None else getattr(defaults, name)

    found: dict[str, tuple[int, int]] = {}

    def add(terms: Iterable[str], kind: int, level_: int) -> None:
        for term in terms:
            current = found.get(term)
            if current is None or (level_, kind) < (current[1], current[0]):
                found[term] = (kind, level_)

    add(joined_words(person["name"]), KIND_NAME, EVERYONE)
    add(joined_words(person.get("title") or ""), KIND_TITLE, EVERYONE)
    add(words((person.get("email") or "").split("@", 1)[0]), KIND_OTHER, EVERYONE)
    add(phone_terms(person.get("phone") or "", country_code), KIND_PHONE, level("phone"))
    add(phone_terms(person.get("mobile") or "", country_code), KIND_PHONE, level("mobile"))
    if profile:
        add(words(profile.get("office") or ""), KIND_OTHER, level("office"))
    skill_level = level("skills")
    for skill in skills:
        add(joined_words(skill), KIND_SKILL, skill_level)
    return found


async def _insert_terms(rows: list[tuple[int, str, int, int]]) -> None:
    """``(person, term, kind, level)`` rows, many per statement (the ORM builds an object per row)."""
    for start in range(0, len(rows), ROWS_PER_INSERT):
        chunk = rows[start:start + ROWS_PER_INSERT]
        values = ", ".join("({}, {}, {}, {})" for _ in chunk)
        await Term.raw(
            f"INSERT INTO phonebook_term (person, term, kind, level) VALUES {values}",  # noqa: S608 - placeholders
            *[value for row in chunk for value in row],
        ).run()


async def ensure_profiles(person_ids: Sequence[int], defaults: Defaults) -> list[int]:
    """Create the missing profile rows (with the default visibility); returns whom they were made for."""
    if not person_ids:
        return []
    existing = {int(r["person"]) for r in await Profile.select(Profile.person).where(
        Profile.person.is_in(list(person_ids))
    ).run()}
    missing = [pid for pid in dict.fromkeys(person_ids) if pid not in existing]
    if not missing:
        return []
    moment = now()
    columns = defaults.columns()
    rows = [Profile({Profile.person: pid, Profile.updated_at: moment, **columns}) for pid in missing]
    made: list[int] = []
    for start in range(0, len(rows), ROWS_PER_INSERT // 10):
        answer = await Profile.insert(*rows[start:start + ROWS_PER_INSERT // 10]).on_conflict(
            action="DO NOTHING"
        ).returning(Profile.person).run()
        made += [int(r["person"]) for r in answer]
    return made


async def reindex_people(intranet: Any, person_ids: Sequence[int]) -> None:
    """Rewrite the terms of these people (creating missing profiles); call it inside a write transaction."""
    ids = list(dict.fromkeys(int(pid) for pid in person_ids))
    if not ids:
        return
    settings = intranet.plugin_settings("phonebook")
    defaults = Defaults.from_settings(settings)
    await ensure_profiles(ids, defaults)
    people = await Person.select(Person.id, Person.name, Person.title, Person.email, Person.phone,
                                 Person.mobile).where(Person.id.is_in(ids)).run()
    profiles = {int(r["person"]): r for r in await Profile.select().where(Profile.person.is_in(ids)).run()}
    skills: dict[int, list[str]] = {}
    for row in await Skill.select(Skill.person, Skill.label).where(Skill.person.is_in(ids)).order_by(
        Skill.position
    ).run():
        skills.setdefault(int(row["person"]), []).append(row["label"])
    await Term.delete().where(Term.person.is_in(ids)).run()
    rows = [
        (int(person["id"]), term, kind, level)
        for person in people
        for term, (kind, level) in person_terms(
            person, profiles.get(int(person["id"])), skills.get(int(person["id"]), []), defaults,
            settings.country_code,
        ).items()
    ]
    await _insert_terms(rows)


async def reindex_person(intranet: Any, person_id: int) -> None:
    """Rewrite one person's terms in a transaction of its own (after the core's change has committed)."""
    async with intranet.db.transaction(write=True):
        # Two processes indexing the same person queue on the profile row.
        await ensure_profiles([person_id], defaults_of(intranet))
        await intranet.db.for_update(Profile.select(Profile.id).where(Profile.person == person_id)).run()
        await reindex_people(intranet, [person_id])


async def index_missing(intranet: Any, *, batch: int = PEOPLE_PER_BATCH) -> int:
    """Index every person the phonebook has not seen yet (no profile row); returns how many.

    Run at start-up: people created while the plugin was not installed or
    enabled, or the whole organisation when the plugin is new. Each batch is
    one transaction; a batch another process took first is left to it.
    """
    done = 0
    defaults = defaults_of(intranet)
    while True:
        # Active people only: an erased person (inactive, their profile gone) stays out.
        rows = await Person.raw(
            "SELECT p.id AS id FROM person AS p WHERE p.active = {} AND NOT EXISTS "
            "(SELECT 1 FROM phonebook_profile AS pr WHERE pr.person = p.id) ORDER BY p.id LIMIT {}",
            True, batch,
        ).run()
        if not rows:
            return done
        async with intranet.db.transaction(write=True):
            made = await ensure_profiles([int(r["id"]) for r in rows], defaults)
            if made:
                await reindex_people(intranet, made)
        done += len(made)
        if len(rows) < batch:
            return done


async def reindex_all(intranet: Any, *, batch: int = PEOPLE_PER_BATCH) -> int:
    """Rewrite the terms of every active person, a batch per transaction; returns how many."""
    done = 0
    after = 0
    while True:
        rows = await Person.select(Person.id).where(
            (Person.id > after) & (Person.active == True)  # noqa: E712 - SQL
        ).order_by(Person.id).limit(batch).run()
        if not rows:
            return done
        async with intranet.db.transaction(write=True):
            await reindex_people(intranet, [int(r["id"]) for r in rows])
        done += len(rows)
        after = int(rows[-1]["id"])


# --- external contacts ----------------------------------------------------------------------


def contact_terms(contact: dict[str, Any], country_code: str) -> dict[str, int]:
    """``{term: kind}`` for an external contact."""
    found: dict[str, int] = {}

    def add(terms: Iterable[str], kind: int) -> None:
        for term in terms:
            found[term] = min(kind, found.get(term, kind))

    add(joined_words(contact["name"]), KIND_NAME)
    add(joined_words(contact.get("organisation") or ""), KIND_UNIT)
    add(joined_words(contact.get("title") or ""), KIND_TITLE)
    add(words((contact.get("email") or "").replace("@", " ")), KIND_OTHER)
    add(phone_terms(contact.get("phone") or "", country_code), KIND_PHONE)
    add(phone_terms(contact.get("mobile") or "", country_code), KIND_PHONE)
    return found


async def reindex_contact(intranet: Any, contact_id: int) -> None:
    """Rewrite an external contact's terms; call it inside the transaction that changed the contact."""
    row = await Contact.select().where(Contact.id == contact_id).first().run()
    await ContactTerm.delete().where(ContactTerm.contact == contact_id).run()
    if row is None:
        return
    terms = contact_terms(row, intranet.plugin_settings("phonebook").country_code)
    if terms:
        await ContactTerm.insert(*[
            ContactTerm(contact=contact_id, term=term, kind=kind) for term, kind in terms.items()
        ]).run()
