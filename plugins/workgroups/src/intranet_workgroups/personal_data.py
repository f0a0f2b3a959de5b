"""A person's data in the groups: their copy (export) and what happens when they are erased.

Memberships, follows, mutes and join requests are only about the person:
erased in either mode. Groups and folders they created stay (they belong to
their members) without a creator. Page versions they wrote and file
versions they uploaded are content others rely on: kept without an author
when anonymising; deleted with ``delete_content``, each page or file then
showing its latest version by someone else (or going, if only they ever
wrote it).
"""

from __future__ import annotations

from typing import Any

from intranet_core.people.models import PersonInfo
from intranet_workgroups.files.tables import FileVersion, Folder, GroupFile, GroupImage
from intranet_workgroups.groups.tables import Follower, Group, JoinRequest, Member, Mute
from intranet_workgroups.pages.tables import Page, PageRevision


async def export(intranet: Any, person: PersonInfo) -> dict[str, Any] | None:
    memberships = await Member.select(
        Member.workgroup, Member.workgroup.name.as_alias("group"), Member.role, Member.joined_at
    ).where(Member.person == person.id).order_by(Member.joined_at).run()
    follows = await Follower.select(
        Follower.workgroup, Follower.workgroup.name.as_alias("group"), Follower.created_at
    ).where(Follower.person == person.id).run()
    mutes = await Mute.select(Mute.workgroup, Mute.workgroup.name.as_alias("group"), Mute.created_at).where(
        Mute.person == person.id
    ).run()
    requests = await JoinRequest.select(
        JoinRequest.workgroup, JoinRequest.workgroup.name.as_alias("group"), JoinRequest.message,
        JoinRequest.created_at,
    ).where(JoinRequest.person == person.id).run()
    created = await Group.select(Group.id, Group.name, Group.created_at).where(Group.created_by == person.id).run()
    versions = await PageRevision.select(
        PageRevision.page, PageRevision.page.workgroup.as_alias("workgroup"), PageRevision.number,
        PageRevision.title, PageRevision.body, PageRevision.created_at,
    ).where(PageRevision.author == person.id).order_by(PageRevision.id).run()
    files = await FileVersion.select(
        FileVersion.file.workgroup.as_alias("workgroup"), FileVersion.file.name.as_alias("file"),
        FileVersion.number, FileVersion.note, FileVersion.upload.filename.as_alias("filename"),
        FileVersion.upload.size.as_alias("size"), FileVersion.created_at,
    ).where(FileVersion.uploaded_by == person.id).order_by(FileVersion.id).run()
    folders = await Folder.select(Folder.workgroup, Folder.name, Folder.created_at).where(
        Folder.created_by == person.id
    ).run()
    data = {
        "memberships": memberships, "follows": follows, "mutes": mutes, "join_requests": requests,
        "groups_created": created, "page_versions": versions, "file_versions": files, "folders_created": folders,
    }
    return data if any(data.values()) else None


async def erase(intranet: Any, person: PersonInfo, mode: str) -> None:
    """Runs inside the core's erasure transaction."""
    for table in (Member, Follower, Mute, JoinRequest):
        await table.delete().where(table.person == person.id).run()
    await Group.update({Group.created_by: None}).where(Group.created_by == person.id).run()
    if mode == "delete_content":
        await _delete_page_versions(person.id)
        await _delete_file_versions(person.id)
    await FileVersion.update({FileVersion.uploaded_by: None}).where(FileVersion.uploaded_by == person.id).run()
    await GroupFile.update({GroupFile.created_by: None}).where(GroupFile.created_by == person.id).run()
    await Folder.update({Folder.created_by: None}).where(Folder.created_by == person.id).run()
    await GroupImage.update({GroupImage.updated_by: None}).where(GroupImage.updated_by == person.id).run()
    await PageRevision.update({PageRevision.author: None}).where(PageRevision.author == person.id).run()
    await Page.update({Page.created_by: None}).where(Page.created_by == person.id).run()
    await Page.update({Page.updated_by: None}).where(Page.updated_by == person.id).run()


async def _delete_page_versions(person_id: int) -> None:
    from intranet_core.markup import render
    from intranet_core.search.service import remove_document
    from intranet_workgroups.pages.service import KIND_PAGE, reindex_pages
    from intranet_workgroups.search import audience_for_content

    touched = await PageRevision.select(PageRevision.page, PageRevision.page.workgroup.as_alias("workgroup")).where(
        PageRevision.author == person_id
    ).distinct().run()
    await PageRevision.delete().where(PageRevision.author == person_id).run()
    groups: set[int] = set()
    for row in touched:
        page_id = int(row["page"])
        latest = await PageRevision.select(PageRevision.number, PageRevision.title, PageRevision.body,
                                           PageRevision.author, PageRevision.created_at).where(
            PageRevision.page == page_id
        ).order_by(PageRevision.number, ascending=False).first().run()
        if latest is None:
            await Page.delete().where(Page.id == page_id).run()
            await remove_document(kind=KIND_PAGE, ref_id=page_id)
            continue
        await Page.update({
            Page.title: latest["title"], Page.body: latest["body"], Page.body_html: str(render(latest["body"])),
            Page.revision: latest["number"], Page.updated_by: latest["author"], Page.updated_at: latest["created_at"],
        }).where(Page.id == page_id).run()
        groups.add(int(row["workgroup"]))
    for group_id in sorted(groups):
        await reindex_pages(group_id, await audience_for_content(group_id))


async def _delete_file_versions(person_id: int) -> None:
    """Their versions go (the uploads with them); a file then shows its latest other version, or goes."""
    from intranet_core.search.service import remove_document
    from intranet_core.uploads.tables import Upload
    from intranet_workgroups.files.service import KIND_FILE

    touched = await FileVersion.select(FileVersion.file).where(FileVersion.uploaded_by == person_id).distinct().run()
    uploads = [int(r["upload"]) for r in await FileVersion.select(FileVersion.upload).where(
        FileVersion.uploaded_by == person_id
    ).run()]
    await FileVersion.delete().where(FileVersion.uploaded_by == person_id).run()
    if uploads:
        # Their files are removed from disk by the uploads service's purge, with no row left.
        await Upload.delete().where(Upload.id.is_in(uploads)).run()
    for row in touched:
        file_id = int(row["file"])
        latest = await FileVersion.select(FileVersion.number).where(FileVersion.file == file_id).order_by(
            FileVersion.number, ascending=False
        ).first().run()
        if latest is None:
            await GroupFile.delete().where(GroupFile.id == file_id).run()
            await remove_document(kind=KIND_FILE, ref_id=file_id)
        else:
            await GroupFile.update({GroupFile.version: latest["number"]}).where(GroupFile.id == file_id).run()
