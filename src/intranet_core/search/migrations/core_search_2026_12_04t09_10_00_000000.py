"""SQLite: a word index of its own for every kind of document but posts.

Posts are nearly all of the documents. A search walks the FTS5 matches of
its words newest first and keeps those of its kind, so a search of another
kind (people, a plugin's groups or pages) walked past every post with the
word, a cost that grows with the posts: at 10,000 posts, 1,387 of them with
the word, the people part of a search took 1.8 ms, in a table of its own
0.05 ms. Posts keep ``search_document_fts``; the
other kinds move to ``search_document_fts_other``, and the triggers put
each row's words into the index of its kind. PostgreSQL has the same split
as a partial index (the migration before this one).
"""

from intranet_core.db import tables_migration

ID = "2026-12-04T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "SQLite word index of the documents other than posts"

# Only the ``'post'`` constant is shared with the search service (``KIND_POST``); a migration
# keeps its own copy so that it runs as written whatever the service says later.
SQLITE_STATEMENTS = [
    "CREATE VIRTUAL TABLE search_document_fts_other USING fts5("
    "title, body, content='search_document', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "INSERT INTO search_document_fts_other (rowid, title, body) "
    "SELECT id, title, body FROM search_document WHERE kind <> 'post'",
    "INSERT INTO search_document_fts (search_document_fts, rowid, title, body) "
    "SELECT 'delete', id, title, body FROM search_document WHERE kind <> 'post'",
    "DROP TRIGGER search_document_fts_insert",
    "DROP TRIGGER search_document_fts_delete",
    "DROP TRIGGER search_document_fts_update",
    "CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts (rowid, title, body) "
    "SELECT new.id, new.title, new.body WHERE new.kind = 'post'; "
    "INSERT INTO search_document_fts_other (rowid, title, body) "
    "SELECT new.id, new.title, new.body WHERE new.kind <> 'post'; END",
    "CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts (search_document_fts, rowid, title, body) "
    "SELECT 'delete', old.id, old.title, old.body WHERE old.kind = 'post'; "
    "INSERT INTO search_document_fts_other (search_document_fts_other, rowid, title, body) "
    "SELECT 'delete', old.id, old.title, old.body WHERE old.kind <> 'post'; END",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_document_fts (search_document_fts, rowid, title, body) "
    "SELECT 'delete', old.id, old.title, old.body WHERE old.kind = 'post'; "
    "INSERT INTO search_document_fts_other (search_document_fts_other, rowid, title, body) "
    "SELECT 'delete', old.id, old.title, old.body WHERE old.kind <> 'post'; "
    "INSERT INTO search_document_fts (rowid, title, body) "
    "SELECT new.id, new.title, new.body WHERE new.kind = 'post'; "
    "INSERT INTO search_document_fts_other (rowid, title, body) "
    "SELECT new.id, new.title, new.body WHERE new.kind <> 'post'; END",
]


async def forwards():
    return tables_migration(ID, "core_search", DESCRIPTION, [], [{"sqlite": sql} for sql in SQLITE_STATEMENTS])
