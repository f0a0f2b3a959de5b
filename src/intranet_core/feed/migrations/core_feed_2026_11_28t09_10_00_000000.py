"""Images and files attached to posts."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Post(Table, tablename="post"):
    pass


class Upload(Table, tablename="upload"):
    pass


class PostAttachment(Table, tablename="post_attachment"):
    post = ForeignKey(references=Post, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    kind = Varchar(length=10)
    position = Integer(default=0)


async def forwards():
    return tables_migration(
        ID, "core_feed", DESCRIPTION, [PostAttachment],
        [
            # A page's attachments: one index range per post, in their order.
            "CREATE UNIQUE INDEX post_attachment_once ON post_attachment (post, upload)",
            "CREATE INDEX post_attachment_order ON post_attachment (post, position)",
        ],
    )
