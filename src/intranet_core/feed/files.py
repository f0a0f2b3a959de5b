"""A post's images and files: taking them from the post form, serving them to its readers.

``GET /posts/<post>/files/<upload>`` answers only those who may see the
post (:func:`intranet_core.feed.attachments.readable_attachment`, one
query); everyone else gets 404, as for the post itself. An image is shown
inline (``?download=1`` downloads it); a file is always downloaded. A
browser that has it already (``If-None-Match``) gets 304, after the same check.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Response

from intranet_core.auth.guards import requires_login
from intranet_core.feed import attachments
from intranet_core.feed.attachments import Attachment, NewAttachment
from intranet_core.i18n import gettext as _
from intranet_core.uploads import service as uploads
from intranet_core.uploads.service import UploadError, files_in_form, prepare_upload, upload_response

IMAGE_FIELD = "images"
FILE_FIELD = "attachments"
REMOVE_FIELD = "remove"
FILE_FIELDS = {IMAGE_FIELD, FILE_FIELD}


async def files_from_form(request: Request[Any, Any, Any], form: Any) -> tuple[list[NewAttachment], list[str]]:
    """Check every file of the post form and put it on disk; no row is written.

    Returns what to attach, and a message for each file refused (in the
    reader's language). Images must be of ``[uploads] image_types``; files
    of ``allowed_types``. Files checked before another was refused stay on
    disk without a row until :func:`intranet_core.uploads.service.purge_orphans`.
    """
    intranet = request.app.state.intranet
    settings = intranet.settings.uploads
    images, files = files_in_form(form, IMAGE_FIELD), files_in_form(form, FILE_FIELD)
    errors: list[str] = []
    if len(images) + len(files) > settings.max_files:
        return [], [_("At most %(count)s files can be added at a time.") % {"count": settings.max_files}]
    shown = [t for t in settings.image_types if t in settings.allowed_types]
    made: list[NewAttachment] = []
    for kind, group in (("image", images), ("file", files)):
        for upload in group:
            try:
                prepared = await prepare_upload(intranet, upload, allowed_types=shown if kind == "image" else None)
            except UploadError as exc:
                if kind == "image" and exc.code == "not_allowed":
                    errors.append(_("%(name)s: only pictures (PNG, JPEG, GIF, WebP) are shown in a post; "
                                    "add other files as attachments.") % {"name": upload.filename})
                else:
                    errors.append(exc.message)
                continue
            made.append(NewAttachment(kind="image" if kind == "image" else "file", prepared=prepared))
    if errors and (images or files):
        errors.append(_("Nothing was saved: choose your files again."))
    return made, errors


def removed_ids(form: Any, current: list[Attachment]) -> list[int]:
    """The uploads ticked for removal that the post really has (others are ignored)."""
    values = form.getall(REMOVE_FIELD, []) if hasattr(form, "getall") else []
    have = {item.upload.id for item in current}
    wanted = {int(v) for v in values if isinstance(v, str) and v.isdigit() and len(v) < 12}
    return sorted(wanted & have)


def split(items: list[Attachment], image_types: list[str], body_html: str) -> tuple[list[Attachment],
                                                                                     list[Attachment]]:
    """A post's images to show under its text (not those its text shows already), and its files to list.

    An image whose type is no longer in ``image_types`` is listed as a file.
    """
    gallery = [a for a in items if a.kind == "image" and a.upload.is_image and a.upload.content_type in image_types]
    files = [a for a in items if a not in gallery]
    return [a for a in gallery if f'src="{a.url}"' not in body_html], files


@get("/posts/{post_id:int}/files/{upload_id:int}", name="post_file", guards=[requires_login],
     include_in_schema=False)
async def post_file(request: Request[Any, Any, Any], post_id: FromPath[int], upload_id: FromPath[int],
                    download: FromQuery[bool] = False) -> File | Response[None]:
    """An image or file of a post, to whoever may see the post (404 for anyone else)."""
    intranet = request.app.state.intranet
    found = await attachments.readable_attachment(intranet, request.user, post_id, upload_id)
    if found is None:
        raise NotFoundException()
    kind, info = found
    if uploads.not_modified(request, info):
        return uploads.not_modified_response(info)
    return upload_response(intranet, info, inline=kind == "image" and not download)
