from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_core.uploads.tables import Upload


class Post(Table, tablename="post"):
    id: Serial
    # NULL once the author is erased and their posts are kept anonymised.
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    title = Varchar(length=200, default="")
    body = Text(default="")
    # Rendered and sanitised when written, never per view.
    body_html = Text(default="")
    important = Boolean(default=False)
    pinned_until = Timestamptz(null=True, default=None, index=True)
    published_at = Timestamptz(index=True)
    expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    edited_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None, index=True)
    deleted_by = Integer(null=True, default=None)
    # When the post went live: indexed for search and, if important,
    # announced. NULL while it waits for its publication time.
    announced_at = Timestamptz(null=True, default=None)


class PostAudience(Table, tablename="post_audience"):
    """Who may see a post: one row per audience key (``all``, ``unit:7``, ``group:3``).

    ``published_at`` is copied here so that a feed page is one index range
    per key, newest first, whatever the number of posts.
    """

    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=100)
    published_at = Timestamptz()


class Acknowledgement(Table, tablename="post_acknowledgement"):
    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    at = Timestamptz()


class PostSeen(Table, tablename="post_seen"):
    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    at = Timestamptz()


class PostComment(Table, tablename="post_comment"):
    """A comment on a post; seen by whoever may see the post."""

    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    # NULL once the author is erased and their comments are kept anonymised.
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    body = Text(default="")
    # Rendered and sanitised when written, never per view.
    body_html = Text(default="")
    created_at = Timestamptz()
    edited_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None)
    deleted_by = Integer(null=True, default=None)


class PostReaction(Table, tablename="post_reaction"):
    """One person's reaction of one kind to a post (unique per post, person and kind)."""

    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=20)
    at = Timestamptz()


class PostAttachment(Table, tablename="post_attachment"):
    """An image shown in a post, or a file attached to it; seen by whoever may see the post.

    Deleting the upload removes it from the post; deleting the post removes
    these rows, and :func:`intranet_core.uploads.service.purge_orphans` the
    uploads nobody refers to any more.
    """

    id: Serial
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=10)  # "image" or "file"
    position = Integer(default=0)
