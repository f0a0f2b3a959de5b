"""``/api/v1``: the feed, posts and their files, acknowledgements, comments, reactions and notifications.

Every request carries a personal API token (``Authorization: Bearer
<token>``); a read-only token may only read. The rules are the pages' own,
decided by the same services: a post the token's person may not read is
404 here too, for its comments and reactions alike, and a post may go only
to the audiences the composer would offer them. A post's images and files
are served to exactly those who may see it on the site
(:func:`intranet_core.feed.attachments.readable_attachment`), always as a
download; whoever may edit a post may attach files to it. Errors are JSON
(``{"status_code": 404, "detail": "..."}``); a request that does not match
the schema is 400.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from litestar import Request, Router, delete, get, post, put
from litestar.datastructures import CacheControlHeader, UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException, PermissionDeniedException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import Example
from litestar.params import Body, HeaderParameter, Parameter
from litestar.response import Response
from litestar.types import ControllerRouterHandler

from intranet_core.account.api import ApiError
from intranet_core.api.schemas import (
    MAX_ID,
    Acknowledgement,
    ApiAttachment,
    ApiComment,
    ApiNotification,
    ApiPost,
    AttachmentList,
    Author,
    CommentList,
    FeedPage,
    NewAttachments,
    NewComment,
    NewPost,
    NotificationPage,
    ReactionCount,
    Reactions,
    Unread,
)
from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.feed import attachments, conversation, service
from intranet_core.notifications import service as notifications
from intranet_core.uploads import service as uploads
from intranet_core.uploads.service import UploadError, prepare_upload, upload_response, with_upload_limit

NO_STORE = CacheControlHeader(no_store=True)
END_OF_DAY = datetime.time(23, 59, 59, tzinfo=datetime.UTC)
MAX_PAGE = 50

PostId = Annotated[
    int, Parameter(ge=1, le=MAX_ID, description="The post's id", examples=[Example(summary="A post", value=1)])
]
UploadId = Annotated[
    int, Parameter(ge=1, le=MAX_ID, description="The upload's id (an attachment's id)",
                   examples=[Example(summary="A file", value=1)]),
]
CommentId = Annotated[
    int, Parameter(ge=1, le=MAX_ID, description="The comment's id", examples=[Example(summary="A comment", value=1)])
]
ReactionKind = Annotated[
    str,
    Parameter(max_length=20, description="One of the site's reaction kinds (like, heart, ...)",
              examples=[Example(summary="A thumbs-up", value="like")]),
]
# Unknown fields are refused (400), and the schema says so.
CLOSED = {"additionalProperties": False}
NewPostBody = Annotated[NewPost, Body(schema_extra=CLOSED, examples=[Example(summary="A post to everyone", value={
    "title": "Pay negotiations", "body": "The **agreement** is signed.", "audience": ["all"], "important": True,
})])]
NewAttachmentsBody = Annotated[
    NewAttachments,
    Body(media_type=RequestEncodingType.MULTI_PART, schema_extra=CLOSED,
         description="The files, as a browser's form sends them: a part named file, with its file name, for each"),
]
NewCommentBody = Annotated[
    NewComment, Body(schema_extra=CLOSED, examples=[Example(summary="A comment", value={"body": "Thanks!"})])
]


def _errors(**described: str) -> dict[int, ResponseSpec]:
    codes = {"bad": 400, "read_only": 403, "forbidden": 403, "missing": 404, "too_large": 413}
    out = {401: ResponseSpec(ApiError, description="No token, or an unknown, revoked or deactivated person's token")}
    for name, description in described.items():
        out[codes[name]] = ResponseSpec(ApiError, description=description)
    return out


READ_ONLY = "The token is read-only"


# --- checks ----------------------------------------------------------------------------


def _text(name: str, value: str) -> str:
    """Text the database can store: no NUL characters, valid Unicode; stripped."""
    if "\x00" in value:
        raise ValidationException(f"{name}: must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationException(f"{name}: not valid Unicode") from None
    return value.strip()


def _utc(name: str, moment: datetime.datetime) -> datetime.datetime:
    try:
        return moment.replace(tzinfo=moment.tzinfo or datetime.UTC).astimezone(datetime.UTC)
    except OverflowError:
        raise ValidationException(f"{name}: out of range") from None


def _cursor(before: str | None) -> service.Cursor | None:
    if before is None:
        return None
    cursor = service.Cursor.decode(before)
    if cursor is None or not 0 <= cursor.post_id <= MAX_ID:
        raise ValidationException("before: expected the 'next' value of a previous page")
    return service.Cursor(_utc("before", cursor.published_at), cursor.post_id)


async def _readable(request: Request[Any, Any, Any], post_id: int) -> dict[str, Any]:
    found = await service.readable_post(request.app.state.intranet, request.user, post_id)
    if found is None:
        raise NotFoundException("no such post")
    return found


async def publishable_keys(request: Request[Any, Any, Any]) -> set[str]:
    """The audience keys the composer offers this person (the feed's own rules)."""
    return {choice.key for choice in await service.publish_choices(request.app.state.intranet, request.user)}


# --- views -------------------------------------------------------------------------------


def _author(row: dict[str, Any], prefix: str = "author") -> Author | None:
    if row.get(prefix) is None:
        return None
    return Author(id=int(row[prefix]), name=row.get(f"{prefix}.name") or "", title=row.get(f"{prefix}.title") or "")


def _reactions(counts: dict[str, tuple[int, bool]]) -> list[ReactionCount]:
    return [
        ReactionCount(kind=kind, emoji=emoji, count=counts.get(kind, (0, False))[0],
                      mine=counts.get(kind, (0, False))[1])
        for kind, emoji in conversation.REACTIONS.items()
    ]


async def _posts(request: Request[Any, Any, Any], rows: list[dict[str, Any]]) -> list[ApiPost]:
    """Posts as the token's person sees them; a fixed number of queries for any number of posts."""
    user = request.user
    ids = [int(row["id"]) for row in rows]
    acknowledged = await service.acknowledged_by(user.id, ids)
    comments = await conversation.comment_counts(ids)
    reactions = await conversation.reaction_counts(ids, user.id)
    attached = await attachments.attachments_of(ids)
    moment = service.now()
    return [
        ApiPost(
            id=int(row["id"]), url=f"/posts/{int(row['id'])}", title=row["title"] or "", body=row["body"] or "",
            body_html=str(row["body_html"] or ""), author=_author(row), important=bool(row["important"]),
            acknowledged=int(row["id"]) in acknowledged,
            pinned=row["pinned_until"] is not None and row["pinned_until"] > moment,
            published_at=row["published_at"], expires_at=row["expires_at"], edited_at=row["edited_at"],
            comment_count=comments.get(int(row["id"]), 0), reactions=_reactions(reactions.get(int(row["id"]), {})),
            attachments=[_attachment(a) for a in attached.get(int(row["id"]), [])],
        )
        for row in rows
    ]


def download_url(post_id: int, upload_id: int) -> str:
    """Where the API serves a post's image or file."""
    return f"/api/v1/posts/{int(post_id)}/attachments/{int(upload_id)}"


def _attachment(item: attachments.Attachment) -> ApiAttachment:
    return ApiAttachment(id=item.upload.id, kind=item.kind, url=item.url,
                         download_url=download_url(item.post_id, item.upload.id), filename=item.filename,
                         content_type=item.upload.content_type, size=item.upload.size)


def _comment(row: dict[str, Any]) -> ApiComment:
    return ApiComment(
        id=int(row["id"]), post_id=int(row["post"]), author=_author(row), body=row["body"] or "",
        body_html=str(row["body_html"] or ""), created_at=row["created_at"], edited_at=row["edited_at"],
    )


# --- the feed and posts ------------------------------------------------------------------


@get("/feed", name="api_feed", summary="The newest posts the token's person may see", tags=["feed"],
     responses=_errors(bad="An unknown cursor, or a limit out of range"), cache_control=NO_STORE)
async def feed(
    request: Request[Any, Any, Any],
    before: Annotated[str | None, Parameter(max_length=100, description="The 'next' value of the previous page")]
    = None,
    unit: Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="Only posts to this unit (one of the "
                                          "person's units or a unit above them)")] = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Posts per page")] = service.PAGE_SIZE,
) -> FeedPage:
    intranet = request.app.state.intranet
    if unit is not None:
        keys = [k for k in await service.audience_keys(intranet, request.user) if k == f"unit:{unit}"]
    else:
        keys = await service.feed_keys(intranet, request.user)
    cursor = _cursor(before)
    ids = await service.visible_post_ids(keys, before=cursor, limit=limit + 1)
    more = len(ids) > limit
    ids = ids[:limit]
    pinned = [i for i in await service.pinned_ids(keys) if i not in ids] if cursor is None and unit is None else []
    rows = await service.posts_by_ids(pinned + ids)
    posts = await _posts(request, rows)
    by_id = {p.id: p for p in posts}
    items = [by_id[i] for i in ids if i in by_id]
    next_cursor = None
    if more and items:
        next_cursor = service.Cursor(items[-1].published_at, items[-1].id).encode()
    return FeedPage(items=items, pinned=[by_id[i] for i in pinned if i in by_id], next=next_cursor)


