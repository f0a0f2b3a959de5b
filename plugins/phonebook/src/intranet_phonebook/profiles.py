"""A person's phonebook profile: what a reader may see of it, and the person's own changes.

Reading goes through the same visibility rule as search
(:func:`intranet_phonebook.visibility.visible`), inside the query; writing
rewrites the person's search terms in the same transaction, so a number
made private stops matching the moment the change commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from intranet_core.audit.service import record
from intranet_core.people.tables import Person
from intranet_phonebook.index import Defaults, defaults_of, ensure_profiles, now, reindex_people
from intranet_phonebook.search import level_sql, run_sql, sql_in, visible_skills
from intranet_phonebook.tables import Profile, Skill
from intranet_phonebook.visibility import Viewer, visible

MAX_SKILLS = 15
MAX_SKILL_LENGTH = 80


@dataclass
class Details:
    """What a viewer may see of a person's contact details: a hidden field is ``""``."""

    id: int
    name: str
    title: str
    email: str
    phone: str = ""
    mobile: str = ""
    office: str = ""
    working_hours: str = ""
    skills: list[str] = field(default_factory=list)
    active: bool = True


async def details(viewer: Viewer, person_ids: list[int], defaults: Defaults) -> dict[int, Details]:
    """Each person's details as ``viewer`` may see them (one query, and one for the skills)."""
    if not person_ids:
        return {}
    rows = await run_sql(QueryString(
        "SELECT p.id AS id, p.name AS name, p.title AS title, p.email AS email, p.active AS active, "
        "CASE WHEN {} THEN p.phone ELSE '' END AS phone, "
        "CASE WHEN {} THEN p.mobile ELSE '' END AS mobile, "
        "CASE WHEN {} THEN pr.office ELSE '' END AS office, "
        "CASE WHEN {} THEN pr.working_hours ELSE '' END AS working_hours "
        "FROM person AS p LEFT JOIN phonebook_profile AS pr ON pr.person = p.id WHERE p.id IN {}",
        visible(level_sql("phone", defaults), "p.id", viewer),
        visible(level_sql("mobile", defaults), "p.id", viewer),
        visible(level_sql("office", defaults), "p.id", viewer),
        visible(level_sql("hours", defaults), "p.id", viewer),
        sql_in(person_ids),
    ))
    skills = await visible_skills(viewer, person_ids, defaults)
    return {
        int(r["id"]): Details(
            id=int(r["id"]), name=r["name"], title=r["title"] or "", email=r["email"], phone=r["phone"] or "",
            mobile=r["mobile"] or "", office=r["office"] or "", working_hours=r["working_hours"] or "",
            skills=skills.get(int(r["id"]), []), active=bool(r["active"]),
        )
        for r in rows
    }


async def own_profile(intranet: Any, person_id: int) -> dict[str, Any]:
    """Everything the person (or an administrator editing them) sees on the edit form."""
    defaults = defaults_of(intranet)
    row = await Profile.select().where(Profile.person == person_id).first().run()
    skills = await Skill.select(Skill.label).where(Skill.person == person_id).order_by(Skill.position).run()
    person = await Person.select(Person.phone, Person.mobile).where(Person.id == person_id).first().run() or {}
    visibility = {
        name: int(row[f"{name}_visibility"]) if row else getattr(defaults, name)
        for name in ("phone", "mobile", "office", "hours", "skills")
    }
    return {
        "office": row["office"] if row else "",
        "working_hours": row["working_hours"] if row else "",
        "skills": [s["label"] for s in skills],
        "visibility": visibility,
        "phone": person.get("phone", ""),
        "mobile": person.get("mobile", ""),
    }


def clean_skills(text: str) -> list[str]:
    """Skills as typed, one per line or separated by commas: trimmed, without repeats (any case)."""
    found: dict[str, str] = {}
    for part in text.replace("\r", "\n").replace(",", "\n").split("\n"):
        label = " ".join(part.split())
        if label and label.casefold() not in found:
            found[label.casefold()] = label
    return list(found.values())


