"""Comments and reactions on posts; when a post went live (search, announcements)."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T08:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Post(Table, tablename="post"):
    pass


class PostComment(Table, tablename="post_comment"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    body = Text(default="")
    body_html = Text(default="")
    created_at = Timestamptz()
    edited_at = Timestamptz(null=True, default=None)
    deleted_at = Timestamptz(null=True, default=None)
    deleted_by = Integer(null=True, default=None)


class PostReaction(Table, tablename="post_reaction"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=20)
    at = Timestamptz()


async def forwards():
    return tables_migration(
        ID, "core_feed", DESCRIPTION, [PostComment, PostReaction],
        [
            # A post's comments, oldest first.
            "CREATE INDEX post_comment_thread ON post_comment (post, created_at, id)",
            "CREATE UNIQUE INDEX post_reaction_once ON post_reaction (post, person, kind)",
            "ALTER TABLE post ADD COLUMN announced_at TIMESTAMPTZ NULL DEFAULT NULL",
            # Posts already published count as announced; scheduled ones are
            # announced when their time comes.
            "UPDATE post SET announced_at = created_at WHERE published_at <= created_at",
            # The posts still waiting for their publication time: a small index.
            "CREATE INDEX post_unannounced ON post (published_at) WHERE announced_at IS NULL",
        ],
    )
