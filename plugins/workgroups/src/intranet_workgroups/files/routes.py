"""A group's files: folders, uploading, versions, downloading; and the group's picture.

Downloads are answered only after the same check as the group's pages (the
group's content is readable by the person, in the query), and never from a
shared cache: a former member who asks again gets 404.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Template

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.forms import posted_form
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.uploads.service import format_size, type_label, upload_response
from intranet_workgroups import web
from intranet_workgroups.files import service
from intranet_workgroups.files.service import FileError
from intranet_workgroups.files.tables import FOLDER_NAME_MAX, NOTE_MAX
from intranet_workgroups.groups.service import Access
from intranet_workgroups.web import NO_STORE

# Every request asks the server again (which checks who is asking); nothing is kept in shared caches.
DOWNLOAD_CACHE = "private, no-cache"


def file_message(exc: FileError) -> str:
    if exc.code == "upload":
        return exc.message
    return {
        "folder_name_missing": _("Give the folder a name."),
        "folder_name_long": _("A folder name can be at most 120 characters."),
        "folder_exists": _("There is already a folder of that name here."),
        "folder_not_empty": _("Only an empty folder can be deleted."),
        "too_many_versions": _("The file has as many versions as a file may have."),
        "no_file": _("Choose a file."),
    }.get(exc.code, web.message(exc.code))


def uploaded(form: Any, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) and value.filename else None


async def _files_page(request: Request[Any, Any, Any], access: Access, folder_id: int | None, *,
                      errors: list[str] | None = None, status_code: int = 200) -> Template:
    if folder_id is not None and await service.get_folder(access.id, folder_id) is None:
        raise NotFoundException()
    folders, files = await service.listing(access.id, folder_id)
    types, size = service.limits(request.app.state.intranet)
    return Template(
        "workgroups/files.html",
        context=await page_context(
            request, title=_("Files of %(group)s") % {"group": access.group["name"]}, access=access, g=access.group,
            folder_id=folder_id, trail=await service.breadcrumbs(access.id, folder_id), folders=folders,
            files=[{**f, "size_label": format_size(int(f["size"])), "type_label": type_label(f["content_type"])}
                   for f in files],
            errors=errors or [], max_size=format_size(size), accept=",".join(types), note_max=NOTE_MAX,
            folder_max=FOLDER_NAME_MAX, can_write=access.member or access.admin,
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/{group_id:int}/files", name="workgroups:files", guards=[requires_login], include_in_schema=False)
async def files_page(request: Request[Any, Any, Any], group_id: FromPath[int],
                     folder: FromQuery[int | None] = None) -> Template:
    return await _files_page(request, await web.readable(request, group_id), folder)


@post("/groups/{group_id:int}/files", name="workgroups:file_upload", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def upload(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_member(request, group_id)
    form = await posted_form(request, {"file", "folder", "note"})
    folder_id = web.int_or_none(web.field(form, "folder"))
    chosen = uploaded(form, "file")
    if chosen is None:
        return await _files_page(request, access, folder_id, errors=[file_message(FileError("no_file"))],
                                 status_code=400)
    try:
        file_id, _number = await service.add_file(request.app.state.intranet, group_id, folder_id, chosen,
                                                  actor_id=request.user.id, note=web.field(form, "note"))
    except FileError as exc:
        if exc.code == "gone":
            raise NotFoundException() from None
        return await _files_page(request, access, folder_id, errors=[file_message(exc)], status_code=400)
    return Redirect(service.file_url(group_id, file_id), status_code=303)


@post("/groups/{group_id:int}/folders", name="workgroups:folder_create", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def create_folder(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_member(request, group_id)
    form = await posted_form(request, {"name", "parent"})
    parent = web.int_or_none(web.field(form, "parent"))
    try:
        folder_id = await service.create_folder(request.app.state.intranet, group_id, parent, web.field(form, "name"),
                                                actor_id=request.user.id)
    except FileError as exc:
        if exc.code == "gone":
            raise NotFoundException() from None
        return await _files_page(request, access, parent, errors=[file_message(exc)], status_code=400)
    return Redirect(f"/groups/{group_id}/files?folder={folder_id}", status_code=303)


@post("/groups/{group_id:int}/folders/{folder_id:int}/delete", name="workgroups:folder_delete",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def delete_folder(request: Request[Any, Any, Any], group_id: FromPath[int],
                        folder_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    await posted_form(request, set())
    try:
        parent = await service.delete_folder(request.app.state.intranet, group_id, folder_id,
                                             actor_id=request.user.id, ip=client_ip(request))
    except FileError as exc:
        if exc.code == "gone":
            raise NotFoundException() from None
        return await _files_page(request, access, folder_id, errors=[file_message(exc)], status_code=400)
    return Redirect(f"/groups/{group_id}/files" + (f"?folder={parent}" if parent else ""), status_code=303)


async def _file_page(request: Request[Any, Any, Any], access: Access, found: dict[str, Any], *,
                     errors: list[str] | None = None, status_code: int = 200) -> Template:
    versions = [{**v, "size_label": format_size(int(v["upload.size"])),
                 "type_label": type_label(v["upload.content_type"])}
                for v in await service.versions(access.id, int(found["id"]))]
    types, size = service.limits(request.app.state.intranet)
    return Template(
        "workgroups/file.html",
        context=await page_context(
            request, title=found["name"], access=access, g=access.group, file=found, versions=versions,
            trail=await service.breadcrumbs(access.id, found["folder"]), errors=errors or [],
            max_size=format_size(size), accept=",".join(types), note_max=NOTE_MAX,
            can_write=access.member or access.admin,
            can_delete=access.admin or (access.member and found["created_by"] == request.user.id),
        ),
        status_code=status_code, headers=NO_STORE,
    )


async def _file(group_id: int, file_id: int) -> dict[str, Any]:
    found = await service.get_file(group_id, file_id)
    if found is None:
        raise NotFoundException()
    return found


@get("/groups/{group_id:int}/files/{file_id:int}", name="workgroups:file", guards=[requires_login],
     include_in_schema=False)
async def file_page(request: Request[Any, Any, Any], group_id: FromPath[int], file_id: FromPath[int]) -> Template:
    access = await web.readable(request, group_id)
    return await _file_page(request, access, await _file(group_id, file_id))


@post("/groups/{group_id:int}/files/{file_id:int}/versions", name="workgroups:file_version",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def new_version(request: Request[Any, Any, Any], group_id: FromPath[int],
                      file_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_member(request, group_id)
    found = await _file(group_id, file_id)
    form = await posted_form(request, {"file", "note"})
    chosen = uploaded(form, "file")
    if chosen is None:
        return await _file_page(request, access, found, errors=[file_message(FileError("no_file"))], status_code=400)
    try:
        await service.add_file(request.app.state.intranet, group_id, found["folder"], chosen,
                               actor_id=request.user.id, note=web.field(form, "note"), file_id=file_id)
    except FileError as exc:
        if exc.code == "gone":
            raise NotFoundException() from None
        return await _file_page(request, access, found, errors=[file_message(exc)], status_code=400)
    return Redirect(service.file_url(group_id, file_id), status_code=303)


def _download(request: Request[Any, Any, Any], info: Any) -> File:
    response = upload_response(request.app.state.intranet, info, inline=True)
    response.headers["Cache-Control"] = DOWNLOAD_CACHE
    return response


@get("/groups/{group_id:int}/files/{file_id:int}/download", name="workgroups:file_download",
     guards=[requires_login], include_in_schema=False, opt={"skip_usage": True})
async def download(request: Request[Any, Any, Any], group_id: FromPath[int], file_id: FromPath[int]) -> File:
    await web.readable(request, group_id)
    info = await service.version_upload(group_id, file_id, None)
    if info is None:
        raise NotFoundException()
    return _download(request, info)


@get("/groups/{group_id:int}/files/{file_id:int}/versions/{number:int}/download",
     name="workgroups:version_download", guards=[requires_login], include_in_schema=False,
     opt={"skip_usage": True})
async def download_version(request: Request[Any, Any, Any], group_id: FromPath[int], file_id: FromPath[int],
                           number: FromPath[int]) -> File:
    await web.readable(request, group_id)
    info = await service.version_upload(group_id, file_id, number)
    if info is None:
        raise NotFoundException()
    return _download(request, info)


@post("/groups/{group_id:int}/files/{file_id:int}/delete", name="workgroups:file_delete", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def delete_file(request: Request[Any, Any, Any], group_id: FromPath[int], file_id: FromPath[int]) -> Redirect:
    access = await web.as_member(request, group_id)
    found = await _file(group_id, file_id)
    # Admins delete any file; members the files they brought.
    if not access.admin and found["created_by"] != request.user.id:
        raise PermissionDeniedException()
    await posted_form(request, set())
    try:
        folder = await service.delete_file(request.app.state.intranet, group_id, file_id, actor_id=request.user.id,
                                           ip=client_ip(request))
    except FileError:
        raise NotFoundException() from None
    return Redirect(f"/groups/{group_id}/files" + (f"?folder={folder}" if folder else ""), status_code=303)


# --- the group's picture -----------------------------------------------------------------------


@get("/groups/{group_id:int}/image", name="workgroups:image", guards=[requires_login], include_in_schema=False,
     opt={"skip_usage": True})
async def image(request: Request[Any, Any, Any], group_id: FromPath[int]) -> File:
    """The picture of a group the person may know of."""
    await web.load(request, group_id)
    info = await service.group_image(group_id)
    if info is None:
        raise NotFoundException()
    return _download(request, info)


@post("/groups/{group_id:int}/image", name="workgroups:image_set", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def set_image(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Response[Any] | Redirect:
    from intranet_workgroups.groups.routes import settings_with_errors

    access = await web.as_admin(request, group_id)
    form = await posted_form(request, {"image", "remove"})
    intranet = request.app.state.intranet
    if form.get("remove"):
        await service.remove_image(intranet, group_id, actor_id=request.user.id, ip=client_ip(request))
        return Redirect(f"/groups/{group_id}/settings", status_code=303)
    chosen = uploaded(form, "image")
    if chosen is None:
        return await settings_with_errors(request, access, [file_message(FileError("no_file"))])
    try:
        await service.set_image(intranet, group_id, chosen, actor_id=request.user.id, ip=client_ip(request))
    except FileError as exc:
        return await settings_with_errors(request, access, [file_message(exc)])
    return Redirect(f"/groups/{group_id}/settings", status_code=303)


# Forms that carry files (and every other handler of their paths) go under the uploads body limit.
UPLOAD_ROUTES = [files_page, upload, new_version, image, set_image]
ROUTES = [file_page, create_folder, delete_folder, download, download_version, delete_file]
