"""Posts, their audiences, acknowledgements and who has seen them."""

from piccolo.columns import Boolean, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Post(Table, tablename="post"):
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    title = Varchar(length=200, default="")
    body = Text(default="")
    body_html = Text(default="")
    important = Boolean(default=False)
    pinned_until = Timestamptz(null=True, default=None, index=True)
    published_at = Timestamptz(index=True)
    expires_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()
    edited_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None, index=True)
    deleted_by = Integer(null=True, default=None)


class PostAudience(Table, tablename="post_audience"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=100)
    published_at = Timestamptz()


class Acknowledgement(Table, tablename="post_acknowledgement"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    at = Timestamptz()


class PostSeen(Table, tablename="post_seen"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    at = Timestamptz()


async def forwards():
    return tables_migration(
        ID, "core_feed", DESCRIPTION, [Post, PostAudience, Acknowledgement, PostSeen],
        [
            # A feed page: per key, newest first, then the post id as tie-breaker.
            "CREATE INDEX post_audience_feed ON post_audience (key, published_at DESC, post DESC)",
            "CREATE UNIQUE INDEX post_audience_post_key ON post_audience (post, key)",
            "CREATE UNIQUE INDEX post_acknowledgement_once ON post_acknowledgement (post, person)",
            "CREATE UNIQUE INDEX post_seen_once ON post_seen (post, person)",
        ],
    )
