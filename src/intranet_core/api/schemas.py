"""What ``/api/v1`` reads and writes: msgspec Structs, documented in the OpenAPI schema."""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec
from litestar.datastructures import UploadFile

MAX_ID = 2**31 - 1
"""Ids are 32-bit: a larger one names nothing (and is refused with 400)."""

MAX_TITLE = 200
MAX_BODY = 50_000
MAX_COMMENT = 10_000
MAX_AUDIENCES = 50


class Author(msgspec.Struct, kw_only=True):
    """Who wrote something."""

    id: int
    name: str
    title: str = ""


class ReactionCount(msgspec.Struct, kw_only=True):
    """One kind of reaction on a post."""

    kind: str
    emoji: str
    count: int
    mine: Annotated[bool, msgspec.Meta(description="The token's person gave this reaction")]


class ApiAttachment(msgspec.Struct, kw_only=True):
    """An image shown in a post, or a file attached to it."""

    id: Annotated[int, msgspec.Meta(description="The upload's id")]
    kind: Annotated[str, msgspec.Meta(description="image (shown in the post) or file (downloaded)")]
    url: Annotated[
        str, msgspec.Meta(description="Where it is served on this site, to a signed-in browser that may see the post")
    ]
    download_url: Annotated[
        str,
        msgspec.Meta(description="Where the API serves its bytes (always as a download) to a token whose person "
                                 "may see the post: /api/v1/posts/{post_id}/attachments/{id}"),
    ]
    filename: str
    content_type: Annotated[str, msgspec.Meta(description="The type sniffed from its bytes")]
    size: Annotated[int, msgspec.Meta(description="In bytes")]


class AttachmentList(msgspec.Struct, kw_only=True):
    """A post's images and files, in their order."""

    post_id: int
    items: list[ApiAttachment]


class NewAttachments(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Files to attach to a post (multipart/form-data); any other field is refused."""

    file: Annotated[
        list[UploadFile],
        msgspec.Meta(min_length=1, description="One or more files (repeat the field), each with its file name; "
                                               "at most [uploads] max_files at a time. They are listed with the "
                                               "post as files, to download"),
    ]


class ApiPost(msgspec.Struct, kw_only=True):
    """A post as its reader sees it."""

    id: int
    url: Annotated[str, msgspec.Meta(description="The post's page on this site")]
    title: str
    body: Annotated[str, msgspec.Meta(description="The text as written (Markdown)")]
    body_html: Annotated[str, msgspec.Meta(description="The text as HTML, sanitised when the post was saved")]
    author: Annotated[Author | None, msgspec.Meta(description="null once the author has been erased")]
    important: Annotated[bool, msgspec.Meta(description="Readers are asked to acknowledge it")]
    acknowledged: Annotated[bool, msgspec.Meta(description="The token's person has acknowledged it")]
    pinned: Annotated[bool, msgspec.Meta(description="Pinned to the top of the feed for now")]
    published_at: datetime.datetime
    expires_at: datetime.datetime | None
    edited_at: datetime.datetime | None
    comment_count: int
    reactions: Annotated[list[ReactionCount], msgspec.Meta(description="Every reaction kind, with its count")]
    attachments: Annotated[
        list[ApiAttachment], msgspec.Meta(description="Its images and files, in their order")
    ] = msgspec.field(default_factory=list)


class FeedPage(msgspec.Struct, kw_only=True):
    """One page of the feed, newest first."""

    items: list[ApiPost]
    pinned: Annotated[
        list[ApiPost],
        msgspec.Meta(description="Pinned posts not already in items (the first page only, without a unit filter)"),
    ]
    next: Annotated[
        str | None, msgspec.Meta(description="Pass as ?before= for the next page; null on the last page")
    ]


class NewPost(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A post to publish; the token's person must be allowed to publish to every audience."""

    body: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_BODY, description="Markdown")]
    audience: Annotated[
        list[str],
        msgspec.Meta(min_length=1, max_length=MAX_AUDIENCES,
                     description="Audience keys the author may publish to: all, unit:<id>, a plugin's (group:<id>); "
                                 "any other key is refused (403)"),
    ]
    title: Annotated[str, msgspec.Meta(max_length=MAX_TITLE)] = ""
    important: Annotated[bool, msgspec.Meta(description="Ask readers to acknowledge it")] = False
    pinned_until: Annotated[
        datetime.date | None, msgspec.Meta(description="Pinned to the top of the feed to the end of this day")
    ] = None
    publish_at: Annotated[
        datetime.datetime | None, msgspec.Meta(description="Publish later (UTC unless an offset is given)")
    ] = None
    expires_at: Annotated[
        datetime.date | None, msgspec.Meta(description="Gone from the feed after this day")
    ] = None


class Acknowledgement(msgspec.Struct, kw_only=True):
    """The token's person has read and understood an important post."""

    post_id: int
    acknowledged: bool = True


class ApiComment(msgspec.Struct, kw_only=True):
    """A comment on a post."""

    id: int
    post_id: int
    author: Annotated[Author | None, msgspec.Meta(description="null once the author has been erased")]
    body: Annotated[str, msgspec.Meta(description="The text as written (Markdown)")]
    body_html: str
    created_at: datetime.datetime
    edited_at: datetime.datetime | None


class CommentList(msgspec.Struct, kw_only=True):
    """A post's comments, oldest first (at most the newest 500)."""

    items: list[ApiComment]


class NewComment(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    body: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_COMMENT, description="Markdown")]


class Reactions(msgspec.Struct, kw_only=True):
    """Every reaction kind of the site, with its count on the post."""

    post_id: int
    items: list[ReactionCount]


class ApiNotification(msgspec.Struct, kw_only=True):
    """A notice to the token's person; title and text are plain text."""

    id: int
    kind: Annotated[str, msgspec.Meta(description="feed.mention, feed.important, a plugin's kind")]
    title: str
    text: str
    url: Annotated[str, msgspec.Meta(description="A path on this site")]
    actor: Annotated[str | None, msgspec.Meta(description="The name of who caused it, if anyone")]
    created_at: datetime.datetime
    read_at: datetime.datetime | None


class NotificationPage(msgspec.Struct, kw_only=True):
    """The token's person's notifications, newest first."""

    items: list[ApiNotification]
    unread: Annotated[int, msgspec.Meta(description="Unread notifications (counted up to 100)")]
    next: Annotated[int | None, msgspec.Meta(description="Pass as ?before= for older ones; null on the last page")]


class Unread(msgspec.Struct, kw_only=True):
    unread: int