@get("/posts/{post_id:int}", name="api_post", summary="One post", tags=["feed"],
     responses=_errors(bad="An id out of range", missing="No such post, or the person may not read it"),
     cache_control=NO_STORE)
async def get_post(request: Request[Any, Any, Any], post_id: PostId) -> ApiPost:
    [found] = await _posts(request, [await _readable(request, post_id)])
    return found


@post("/posts", name="api_post_create", summary="Publish a post (a token that may write)", tags=["feed"],
      status_code=201,
      responses=_errors(bad="A field is missing, too long or of the wrong type; an unknown field",
                        forbidden=f"{READ_ONLY}, or the person may not publish to one of the audiences"),
      cache_control=NO_STORE)
async def create_post(request: Request[Any, Any, Any], data: NewPostBody) -> ApiPost:
    intranet = request.app.state.intranet
    title = _text("title", data.title)
    body = _text("body", data.body)
    if not body:
        raise ValidationException("body: write something")
    audience = list(dict.fromkeys(_text("audience", key) for key in data.audience))
    allowed = await publishable_keys(request)
    if not allowed or not set(audience) <= allowed:
        raise PermissionDeniedException("audience: you may not publish to one of these audiences")
    published_at = _utc("publish_at", data.publish_at) if data.publish_at else None
    post_id = await service.create_post(
        intranet, author_id=request.user.id, title=title, body=body, audience=audience, important=data.important,
        pinned_until=datetime.datetime.combine(data.pinned_until, END_OF_DAY) if data.pinned_until else None,
        published_at=published_at,
        expires_at=datetime.datetime.combine(data.expires_at, END_OF_DAY) if data.expires_at else None,
        ip=client_ip(request), via="api",
    )
    [created] = await _posts(request, [await _readable(request, post_id)])
    return created


