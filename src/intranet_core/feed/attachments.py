"""Images and files on posts.

A post's images are shown in it (inline, only types in ``[uploads]
image_types``); its files are listed with their name, size and type and
always downloaded. Both are served at ``/posts/<post>/files/<upload>``, to
exactly the people who may see the post, decided in one query
(:func:`readable_attachment`): the post's audience while it is published
and not deleted or expired; its author while it is not deleted; and whoever
may moderate every audience of it, deleted or not. Anyone else gets 404.

The post's text may show its own images and no others: ``![alt](name.jpg)``
or ``![alt](/posts/7/files/12)`` (see :func:`image_refs` and
:func:`intranet_core.markup.render`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from intranet_core.feed.tables import PostAttachment, PostAudience
from intranet_core.markup import OwnImage
from intranet_core.people.tables import Unit
from intranet_core.permissions.service import units_where
from intranet_core.uploads import service as uploads
from intranet_core.uploads.service import PreparedUpload, UploadInfo

Kind = Literal["image", "file"]
KINDS: tuple[Kind, ...] = ("image", "file")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def url_of(post_id: int, upload_id: int) -> str:
    return f"/posts/{int(post_id)}/files/{int(upload_id)}"


@dataclass(frozen=True)
class Attachment:
    """One image or file of a post, as a page or the API shows it."""

    post_id: int
    kind: Kind
    position: int
    upload: UploadInfo

    @property
    def url(self) -> str:
        return url_of(self.post_id, self.upload.id)

    @property
    def filename(self) -> str:
        return self.upload.filename

    @property
    def size_label(self) -> str:
        return uploads.format_size(self.upload.size)

    @property
    def type_label(self) -> str:
        return uploads.type_label(self.upload.content_type)


@dataclass(frozen=True)
class NewAttachment:
    """A file checked and on disk, to be attached to a post as an image or a file."""

    kind: Kind
    prepared: PreparedUpload


_COLUMNS = (
    PostAttachment.post, PostAttachment.kind, PostAttachment.position,
    PostAttachment.upload.id, PostAttachment.upload.filename, PostAttachment.upload.content_type,
    PostAttachment.upload.size, PostAttachment.upload.sha256, PostAttachment.upload.uploaded_by,
    PostAttachment.upload.created_at,
)


# The columns of _COLUMNS, written out: every page of posts asks for them, and
# building Piccolo's joined select took longer (0.4 ms) than running it.
_ATTACHMENTS_OF = (
    'SELECT a.post AS post, a.kind AS kind, a.position AS position, u.id AS "upload.id", '
    'u.filename AS "upload.filename", u.content_type AS "upload.content_type", u.size AS "upload.size", '
    'u.sha256 AS "upload.sha256", u.uploaded_by AS "upload.uploaded_by", u.created_at AS "upload.created_at" '
    "FROM post_attachment a JOIN upload u ON u.id = a.upload WHERE a.post IN ({ids}) "
    "ORDER BY a.post, a.position, a.id"
)


def _attachment(row: dict[str, Any]) -> Attachment:
    return Attachment(post_id=int(row["post"]), kind=row["kind"], position=int(row["position"]),
                      upload=uploads.upload_info(row, prefix="upload."))


async def attachments_of(post_ids: Sequence[int]) -> dict[int, list[Attachment]]:
    """The images and files of these posts, in their order: one query for any number of posts."""
    ids = sorted({int(i) for i in post_ids})
    if not ids:
        return {}
    rows = await PostAttachment.raw(  # only placeholders are joined into the SQL; the ids are parameters
        _ATTACHMENTS_OF.format(ids=", ".join("{}" for _ in ids)), *ids
    ).run()
    found: dict[int, list[Attachment]] = {}
    for row in rows:
        found.setdefault(int(row["post"]), []).append(_attachment(row))
    return found


def image_refs(post_id: int, attachments: Sequence[Attachment]) -> dict[str, OwnImage]:
    """What the post's text may put in ``![alt](...)``: each of its images by URL and by file name."""
    refs: dict[str, OwnImage] = {}
    for item in attachments:
        if item.kind != "image":
            continue
        image = OwnImage(url=url_of(post_id, item.upload.id), name=item.upload.filename)
        refs[image.url] = image
        refs.setdefault(item.upload.filename, image)
    return refs


