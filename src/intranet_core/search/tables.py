from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class SearchDocument(Table, tablename="search_document"):
    """One searchable thing (a post, a person, a plugin's page), unique by ``(kind, ref_id)``.

    The words are indexed per engine, next to this table: on SQLite by two
    FTS5 tables kept in step by triggers (``search_document_fts`` for posts,
    ``search_document_fts_other`` for every other kind), on PostgreSQL by a
    ``tsv`` column written with the row (a GIN index of every document, and
    a partial one of all but posts). Neither appears here: rows are written
    by :mod:`intranet_core.search.service` only.
    """

    id: Serial
    kind = Varchar(length=50)
    ref_id = Integer()
    title = Text(default="")
    body = Text(default="")
    url = Varchar(length=1000, default="")
    # Audience keys, separated by spaces: "all", "unit:3 group:7".
    audience = Text(default="")
    updated_at = Timestamptz()