@post("/posts/{post_id:int}/acknowledge", name="api_post_acknowledge",
      summary="Acknowledge an important post: read and understood (a token that may write)", tags=["feed"],
      status_code=200,
      responses=_errors(bad="An id out of range", forbidden=READ_ONLY,
                        missing="No such post, the person may not read it, or it is not important"),
      cache_control=NO_STORE)
async def acknowledge(request: Request[Any, Any, Any], post_id: PostId) -> Acknowledgement:
    intranet = request.app.state.intranet
    found = await service.visible_post(post_id, await service.audience_keys(intranet, request.user))
    if found is None or not found["important"]:
        raise NotFoundException("no such important post")
    await service.acknowledge(intranet, post_id, request.user.id)
    return Acknowledgement(post_id=post_id)


# --- images and files --------------------------------------------------------------------


@get("/posts/{post_id:int}/attachments/{upload_id:int}", name="api_attachment",
     summary="Download one of a post's images or files", tags=["feed"],
     responses={
         # Any type the site accepts: the file's own, sniffed from its bytes.
         200: ResponseSpec(bytes, media_type="*/*", generate_examples=False,
                           description="The file's bytes, of its sniffed type, always as a download "
                                       "(Content-Disposition: attachment); its ETag is the SHA-256 of the bytes"),
         **_errors(bad="An id out of range",
                   missing="No such post or upload, the upload is not the post's, the post is deleted, or the "
                           "person may not see it"),
         304: ResponseSpec(None, description="If-None-Match names the file's ETag: the client has these bytes"),
     })
