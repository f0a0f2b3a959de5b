"""Keeping the search index in step with the content, in the same transaction.

One table, ``search_document``, holds every searchable thing; content code
calls :func:`index_document` and :func:`remove_document` inside the
transaction that changes the content, so the index commits (or rolls back)
with it and never needs rebuilding. The words are indexed per engine:

- SQLite: an FTS5 table over ``search_document`` (external content), kept in
  step by triggers on the table; ranked by ``bm25``.
- PostgreSQL: a ``tsvector`` column written with the row, under a GIN index,
  with the ``simple`` configuration (Danish and English side by side, no
  stemming); ranked by ``ts_rank``.

Both engines see the same words: text is split and lower-cased here, in
Python, the same way for documents and queries (letters and digits, ``æøå``
included; nothing folded: ``å`` is not ``a``). Every word of a query must
match the start of a word of the document (search as you type).

Visibility is decided in the query: a document is found only when one of its
audience keys is one of the searcher's.
"""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intranet_core.search.tables import SearchDocument

KIND_POST = "post"
KIND_PERSON = "person"

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 64
MAX_TITLE_LENGTH = 500
MAX_BODY_LENGTH = 50_000
MAX_KEYS = 200
# Title words count more than body words.
SQLITE_WEIGHTS = (5.0, 1.0)
# The newest matches ranked per search (see search_documents).
RANKED = 1000

# A word: letters and digits (any script); everything else separates words.
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class Found:
    """A document the searcher may see, as stored."""

    kind: str
    ref_id: int
    title: str
    body: str
    url: str


def _normal(text: str) -> str:
    return unicodedata.normalize("NFC", text or "")


def words(text: str) -> list[str]:
    """The lower-cased words of a text, as the index sees them."""
    return _WORD.findall(_normal(text).lower())


def terms(query: str) -> list[str]:
    """The words of what a person typed, safe to put in any engine's query.

    Only letters and digits survive, so quotes, ``*``, ``OR``-like operators
    and brackets can never reach the query syntax; at most ``MAX_TERMS``
    distinct words, each cut to ``MAX_TERM_LENGTH``.
    """
    found = dict.fromkeys(word[:MAX_TERM_LENGTH] for word in words(query[:MAX_QUERY_LENGTH]))
    return list(found)[:MAX_TERMS]


def fts5_query(query_terms: Sequence[str]) -> str:
    """``"word"*`` per term (a quoted prefix: never an operator), all required."""
    return " ".join('"{}"*'.format(term.replace('"', '""')) for term in query_terms)


def tsquery(query_terms: Sequence[str]) -> str:
    """``'word':*`` per term, all required (input of ``to_tsquery``)."""
    return " & ".join("'{}':*".format(term.replace("'", "''").replace("\\", "")) for term in query_terms)


def _is_sqlite() -> bool:
    return bool(SearchDocument._meta.db.engine_type == "sqlite")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _audience_text(audience: Sequence[str]) -> str:
    keys = list(dict.fromkeys(audience))
    for key in keys:
        if not key or any(ch.isspace() for ch in key):
            raise ValueError(f"audience key {key!r}: expected a non-empty key without spaces (all, unit:3)")
    return " ".join(keys)


async def index_document(
    *, kind: str, ref_id: int, title: str, body: str, audience: list[str], url: str
) -> None:
    """Add or replace the document ``(kind, ref_id)``; call it inside the content's transaction.

    ``audience`` are the audience keys that may find it (``all``, ``unit:3``);
    the searcher's keys are matched in the query. ``body`` is plain text (for
    markdown, pass ``intranet_core.markup.plain_text(body)``); ``url`` is
    where a hit leads. Runs in the caller's transaction, if there is one, so
    the index changes exactly when the content does.

    :raises ValueError: an audience key is empty or holds a space.
    """
    title = _normal(title)[:MAX_TITLE_LENGTH]
    body = _normal(body)[:MAX_BODY_LENGTH]
    columns = "kind, ref_id, title, body, url, audience, updated_at"
    values = "{}, {}, {}, {}, {}, {}, {}"
    updates = ("title = excluded.title, body = excluded.body, url = excluded.url, "
               "audience = excluded.audience, updated_at = excluded.updated_at")
    args: list[Any] = [kind, ref_id, title, body, url, _audience_text(audience), _now()]
    if not _is_sqlite():
        # The words, split here exactly as queries are: the engine only stores them.
        columns += ", tsv"
        values += ", setweight(to_tsvector('simple', {}), 'A') || setweight(to_tsvector('simple', {}), 'B')"
        updates += ", tsv = excluded.tsv"
        args += [" ".join(words(title)), " ".join(words(body))]
    # Only placeholders and constants are formatted into the SQL.
    await SearchDocument.raw(
        f"INSERT INTO search_document ({columns}) VALUES ({values}) "  # noqa: S608
        f"ON CONFLICT (kind, ref_id) DO UPDATE SET {updates}",
        *args,
    ).run()


async def remove_document(*, kind: str, ref_id: int) -> None:
    """Take a document out of the index (deleted content, erased person)."""
    await SearchDocument.delete().where((SearchDocument.kind == kind) & (SearchDocument.ref_id == ref_id)).run()


