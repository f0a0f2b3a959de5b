"""PostgreSQL: a word index of its own for every kind of document but posts.

Posts are nearly all of the documents. A search of another kind (people, a
plugin's groups or pages) found its words through the one GIN index of
every document and then dropped the posts: for a common prefix at a million
posts that read 124,000 index entries to find none (46 ms for the people
part of every search). This partial index holds the other kinds only, so
their searches read their own entries (0.02 ms); posts keep the index of
every document. SQLite gets the same split in the migration after this one.
"""

from intranet_core.db import tables_migration

ID = "2026-12-04T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "Word index of the documents other than posts"


async def forwards():
    return tables_migration(
        ID, "core_search", DESCRIPTION, [],
        [{"postgres": "CREATE INDEX search_document_tsv_other ON search_document USING GIN (tsv) "
                      "WHERE kind <> 'post'"}],
    )
