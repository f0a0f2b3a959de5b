"""The search index: documents, their words per engine, and the people and posts already there."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T08:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class SearchDocument(Table, tablename="search_document"):
    kind = Varchar(length=50)
    ref_id = Integer()
    title = Text(default="")
    body = Text(default="")
    url = Varchar(length=1000, default="")
    audience = Text(default="")
    updated_at = Timestamptz()


# SQLite: an FTS5 table reading its text from search_document (external
# content), kept in step by triggers, so every write to the table updates the
# words in the same transaction. No diacritics are removed: å is not a.
SQLITE_STATEMENTS = [
    "CREATE VIRTUAL TABLE search_document_fts USING fts5("
    "title, body, content='search_document', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 0', prefix='2 3')",
    "CREATE TRIGGER search_document_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts (search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_fts_update AFTER UPDATE ON search_document BEGIN "
    "INSERT INTO search_document_fts (search_document_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_document_fts (rowid, title, body) VALUES (new.id, new.title, new.body); END",
]

# PostgreSQL: the words as a tsvector column, written with each row by the
# search service (which splits and lower-cases them), under a GIN index.
POSTGRES_STATEMENTS = [
    "ALTER TABLE search_document ADD COLUMN tsv tsvector NOT NULL DEFAULT ''::tsvector",
    "CREATE INDEX search_document_tsv ON search_document USING GIN (tsv)",
]


async def fill() -> None:
    """Index the people and posts that exist already (a site upgraded to search)."""
    from intranet_core.search.providers import index_existing

    await index_existing()


async def forwards():
    manager = tables_migration(
        ID, "core_search", DESCRIPTION, [SearchDocument],
        [
            "CREATE UNIQUE INDEX search_document_kind_ref ON search_document (kind, ref_id)",
            *({"sqlite": sql} for sql in SQLITE_STATEMENTS),
            *({"postgres": sql} for sql in POSTGRES_STATEMENTS),
        ],
    )
    manager.add_raw(fill)
    return manager