async def download_attachment(
    request: Request[Any, Any, Any], post_id: PostId, upload_id: UploadId,
    if_none_match: Annotated[str | None, HeaderParameter(name="If-None-Match", max_length=1000,
                                                         description="ETags of copies the client has (304 if one "
                                                                     "is this file's)")] = None,
) -> Response[Any]:
    """The same people as on the site may have it: the post's audience, its author, who may moderate it.

    (``if_none_match`` is declared for the schema; :func:`uploads.not_modified` reads the header, as on the site.)
    """
    intranet = request.app.state.intranet
    # Who may see the post is decided in the query, with the upload and the post together.
    found = await attachments.readable_attachment(intranet, request.user, post_id, upload_id)
    if found is None:
        raise NotFoundException("no such file")
    _kind, info = found
    if uploads.not_modified(request, info):
        return uploads.not_modified_response(info)
    return upload_response(intranet, info, inline=False)


async def _prepared(request: Request[Any, Any, Any], files: list[UploadFile]) -> list[attachments.NewAttachment]:
    """Every file checked and on disk, or 400 naming each one refused (no row is written either way)."""
    intranet = request.app.state.intranet
    given = [f for f in files if f.filename]
    if not given:
        raise ValidationException("file: choose at least one file, with its file name")
    most = intranet.settings.uploads.max_files
    if len(given) > most:
        raise ValidationException(f"file: at most {most} files can be added at a time")
    made: list[attachments.NewAttachment] = []
    refused: list[dict[str, Any]] = []
    for upload in given:
        try:
            made.append(attachments.NewAttachment(kind="file", prepared=await prepare_upload(intranet, upload)))
        except UploadError as exc:
            refused.append({"message": exc.message, "key": "file", "source": "body", "filename": exc.filename})
    if refused:
        raise ValidationException("file: a file was refused; nothing was saved", extra=refused)
    return made


@post("/posts/{post_id:int}/attachments", name="api_attachments_add",
      summary="Attach files to a post: its author, or who may moderate it (a token that may write)", tags=["feed"],
      status_code=201, response_description="The post's images and files, the new ones last",
      responses=_errors(bad="No file, too many, or a file refused (too large, empty, a type not allowed, a name "
                            "that says another type): nothing is saved, and each refused file's reason is in "
                            "extra; an unknown field; an id out of range",
                        forbidden=f"{READ_ONLY}, or the person may read the post but not edit it",
                        missing="No such post, it is deleted, or the person may not read it",
                        too_large="The request is larger than [uploads] allows"),
      cache_control=NO_STORE)
async def add_attachments(request: Request[Any, Any, Any], post_id: PostId,
                          data: NewAttachmentsBody) -> AttachmentList:
    intranet = request.app.state.intranet
    found = await _readable(request, post_id)
    if not await service.may_edit(request.user.id, found):
        raise PermissionDeniedException("you may not edit this post")
    new = await _prepared(request, data.file)
    try:
        await service.add_attachments(intranet, post_id, new, editor_id=request.user.id, ip=client_ip(request),
                                      via="api")
    except service.PostGone:
        raise NotFoundException("no such post") from None
    current = (await attachments.attachments_of([post_id])).get(post_id, [])
    return AttachmentList(post_id=post_id, items=[_attachment(a) for a in current])


