"""Group files: folders, uploading (a file of the same name becomes a new version), versions, the group picture.

The bytes go through the core's uploads service, which sniffs their type,
enforces the size and type limits and serves them so that they cannot run.
This module decides which upload belongs to which group; the routes check
that the person may read the group before anything is served. Every query
here is tied to the group (``workgroup``), so an id from another group is
simply not found.
"""

from __future__ import annotations

import datetime
from typing import Any

from litestar.datastructures import UploadFile

from intranet_core.audit.service import record
from intranet_core.search.service import index_document, remove_document
from intranet_core.uploads.service import (
    UploadError,
    UploadInfo,
    prepare_upload,
    remove_files_if_unused,
    save_upload,
    upload_info,
)
from intranet_core.uploads.tables import Upload
from intranet_workgroups.files.tables import FOLDER_NAME_MAX, NOTE_MAX, FileVersion, Folder, GroupFile, GroupImage

KIND_FILE = "workgroups.file"
MAX_ID = 2**31 - 1
MAX_DEPTH = 20
VERSION_COLUMNS = (
    FileVersion.number, FileVersion.note, FileVersion.created_at, FileVersion.uploaded_by,
    FileVersion.uploaded_by.name, FileVersion.upload.id, FileVersion.upload.filename, FileVersion.upload.content_type,
    FileVersion.upload.size, FileVersion.upload.sha256, FileVersion.upload.uploaded_by, FileVersion.upload.created_at,
)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def valid_id(value: int | None) -> bool:
    return value is not None and 0 < value <= MAX_ID


