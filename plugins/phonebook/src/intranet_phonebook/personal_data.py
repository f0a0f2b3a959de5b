"""What the phonebook holds about a person, for "download my data", and its erasure."""

from __future__ import annotations

from typing import Any

from intranet_phonebook.tables import DirectoryLink, Profile, Skill, Term
from intranet_phonebook.visibility import NAMES


async def export(person_id: int) -> dict[str, Any] | None:
    profile = await Profile.select().where(Profile.person == person_id).first().run()
    photo = None
    if profile is not None and profile["photo"] is not None:
        from intranet_core.uploads.service import get_uploads

        info = (await get_uploads([int(profile["photo"])])).get(int(profile["photo"]))
        if info is not None:
            photo = {"filename": info.filename, "content_type": info.content_type, "size": info.size,
                     "uploaded_at": info.created_at}
    skills = await Skill.select(Skill.label).where(Skill.person == person_id).order_by(Skill.position).run()
    links = await DirectoryLink.select(DirectoryLink.source, DirectoryLink.external_id,
                                       DirectoryLink.synced_at).where(DirectoryLink.person == person_id).run()
    if profile is None and not skills and not links:
        return None
    return {
        "profile": None if profile is None else {
            "office": profile["office"],
            "working_hours": profile["working_hours"],
            "visibility": {
                name: NAMES.get(int(profile[f"{name}_visibility"]), "admins")
                for name in ("phone", "mobile", "office", "hours", "skills")
            },
            "updated_at": profile["updated_at"],
            "photo": photo,
        },
        "skills": [row["label"] for row in skills],
        "directory_links": [dict(row) for row in links],
    }


async def erase(intranet: Any, person_id: int) -> None:
    """Everything the phonebook holds is about the person alone: all of it goes, in either mode."""
    from intranet_core.uploads.service import delete_upload

    profile = await Profile.select(Profile.photo).where(Profile.person == person_id).first().run()
    if profile is not None and profile["photo"] is not None:
        # In the erasure's transaction only the row goes; the uploads' purge removes the file.
        await delete_upload(intranet, int(profile["photo"]))
    await Term.delete().where(Term.person == person_id).run()
    await Skill.delete().where(Skill.person == person_id).run()
    await DirectoryLink.delete().where(DirectoryLink.person == person_id).run()
    await Profile.delete().where(Profile.person == person_id).run()