async def search_documents(
    *, kind: str, query: str, keys: Sequence[str], limit: int = 20, where: str = "", where_args: Sequence[Any] = (),
) -> list[Found]:
    """The best documents of ``kind`` for ``query`` that one of ``keys`` may see, best first.

    :param keys: the searcher's audience keys
        (``intranet_core.feed.service.audience_keys``); no keys, no results.
    :param where: an extra condition on the document ``d`` (``AND ...``) with
        ``{}`` placeholders for ``where_args``: a check against the content's
        own table. Trusted SQL only, never built from input.

    Only the newest :data:`RANKED` matches the person may see are ranked: a
    word found in half a million posts would otherwise have every one of
    them ranked (2 s at a million posts). On an intranet the newest matches
    are the ones wanted; a rarer word or a second one narrows the search.
    """
    query_terms = terms(query)
    keys = list(dict.fromkeys(keys))[:MAX_KEYS]
    if not query_terms or not keys or limit <= 0:
        return []
    columns = "d.kind AS kind, d.ref_id AS ref_id, d.title AS title, d.body AS body, d.url AS url"
    # Only constants, placeholders and the caller's trusted ``where`` are
    # formatted into the SQL; the query and the keys are parameters.
    if _is_sqlite():
        # FTS5 walks its matches newest first (rowid order) and bm25 is worked out for those only.
        # Posts have an index of their own, so no other kind walks past them.
        fts = "search_document_fts" if kind == KIND_POST else "search_document_fts_other"
        sql = (
            f"SELECT * FROM (SELECT {columns}, d.id AS id, "  # noqa: S608
            f"bm25({fts}, {SQLITE_WEIGHTS[0]}, {SQLITE_WEIGHTS[1]}) AS rank "
            f"FROM {fts} JOIN search_document AS d ON d.id = {fts}.rowid "
            f"WHERE {fts} MATCH {{}} AND d.kind = {{}} "
            "AND EXISTS (SELECT 1 FROM json_each({}) AS k "
            "WHERE instr(' ' || d.audience || ' ', ' ' || k.value || ' ') > 0) "
            f"{where} ORDER BY {fts}.rowid DESC LIMIT {RANKED}) "
            "ORDER BY rank, id DESC LIMIT {}"
        )
        args: list[Any] = [fts5_query(query_terms), kind, json.dumps(keys), *where_args, limit]
        rows = await SearchDocument.raw(sql, *args).run()
    else:
        sql = (
            "SELECT d.kind AS kind, d.ref_id AS ref_id, d.title AS title, d.body AS body, d.url AS url, "  # noqa: S608
            "ts_rank(d.tsv, q.query) AS rank FROM ("
            "SELECT d.* FROM search_document AS d, to_tsquery('simple', {}) AS q(query) "
            "WHERE d.tsv @@ q.query AND d.kind = {} AND string_to_array(d.audience, ' ') && {}::text[] "
            f"ORDER BY d.id DESC LIMIT {RANKED}) AS d, to_tsquery('simple', {{}}) AS q(query) "
            # The caller's check against its own table comes after the newest matches are found: inside,
            # it misled the planner into reading every match (1.1 s for a common word at a million).
            f"WHERE TRUE {where} ORDER BY rank DESC, d.id DESC LIMIT {{}}"
        )
        args = [tsquery(query_terms), kind, keys, tsquery(query_terms), *where_args, limit]
        async with SearchDocument._meta.db.transaction():
            # Whether walking the newest documents or the word index is faster depends on how common the
            # words are; a prepared statement's generic plan cannot know (7 s for a common word at a
            # million documents), so this statement is planned for its own words each time.
            # And without JIT: a search that expects many rows costs enough for PostgreSQL to compile
            # it first (30 ms and more, each time), more than the whole search takes without.
            # Both settings in one statement: one round trip (``true``: for this transaction only).
            await SearchDocument.raw(
                "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), set_config('jit', 'off', true)"
            ).run()
            rows = await SearchDocument.raw(sql, *args).run()
    return [Found(row["kind"], int(row["ref_id"]), row["title"], row["body"], row["url"]) for row in rows]


# --- showing hits --------------------------------------------------------------------


def _term_pattern(query_terms: Sequence[str]) -> re.Pattern[str] | None:
    if not query_terms:
        return None
    alternatives = "|".join(re.escape(t) for t in sorted(query_terms, key=len, reverse=True))
    # The start of a word, like the index matches.
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*", re.IGNORECASE)


def snippet(text: str, query_terms: Sequence[str], width: int = 180) -> str:
    """Plain text around the first matching word, at most about ``width`` characters."""
    text = " ".join(_normal(text).split())
    if len(text) <= width:
        return text
    pattern = _term_pattern(query_terms)
    match = pattern.search(text) if pattern else None
    start = 0 if match is None else max(0, match.start() - width // 3)
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < (match.start() if match else start) else start
    end = start + width
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    return ("…" if start else "") + text[start:end].strip() + ("…" if end < len(text) else "")


def highlight(text: str, query_terms: Sequence[str]) -> list[tuple[str, bool]]:
    """``text`` in parts, each with whether it matched; a template escapes and marks them."""
    pattern = _term_pattern(query_terms)
    if pattern is None or not text:
        return [(text, False)] if text else []
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            parts.append((text[position:match.start()], False))
        parts.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        parts.append((text[position:], False))
    return parts