async def images_for_text(post_ids: Sequence[int]) -> dict[int, dict[str, OwnImage]]:
    """:func:`image_refs` of several posts (one query): what their texts may show."""
    found = await attachments_of(post_ids)
    return {post_id: image_refs(post_id, items) for post_id, items in found.items()}


async def attach(post_id: int, new: Sequence[NewAttachment], *, uploader_id: int | None) -> list[Attachment]:
    """Write the uploads' rows and attach them to the post, after those it has (in the caller's transaction)."""
    if not new:
        return []
    last = await PostAttachment.select(PostAttachment.position).where(PostAttachment.post == post_id).order_by(
        PostAttachment.position, ascending=False
    ).first().run()
    start = int(last["position"]) + 1 if last else 0
    made: list[Attachment] = []
    for offset, item in enumerate(new):
        info = await uploads.save_upload(item.prepared, uploader_id=uploader_id)
        made.append(Attachment(post_id=post_id, kind=item.kind, position=start + offset, upload=info))
    await PostAttachment.insert(*[
        PostAttachment(post=post_id, upload=a.upload.id, kind=a.kind, position=a.position) for a in made
    ]).run()
    return made


async def detach(post_id: int, upload_ids: Sequence[int]) -> list[str]:
    """Remove uploads from a post, their rows with them (in the caller's transaction).

    Returns the hashes of the removed files, for
    :func:`intranet_core.uploads.service.remove_files_if_unused` once committed.
    """
    from intranet_core.uploads.tables import Upload

    wanted = sorted({int(i) for i in upload_ids})
    if not wanted:
        return []
    mine = PostAttachment.select(PostAttachment.upload).where(
        (PostAttachment.post == post_id) & PostAttachment.upload.is_in(wanted)
    )
    rows = await Upload.delete().where(Upload.id.is_in(mine)).returning(Upload.sha256).run()
    return [row["sha256"] for row in rows]


async def moderated_keys(person_id: int) -> list[str] | None:
    """The audience keys a person moderates: ``None`` for all of them (``feed.moderate`` everywhere)."""
    where = await units_where(person_id, "feed.moderate")
    if where is None:
        return None
    if not where:
        return []
    paths = await Unit.select(Unit.path).where(Unit.id.is_in(where)).run()
    condition: Any = None
    for row in paths:
        match = Unit.path.like(f"{row['path']}%")
        condition = match if condition is None else condition | match
    if condition is None:
        return []
    return [f"unit:{int(r['id'])}" for r in await Unit.select(Unit.id).where(condition).run()]


async def readable_attachment(
    intranet: Any, user: Any, post_id: int, upload_id: int
) -> tuple[Kind, UploadInfo] | None:
    """The image or file, if this person may see the post it belongs to; ``None`` (404) otherwise.

    One query decides it (see the module's docstring for who may).
    """
    from intranet_core.feed.service import audience_keys, valid_id

    if user is None or not (valid_id(post_id) and valid_id(upload_id)):
        return None
    keys = await audience_keys(intranet, user)
    moderated = await moderated_keys(user.id)
    moment = now()
    live = (
        PostAttachment.post.deleted_at.is_null()
        & (PostAttachment.post.published_at <= moment)
        & (PostAttachment.post.expires_at.is_null() | (PostAttachment.post.expires_at > moment))
    )
    may: Any = PostAttachment.post.deleted_at.is_null() & (PostAttachment.post.author == user.id)
    if keys:
        # The subqueries name the post, so they read its few audience rows, never the whole table.
        may = may | (live & PostAttachment.post.is_in(
            PostAudience.select(PostAudience.post).where((PostAudience.post == post_id) & PostAudience.key.is_in(keys))
        ))
    if moderated is None:
        may = PostAttachment.id.is_not_null()
    elif moderated:
        # Every audience of the post is one the person moderates.
        may = may | PostAttachment.post.not_in(
            PostAudience.select(PostAudience.post).where(
                (PostAudience.post == post_id) & PostAudience.key.not_in(moderated)
            )
        )
    row = await PostAttachment.select(*_COLUMNS).where(
        (PostAttachment.post == post_id) & (PostAttachment.upload == upload_id) & may
    ).first().run()
    if row is None:
        return None
    return row["kind"], uploads.upload_info(row, prefix="upload.")