async def save_profile(
    intranet: Any, person_id: int, *, office: str, working_hours: str, skills: list[str],
    visibility: dict[str, int], actor_id: int, ip: str = "",
) -> None:
    """Store the person's extra fields and choices, and their search terms, in one transaction."""
    async with intranet.db.transaction(write=True):
        await ensure_profiles([person_id], defaults_of(intranet))
        await intranet.db.for_update(Profile.select(Profile.id).where(Profile.person == person_id)).run()
        await Profile.update({
            Profile.office: office,
            Profile.working_hours: working_hours,
            Profile.phone_visibility: visibility["phone"],
            Profile.mobile_visibility: visibility["mobile"],
            Profile.office_visibility: visibility["office"],
            Profile.hours_visibility: visibility["hours"],
            Profile.skills_visibility: visibility["skills"],
            Profile.updated_at: now(),
        }).where(Profile.person == person_id).run()
        await Skill.delete().where(Skill.person == person_id).run()
        if skills:
            await Skill.insert(*[
                Skill(person=person_id, label=label, position=index) for index, label in enumerate(skills)
            ]).run()
        await reindex_people(intranet, [person_id])
        await record("phonebook.profile_update", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"visibility": visibility, "skills": len(skills)}, ip=ip)


# --- the photo --------------------------------------------------------------------------------

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_SIDE = 800
"""A photo is scaled down to this many pixels on its longest side: a profile shows it at 200 at most."""


def photo_url(person_id: int, upload_id: int) -> str:
    """Where the photo is shown from; the upload's id in it makes a new photo a new address for caches."""
    return f"/phonebook/people/{person_id}/photo?v={upload_id}"


async def photo_of(person_id: int) -> Any:
    """The person's photo as an upload (``UploadInfo``), or ``None``."""
    from intranet_core.uploads.service import get_uploads

    row = await Profile.select(Profile.photo).where(Profile.person == person_id).first().run()
    if row is None or row["photo"] is None:
        return None
    return (await get_uploads([int(row["photo"])])).get(int(row["photo"]))


async def _replace_photo(intranet: Any, person_id: int, upload_id: int | None, *, actor_id: int, ip: str) -> None:
    from intranet_core.people.service import update_person
    from intranet_core.uploads.service import delete_upload

    async with intranet.db.transaction(write=True):
        await ensure_profiles([person_id], defaults_of(intranet))
        current = await intranet.db.for_update(
            Profile.select(Profile.photo).where(Profile.person == person_id)
        ).first().run()
        old = current["photo"] if current else None
        await Profile.update({Profile.photo: upload_id, Profile.updated_at: now()}).where(
            Profile.person == person_id
        ).run()
        await record("phonebook.photo_" + ("set" if upload_id else "remove"), actor_id=actor_id,
                     target_type="person", target_id=person_id, ip=ip)
    if old is not None and old != upload_id:
        await delete_upload(intranet, int(old))
    # The core's record says where the photo is, so every page that shows the person can show it.
    await update_person(intranet, person_id, actor_id=actor_id, ip=ip,
                        fields={"photo": photo_url(person_id, upload_id) if upload_id else None})


async def set_photo(intranet: Any, person_id: int, file: Any, *, actor_id: int, ip: str = "") -> None:
    """Keep an uploaded image as the person's photo (the one before is deleted).

    :raises intranet_core.uploads.service.UploadError: not an image, too large, empty.
    """
    from intranet_core.uploads.service import store_upload

    # The file and its row first: a form refused halfway leaves a row nobody refers to,
    # which the uploads' purge removes.
    info = await store_upload(intranet, file, uploader_id=actor_id, allowed_types=PHOTO_TYPES,
                              max_bytes=PHOTO_MAX_BYTES, image_max_side=PHOTO_MAX_SIDE)
    await _replace_photo(intranet, person_id, info.id, actor_id=actor_id, ip=ip)


async def remove_photo(intranet: Any, person_id: int, *, actor_id: int, ip: str = "") -> None:
    await _replace_photo(intranet, person_id, None, actor_id=actor_id, ip=ip)