class FileError(ValueError):
    def __init__(self, code: str, message: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.message = message


def limits(intranet: Any) -> tuple[list[str], int]:
    """The types and the size a group file may have: the plugin's settings, never beyond the site's."""
    site = intranet.settings.uploads
    mine = intranet.plugin_settings("workgroups")
    types = [t for t in (mine.file_types or site.allowed_types) if t in site.allowed_types]
    size = min(mine.max_file_bytes or site.max_bytes, site.max_bytes)
    return types, size


def file_url(group_id: int, file_id: int) -> str:
    return f"/groups/{group_id}/files/{file_id}"


async def _index(group_id: int, file_id: int, name: str, note: str, audience: list[str]) -> None:
    await index_document(kind=KIND_FILE, ref_id=file_id, title=name, body=note, audience=audience,
                         url=file_url(group_id, file_id))


async def reindex_files(group_id: int, audience: list[str]) -> None:
    rows = await GroupFile.select(GroupFile.id, GroupFile.name).where(GroupFile.workgroup == group_id).run()
    for row in rows:
        await _index(group_id, int(row["id"]), row["name"], "", audience)


async def unindex_files(group_id: int) -> None:
    for row in await GroupFile.select(GroupFile.id).where(GroupFile.workgroup == group_id).run():
        await remove_document(kind=KIND_FILE, ref_id=int(row["id"]))


# --- folders ---------------------------------------------------------------------------


async def get_folder(group_id: int, folder_id: int | None) -> dict[str, Any] | None:
    if not valid_id(folder_id):
        return None
    return await Folder.select(Folder.id, Folder.name, Folder.parent).where(
        (Folder.id == folder_id) & (Folder.workgroup == group_id)
    ).first().run()


async def breadcrumbs(group_id: int, folder_id: int | None) -> list[dict[str, Any]]:
    """The folders from the top down to ``folder_id`` (one query per level; folders nest a few levels)."""
    trail: list[dict[str, Any]] = []
    current = folder_id
    while current is not None and len(trail) < MAX_DEPTH:
        row = await get_folder(group_id, current)
        if row is None:
            break
        trail.append(row)
        current = row["parent"]
    return list(reversed(trail))


async def listing(group_id: int, folder_id: int | None) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The folders and files in a folder (``None``: the top), by name; each file with its current version."""
    where_folder = Folder.parent.is_null() if folder_id is None else Folder.parent == folder_id
    folders = await Folder.select(Folder.id, Folder.name).where((Folder.workgroup == group_id) & where_folder).order_by(
        Folder.name
    ).order_by(Folder.id).run()
    place = "f.folder IS NULL" if folder_id is None else "f.folder = {}"
    args: list[Any] = [group_id] + ([] if folder_id is None else [folder_id])
    files = await GroupFile.raw(
        "SELECT f.id AS id, f.name AS name, f.version AS version, f.updated_at AS updated_at, "  # noqa: S608
        "u.size AS size, u.content_type AS content_type, p.name AS uploader "
        "FROM workgroups_file AS f "
        "JOIN workgroups_file_version AS v ON v.file = f.id AND v.number = f.version "
        "JOIN upload AS u ON u.id = v.upload LEFT JOIN person AS p ON p.id = v.uploaded_by "
        f"WHERE f.workgroup = {{}} AND {place} ORDER BY f.name, f.id",
        *args,
    ).run()
    return folders, files


async def create_folder(intranet: Any, group_id: int, parent_id: int | None, name: str, *, actor_id: int) -> int:
    name = " ".join(name.split())
    if not name:
        raise FileError("folder_name_missing")
    if len(name) > FOLDER_NAME_MAX:
        raise FileError("folder_name_long")
    async with intranet.db.transaction(write=True):
        if parent_id is not None and await get_folder(group_id, parent_id) is None:
            raise FileError("gone")
        siblings = Folder.parent.is_null() if parent_id is None else Folder.parent == parent_id
        if await Folder.exists().where((Folder.workgroup == group_id) & siblings & (Folder.name == name)).run():
            raise FileError("folder_exists")
        rows = await Folder.insert(Folder(workgroup=group_id, parent=parent_id, name=name, created_by=actor_id,
                                          created_at=now())).returning(Folder.id).run()
    return int(rows[0]["id"])


async def delete_folder(intranet: Any, group_id: int, folder_id: int, *, actor_id: int, ip: str = "") -> int | None:
    """Delete an empty folder; returns its parent."""
    async with intranet.db.transaction(write=True):
        folder = await get_folder(group_id, folder_id)
        if folder is None:
            raise FileError("gone")
        if await Folder.exists().where(Folder.parent == folder_id).run() or await GroupFile.exists().where(
            GroupFile.folder == folder_id
        ).run():
            raise FileError("folder_not_empty")
        await Folder.delete().where(Folder.id == folder_id).run()
        await record("workgroups.folder_delete", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"folder": folder_id, "name": folder["name"]}, ip=ip)
    return folder["parent"]


# --- files -----------------------------------------------------------------------------------


async def get_file(group_id: int, file_id: int) -> dict[str, Any] | None:
    if not valid_id(file_id):
        return None
    return await GroupFile.select(
        GroupFile.id, GroupFile.name, GroupFile.folder, GroupFile.version, GroupFile.created_by,
        GroupFile.created_at, GroupFile.updated_at,
    ).where((GroupFile.id == file_id) & (GroupFile.workgroup == group_id)).first().run()


async def versions(group_id: int, file_id: int) -> list[dict[str, Any]]:
    """Every version of a file, newest first, with its upload (one query)."""
    return await FileVersion.select(*VERSION_COLUMNS).where(
        (FileVersion.file == file_id) & (FileVersion.file.workgroup == group_id)
    ).order_by(FileVersion.number, ascending=False).run()


async def version_upload(group_id: int, file_id: int, number: int | None) -> UploadInfo | None:
    """The upload of a version (``None``: the current one) of a file of this group."""
    condition = (FileVersion.file == file_id) & (FileVersion.file.workgroup == group_id)
    if number is None:
        condition = condition & (FileVersion.number == FileVersion.file.version)
    elif valid_id(number):
        condition = condition & (FileVersion.number == number)
    else:
        return None
    row = await FileVersion.select(*VERSION_COLUMNS).where(condition).first().run()
    return None if row is None else upload_info(row, prefix="upload.")


async def add_file(
    intranet: Any, group_id: int, folder_id: int | None, file: UploadFile, *, actor_id: int, note: str = "",
    file_id: int | None = None,
) -> tuple[int, int]:
    """Store an uploaded file: a new file, or a new version of ``file_id`` or of the file of the same name.

    The bytes are checked and put on disk first (outside the transaction);
    the rows are then written in one transaction. Returns (file id, version).

    :raises FileError: ``upload`` (with the uploads service's message), ``gone``, ``too_many_versions``.
    """
    types, size = limits(intranet)
    try:
        prepared = await prepare_upload(intranet, file, allowed_types=types, max_bytes=size)
    except UploadError as exc:
        raise FileError("upload", exc.message) from None
    note = note.strip()[:NOTE_MAX]
    max_versions = intranet.plugin_settings("workgroups").max_versions
    from intranet_workgroups.search import audience_for_content

    async with intranet.db.transaction(write=True):
        if folder_id is not None and await get_folder(group_id, folder_id) is None:
            raise FileError("gone")
        if file_id is not None:
            existing = await intranet.db.for_update(GroupFile.select(GroupFile.id, GroupFile.version).where(
                (GroupFile.id == file_id) & (GroupFile.workgroup == group_id)
            )).first().run()
            if existing is None:
                raise FileError("gone")
        else:
            place = GroupFile.folder.is_null() if folder_id is None else GroupFile.folder == folder_id
            existing = await intranet.db.for_update(GroupFile.select(GroupFile.id, GroupFile.version).where(
                (GroupFile.workgroup == group_id) & place & (GroupFile.name == prepared.filename)
            )).first().run()
        if existing is not None and await FileVersion.count().where(
            FileVersion.file == existing["id"]
        ).run() >= max_versions:
            raise FileError("too_many_versions")
        upload = await save_upload(prepared, uploader_id=actor_id)
        if existing is None:
            rows = await GroupFile.insert(GroupFile(
                workgroup=group_id, folder=folder_id, name=prepared.filename, version=1, created_by=actor_id,
                created_at=now(), updated_at=now(),
            )).returning(GroupFile.id).run()
            target, number = int(rows[0]["id"]), 1
        else:
            target, number = int(existing["id"]), int(existing["version"]) + 1
            await GroupFile.update({GroupFile.version: number, GroupFile.updated_at: now()}).where(
                GroupFile.id == target
            ).run()
        await FileVersion.insert(FileVersion(
            file=target, number=number, upload=upload.id, uploaded_by=actor_id, note=note, created_at=now(),
        )).run()
        row = await GroupFile.select(GroupFile.name).where(GroupFile.id == target).first().run()
        await _index(group_id, target, row["name"] if row else prepared.filename, note,
                     await audience_for_content(group_id))
    return target, number


async def delete_file(intranet: Any, group_id: int, file_id: int, *, actor_id: int, ip: str = "") -> int | None:
    """Delete a file with all its versions (and their uploads); returns its folder."""
    async with intranet.db.transaction(write=True):
        found = await get_file(group_id, file_id)
        if found is None:
            raise FileError("gone")
        uploads = await FileVersion.select(FileVersion.upload, FileVersion.upload.sha256).where(
            FileVersion.file == file_id
        ).run()
        await GroupFile.delete().where(GroupFile.id == file_id).run()
        ids = [int(u["upload"]) for u in uploads]
        if ids:
            # Only uploads no other row still uses (the group picture, say) go.
            await Upload.delete().where(
                Upload.id.is_in(ids) & Upload.id.not_in(GroupImage.select(GroupImage.upload))
            ).run()
        await remove_document(kind=KIND_FILE, ref_id=file_id)
        await record("workgroups.file_delete", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                     details={"file": file_id, "name": found["name"], "versions": len(ids)}, ip=ip)
    await remove_files_if_unused(intranet, [u["upload.sha256"] for u in uploads])
    return found["folder"]


# --- the group's picture ------------------------------------------------------------------


async def group_image(group_id: int) -> UploadInfo | None:
    row = await GroupImage.select(
        *[getattr(GroupImage.upload, name) for name in
          ("id", "filename", "content_type", "size", "sha256", "uploaded_by", "created_at")]
    ).where(GroupImage.workgroup == group_id).first().run()
    return None if row is None else upload_info(row, prefix="upload.")


async def images_of(group_ids: list[int]) -> set[int]:
    """Which of the groups have a picture (one query)."""
    if not group_ids:
        return set()
    rows = await GroupImage.select(GroupImage.workgroup).where(GroupImage.workgroup.is_in(group_ids)).run()
    return {int(r["workgroup"]) for r in rows}


async def set_image(intranet: Any, group_id: int, file: UploadFile, *, actor_id: int, ip: str = "") -> None:
    site = intranet.settings.uploads
    try:
        prepared = await prepare_upload(intranet, file, allowed_types=site.image_types,
                                        max_bytes=min(site.max_bytes, 5 * 1024 * 1024))
    except UploadError as exc:
        raise FileError("upload", exc.message) from None
    async with intranet.db.transaction(write=True):
        old = await intranet.db.for_update(
            GroupImage.select(GroupImage.upload).where(GroupImage.workgroup == group_id)
        ).first().run()
        upload = await save_upload(prepared, uploader_id=actor_id)
        if old is None:
            await GroupImage.insert(GroupImage(workgroup=group_id, upload=upload.id, updated_by=actor_id,
                                               updated_at=now())).run()
        else:
            await GroupImage.update({GroupImage.upload: upload.id, GroupImage.updated_by: actor_id,
                                     GroupImage.updated_at: now()}).where(GroupImage.workgroup == group_id).run()
            await Upload.delete().where(Upload.id == old["upload"]).run()
        await record("workgroups.image", actor_id=actor_id, target_type="workgroup", target_id=group_id, ip=ip)


async def remove_image(intranet: Any, group_id: int, *, actor_id: int, ip: str = "") -> None:
    async with intranet.db.transaction(write=True):
        rows = await GroupImage.delete().where(GroupImage.workgroup == group_id).returning(GroupImage.upload).run()
        if rows:
            await Upload.delete().where(Upload.id == rows[0]["upload"]).run()
            await record("workgroups.image_remove", actor_id=actor_id, target_type="workgroup", target_id=group_id,
                         ip=ip)