# --- comments ---------------------------------------------------------------------------


@get("/posts/{post_id:int}/comments", name="api_comments", summary="A post's comments", tags=["comments"],
     responses=_errors(bad="An id out of range", missing="No such post, or the person may not read it"),
     cache_control=NO_STORE)
async def list_comments(request: Request[Any, Any, Any], post_id: PostId) -> CommentList:
    await _readable(request, post_id)
    return CommentList(items=[_comment(row) for row in await conversation.comments_of(post_id)])


@post("/posts/{post_id:int}/comments", name="api_comment_create",
      summary="Comment on a post (a token that may write)", tags=["comments"], status_code=201,
      responses=_errors(bad="The body is missing, empty or too long; an unknown field", forbidden=READ_ONLY,
                        missing="No such post, or the person may not read it"),
      cache_control=NO_STORE)
async def create_comment(request: Request[Any, Any, Any], post_id: PostId, data: NewCommentBody) -> ApiComment:
    found = await _readable(request, post_id)
    body = _text("body", data.body)
    if not body:
        raise ValidationException("body: write something")
    comment_id = await conversation.add_comment(request.app.state.intranet, found, author_id=request.user.id,
                                                author_name=request.user.name, body=body)
    row = await conversation.get_comment(post_id, comment_id)
    if row is None:  # deleted in the meantime
        raise NotFoundException("no such comment")
    return _comment(row)


@delete("/posts/{post_id:int}/comments/{comment_id:int}", name="api_comment_delete",
        summary="Delete a comment: one's own, or any on a post one may moderate (a token that may write)",
        tags=["comments"], status_code=204,
        responses=_errors(bad="An id out of range", forbidden=f"{READ_ONLY}, or someone else's comment",
                          missing="No such post or comment, or the person may not read it"))
async def delete_comment(request: Request[Any, Any, Any], post_id: PostId, comment_id: CommentId) -> None:
    found = await _readable(request, post_id)
    comment = await conversation.get_comment(post_id, comment_id)
    if comment is None:
        raise NotFoundException("no such comment")
    if comment["author"] != request.user.id and not await service.may_moderate(
        request.user.id, await service.audience_of(post_id)
    ):
        raise PermissionDeniedException("not your comment")
    await conversation.delete_comment(request.app.state.intranet, found, comment, actor_id=request.user.id,
                                      ip=client_ip(request))


# --- reactions --------------------------------------------------------------------------


async def _reaction_state(request: Request[Any, Any, Any], post_id: int) -> Reactions:
    counts = await conversation.reaction_counts([post_id], request.user.id)
    return Reactions(post_id=post_id, items=_reactions(counts.get(post_id, {})))


async def _set_reaction(request: Request[Any, Any, Any], post_id: int, kind: str, wanted: bool) -> Reactions:
    await _readable(request, post_id)
    if kind not in conversation.REACTIONS:
        raise ValidationException(f"kind: expected one of {', '.join(conversation.REACTIONS)}")
    intranet = request.app.state.intranet
    counts = await conversation.reaction_counts([post_id], request.user.id)
    if counts.get(post_id, {}).get(kind, (0, False))[1] != wanted:
        # Toggling is the feed's one way to react; a concurrent toggle is undone.
        for _attempt in range(2):
            if await conversation.toggle_reaction(intranet, post_id, request.user.id, kind) == wanted:
                break
    return await _reaction_state(request, post_id)


@get("/posts/{post_id:int}/reactions", name="api_reactions", summary="A post's reactions", tags=["reactions"],
     responses=_errors(bad="An id out of range", missing="No such post, or the person may not read it"),
     cache_control=NO_STORE)
async def list_reactions(request: Request[Any, Any, Any], post_id: PostId) -> Reactions:
    await _readable(request, post_id)
    return await _reaction_state(request, post_id)


