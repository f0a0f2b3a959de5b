"""A small index of the posts that were ever pinned, for the pinned posts on top of the feed.

With ``pinned_until > $1`` alone, PostgreSQL's generic plan for the prepared
statement (used after a few executions) walked every post by date: 3.4 s at
a million posts. The partial index holds only posts that were ever pinned,
so any plan that uses it stays small.
"""

from intranet_core.db import tables_migration

ID = "2026-11-28T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Index of pinned posts"


async def forwards():
    return tables_migration(
        ID, "core_feed", DESCRIPTION, [],
        ["CREATE INDEX post_pinned ON post (published_at) WHERE pinned_until IS NOT NULL"],
    )