@put("/posts/{post_id:int}/reactions/{kind:str}", name="api_reaction_give",
     summary="Give a reaction (no change if given already; a token that may write)", tags=["reactions"],
     responses=_errors(bad="An unknown kind, or an id out of range", forbidden=READ_ONLY,
                       missing="No such post, or the person may not read it"),
     cache_control=NO_STORE)
async def give_reaction(request: Request[Any, Any, Any], post_id: PostId, kind: ReactionKind) -> Reactions:
    return await _set_reaction(request, post_id, kind, True)


@delete("/posts/{post_id:int}/reactions/{kind:str}", name="api_reaction_take_back",
        summary="Take a reaction back (no change if not given; a token that may write)", tags=["reactions"],
        status_code=200,
        responses=_errors(bad="An unknown kind, or an id out of range", forbidden=READ_ONLY,
                          missing="No such post, or the person may not read it"),
        cache_control=NO_STORE)
async def take_back_reaction(request: Request[Any, Any, Any], post_id: PostId, kind: ReactionKind) -> Reactions:
    return await _set_reaction(request, post_id, kind, False)


# --- notifications ------------------------------------------------------------------------


@get("/notifications", name="api_notifications", summary="The token's person's notifications, newest first",
     tags=["notifications"], responses=_errors(bad="A cursor or limit out of range"), cache_control=NO_STORE)
async def list_notifications(
    request: Request[Any, Any, Any],
    before: Annotated[int | None, Parameter(ge=1, le=MAX_ID, description="The 'next' value of the previous page")]
    = None,
    limit: Annotated[int, Parameter(ge=1, le=MAX_PAGE, description="Notifications per page")] = notifications.PAGE_SIZE,
) -> NotificationPage:
    person_id = request.user.id
    rows, next_cursor = await notifications.page_of(person_id, before=before, limit=limit)
    return NotificationPage(
        items=[
            ApiNotification(
                id=int(row["id"]), kind=row["kind"], title=row["title"], text=row["text"] or "", url=row["url"],
                actor=row["actor_name"], created_at=row["created_at"], read_at=row["read_at"],
            )
            for row in rows
        ],
        unread=await notifications.unread_count(person_id),
        next=next_cursor,
    )


@post("/notifications/{notification_id:int}/read", name="api_notification_read",
      summary="Mark one notification read (a token that may write)", tags=["notifications"], status_code=200,
      responses=_errors(bad="An id out of range", forbidden=READ_ONLY,
                        missing="No such notification of the token's person"),
      cache_control=NO_STORE)
async def read_notification(
    request: Request[Any, Any, Any],
    notification_id: Annotated[int, Parameter(ge=1, le=MAX_ID, description="The notification's id")],
) -> Unread:
    if await notifications.open_notification(request.user.id, notification_id) is None:
        raise NotFoundException("no such notification")
    return Unread(unread=await notifications.unread_count(request.user.id))


@post("/notifications/read-all", name="api_notifications_read_all",
      summary="Mark every notification read (a token that may write)", tags=["notifications"], status_code=200,
      responses=_errors(forbidden=READ_ONLY), cache_control=NO_STORE)
async def read_all_notifications(request: Request[Any, Any, Any]) -> Unread:
    await notifications.mark_all_read(request.user.id)
    return Unread(unread=0)


HANDLERS: list[ControllerRouterHandler] = [
    feed, get_post, create_post, acknowledge, download_attachment,
    list_comments, create_comment, delete_comment,
    list_reactions, give_reaction, take_back_reaction,
    list_notifications, read_notification, read_all_notifications,
]
UPLOAD_HANDLERS: list[ControllerRouterHandler] = [add_attachments]
"""Handlers that take files: under the uploads' request size limit (every handler of their paths)."""


def api_routes(app: Any) -> list[ControllerRouterHandler]:
    """The ``/api/v1`` router (a new one each time: a process may build several apps)."""
    return [Router(path="/api/v1", route_handlers=[*HANDLERS, with_upload_limit(app, UPLOAD_HANDLERS)],
                   guards=[requires_login])]
