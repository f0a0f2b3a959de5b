"""Finding people as they are typed: by name, title, unit, phone number and skills.

Every word typed must match the start of a word of the person (a folded
term in ``phonebook_term``, see :mod:`intranet_phonebook.normalise`) or of
the name of one of their units (or a unit above it). A term is looked up as
a range of the index (``term >= 'jen' AND term < 'jen\\U0010ffff'``), so a
search reads a few index ranges, whatever the number of people:

1. the rarest word (each word's range is counted, up to a cap) gives the
   candidates: its index range, plus the members of the units whose names
   match it, read in index order and stopping after ``CANDIDATES`` that
   pass every check;
2. each other word must match the same candidate: one index look-up each
   (``phonebook_term (person, term)``), made as the range is read;
3. the person's own row has the last word (active people only, read by its
   key); then the best first (a match on the name before one on a title, a
   unit, a skill or a number), by name, a page at a time (keyset, never
   OFFSET).

A term from a field the searcher may not see (a number shown only to the
person's unit) is never matched for them: the visibility rule
(:func:`intranet_phonebook.visibility.visible`) is part of each range.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from typing import Any

from piccolo.querystring import QueryString

from intranet_core.people.tables import Person, Unit
from intranet_phonebook.index import KIND_UNIT
from intranet_phonebook.normalise import prefix_range, query_words, words
from intranet_phonebook.visibility import Viewer, visible

MAX_LIMIT = 100
# How many matches of the rarest word are ranked at most, and how far its matches are counted.
CANDIDATES = 500
ESTIMATE_CAP = 2000


@dataclass(frozen=True)
class Cursor:
    """Where a page of results ends: the last hit's rank, name and id."""

    rank: int
    name: str
    id: int

    def encode(self) -> str:
        raw = json.dumps([self.rank, self.name, self.id], ensure_ascii=False).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value or len(value) > 800:
            return None
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            rank, name, person_id = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            return None
        if not (isinstance(rank, int) and isinstance(name, str) and isinstance(person_id, int)):
            return None
        if not (0 <= rank < 100 and 0 < person_id < 2**31 and len(name) <= 200):
            return None
        return cls(rank, name, person_id)


@dataclass
class Card:
    """A person as a search result shows them: only the fields the searcher may see."""

    id: int
    name: str
    title: str
    email: str
    phone: str = ""
    mobile: str = ""
    office: str = ""
    unit_id: int | None = None
    unit_name: str = ""
    skills: list[str] = field(default_factory=list)
    photo: int | None = None  # the upload's id


@dataclass
class Page:
    cards: list[Card]
    next: Cursor | None = None
    capped: bool = False


@dataclass(frozen=True)
class UnitRow:
    id: int
    path: str
    words: tuple[str, ...]


# The units as this process last read them, per database, with the fingerprint
# they were read under. The core tells plugins nothing when units change, so
# every search asks the database for the fingerprint (every name and path,
# concatenated: one short row) and reads the units again when it differs: a
# renamed unit is found by its new name at once.
_units: dict[int, tuple[str, list[UnitRow]]] = {}


async def units() -> list[UnitRow]:
    engine = Unit._meta.db
    aggregate = ("string_agg(o.name || o.path, '|' ORDER BY o.id)" if engine.engine_type == "postgres"
                 else "group_concat(o.name || o.path, '|')")
    rows = await run_sql(QueryString(
        f"SELECT {aggregate} AS f FROM (SELECT id, name, path FROM org_unit ORDER BY id) AS o"  # noqa: S608
    ))
    fingerprint = str(rows[0]["f"] or "")
    cached = _units.get(id(engine))
    if cached is not None and cached[0] == fingerprint:
        return cached[1]
    found = [UnitRow(int(r["id"]), r["path"], tuple(words(r["name"])))
             for r in await Unit.select(Unit.id, Unit.name, Unit.path).run()]
    _units[id(engine)] = (fingerprint, found)
    return found


def units_matching(all_units: list[UnitRow], word: str) -> list[int]:
    """The units with a word of their name starting with ``word``, and every unit below them."""
    paths = [u.path for u in all_units if any(w.startswith(word) for w in u.words)]
    if not paths:
        return []
    return [u.id for u in all_units if u.path.startswith(tuple(paths))]


def sql_in(ids: list[int]) -> QueryString:
    return QueryString("(" + ", ".join("{}" for _ in ids) + ")", *ids)


def _word_condition(word: str, unit_ids: list[int], viewer: Viewer, person: str) -> QueryString:
    """``person`` matches ``word``: by a term the viewer may see, or by a unit (or one above it)."""
    low, high = prefix_range(word)
    term = QueryString(
        f"EXISTS (SELECT 1 FROM phonebook_term AS tw WHERE tw.person = {person} "  # noqa: S608 - trusted column
        "AND tw.term >= {} AND tw.term < {} AND {})",
        low, high, visible("tw.level", "tw.person", viewer),
    )
    if not unit_ids:
        return term
    return QueryString(
        f"({{}} OR EXISTS (SELECT 1 FROM membership AS mw WHERE mw.person = {person} AND mw.unit IN {{}}))",  # noqa: S608
        term, sql_in(unit_ids),
    )


def _unit_filter(path: str | None, person: str) -> QueryString:
    if path is None:
        return QueryString("1 = 1")
    return QueryString(
        f"EXISTS (SELECT 1 FROM membership AS mf JOIN org_unit AS uf ON uf.id = mf.unit "  # noqa: S608
        f"WHERE mf.person = {person} AND uf.path LIKE {{}})",
        path + "%",
    )


def _after(cursor: Cursor | None) -> QueryString:
    if cursor is None:
        return QueryString("1 = 1")
    return QueryString(
        "(r.rank > {} OR (r.rank = {} AND (r.name > {} OR (r.name = {} AND r.id > {}))))",
        cursor.rank, cursor.rank, cursor.name, cursor.name, cursor.id,
    )


async def _driving_word(query_terms: list[str], all_units: list[UnitRow]) -> tuple[str, int]:
    """The word the candidates come from, and about how many terms match it.

    Each word's index range is counted up to ``ESTIMATE_CAP`` rows (an
    index-only scan); a word that names a unit counts as matching many. The
    rarest word is chosen.
    """
    counts: dict[str, int] = {}
    for word in query_terms:
        low, high = prefix_range(word)
        rows = await run_sql(QueryString(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM phonebook_term AS t WHERE t.term >= {} AND t.term < {} "
            "LIMIT {}) AS x",
            low, high, ESTIMATE_CAP,
        ))
        counts[word] = int(rows[0]["n"])
    word = min(query_terms, key=lambda w: (counts[w] + (ESTIMATE_CAP if units_matching(all_units, w) else 0),
                                           -len(w)))
    return word, counts[word]


async def unit_path(unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    row = await Unit.select(Unit.path).where(Unit.id == unit_id).first().run()
    return None if row is None else str(row["path"])


@dataclass
class Found:
    """A page of matches: ``(person id, name, rank)`` best first, the cursor of the next page, and
    whether so many people match that only the first ``CANDIDATES`` were ranked."""

    rows: list[tuple[int, str, int]]
    next: Cursor | None = None
    capped: bool = False


def _all(conditions: list[QueryString]) -> QueryString:
    return QueryString(" AND ".join("{}" for _ in conditions), *conditions) if conditions else QueryString("1 = 1")


async def find_people(
    viewer: Viewer, query: str, *, unit_id: int | None = None, limit: int = 20, after: Cursor | None = None
) -> Found:
    """Active people matching every word, best first, a page at a time.

    With no words and a unit: everyone in the unit and the units below it,
    by name. With neither: nothing. An unknown unit finds nobody. When the
    rarest word matches more than ``CANDIDATES`` people, the first
    ``CANDIDATES`` of them in the index's order are ranked (``capped``):
    typing on narrows it, as it does on any phone's contacts.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    query_terms = query_words(query)
    path = await unit_path(unit_id)
    if unit_id is not None and path is None:
        return Found([])
    if not query_terms and path is None:
        return Found([])
    active = True
    capped = False
    if not query_terms:
        # From the unit's branch to its members (CROSS JOIN: in that order on SQLite too).
        sql = QueryString(
            "SELECT r.id AS id, r.name AS name, r.rank AS rank FROM ("
            "SELECT DISTINCT p.id AS id, p.name AS name, 0 AS rank FROM org_unit AS u "
            "CROSS JOIN membership AS m CROSS JOIN person AS p "
            "WHERE u.path LIKE {} AND m.unit = u.id AND p.id = m.person AND p.active = {}"
            ") AS r WHERE {} ORDER BY r.rank, r.name, r.id LIMIT {}",
            f"{path}%", active, _after(after), limit + 1,
        )
    else:
        all_units = await units()
        driving, estimate = await _driving_word(query_terms, all_units)
        capped = estimate > CANDIDATES
        others = [w for w in query_terms if w != driving]
        low, high = prefix_range(driving)
        driving_units = units_matching(all_units, driving)

        def matching(person: str) -> QueryString:
            """The other words, and the unit filter, for one candidate: checked as the index is read."""
            return _all([*(_word_condition(w, units_matching(all_units, w), viewer, person) for w in others),
                         _unit_filter(path, person)])

        # Each branch stops after CANDIDATES rows that pass every check, read in
        # the index's order: a word shared by thousands costs what one shared by
        # a thousand does.
        candidates = QueryString(
            "SELECT a.person AS person, a.rank AS rank FROM (SELECT t.person AS person, t.kind AS rank "
            "FROM phonebook_term AS t WHERE t.term >= {} AND t.term < {} AND {} AND {} "
            "ORDER BY t.term, t.level, t.person LIMIT {}) AS a",
            low, high, visible("t.level", "t.person", viewer), matching("t.person"), CANDIDATES,
        )
        if driving_units:
            by_unit = ("{} UNION ALL SELECT b.person AS person, b.rank AS rank FROM (SELECT mu.person AS person, "  # noqa: S608
                       f"{int(KIND_UNIT)} AS rank FROM membership AS mu WHERE mu.unit IN {{}} AND {{}} "
                       "ORDER BY mu.unit, mu.id LIMIT {}) AS b")
            candidates = QueryString(by_unit, candidates, sql_in(driving_units), matching("mu.person"), CANDIDATES)
        # The person's own row has the last word (active people only), read for
        # each candidate by its key: a join would let PostgreSQL hash all people.
        sql = QueryString(
            "SELECT r.id AS id, r.name AS name, r.rank AS rank FROM ("
            "SELECT g.person AS id, g.rank AS rank, "
            "(SELECT p.name FROM person AS p WHERE p.id = g.person AND p.active = {}) AS name "
            "FROM (SELECT c.person AS person, MIN(c.rank) AS rank FROM ({}) AS c GROUP BY c.person) AS g"
            ") AS r WHERE r.name IS NOT NULL AND {} ORDER BY r.rank, r.name, r.id LIMIT {}",
            active, candidates, _after(after), limit + 1,
        )
    rows = await run_sql(sql, without_jit=True)
    found = [(int(r["id"]), str(r["name"]), int(r["rank"])) for r in rows]
    next_cursor = None
    if len(found) > limit:
        found = found[:limit]
        last = found[-1]
        next_cursor = Cursor(rank=last[2], name=last[1], id=last[0])
    return Found(found, next_cursor, capped)


async def run_sql(sql: QueryString, *, without_jit: bool = False) -> list[dict[str, Any]]:
    """Run a query built here (placeholders for every value).

    ``without_jit``: on PostgreSQL, for this query only, no JIT compilation:
    the planner's cost of a search over many candidates passes the JIT
    threshold, and compiling then takes ten times what running takes.
    """
    engine = Person._meta.db
    if not without_jit or engine.engine_type != "postgres":
        return await Person.raw("{}", sql).run()
    async with engine.transaction():
        await Person.raw("SET LOCAL jit = off").run()
        return await Person.raw("{}", sql).run()


async def cards(viewer: Viewer, person_ids: list[int], defaults: Any) -> dict[int, Card]:
    """The cards of these people, each field only if the viewer may see it (decided in the query)."""
    if not person_ids:
        return {}
    rows = await run_sql(QueryString(
        "SELECT p.id AS id, p.name AS name, p.title AS title, p.email AS email, "
        "CASE WHEN {} THEN p.phone ELSE '' END AS phone, "
        "CASE WHEN {} THEN p.mobile ELSE '' END AS mobile, "
        "CASE WHEN {} THEN pr.office ELSE '' END AS office, "
        "u.id AS unit_id, u.name AS unit_name, pr.photo AS photo "
        "FROM person AS p LEFT JOIN phonebook_profile AS pr ON pr.person = p.id "
        "LEFT JOIN membership AS m ON m.person = p.id AND m.is_primary = {} "
        "LEFT JOIN org_unit AS u ON u.id = m.unit "
        "WHERE p.id IN {}",
        visible(level_sql("phone", defaults), "p.id", viewer),
        visible(level_sql("mobile", defaults), "p.id", viewer),
        visible(level_sql("office", defaults), "p.id", viewer),
        True, sql_in(person_ids),
    ))
    found: dict[int, Card] = {}
    for r in rows:
        found.setdefault(int(r["id"]), Card(
            id=int(r["id"]), name=r["name"], title=r["title"] or "", email=r["email"], phone=r["phone"] or "",
            mobile=r["mobile"] or "", office=r["office"] or "",
            unit_id=None if r["unit_id"] is None else int(r["unit_id"]), unit_name=r["unit_name"] or "",
            photo=None if r["photo"] is None else int(r["photo"]),
        ))
    for person_id, labels in (await visible_skills(viewer, person_ids, defaults)).items():
        if person_id in found:
            found[person_id].skills = labels
    return found


def level_sql(name: str, defaults: Any) -> str:
    """The level of a field as SQL: the person's choice, or the site's default (a trusted integer)."""
    column = {"hours": "hours_visibility"}.get(name, f"{name}_visibility")
    return f"COALESCE(pr.{column}, {int(getattr(defaults, name))})"


async def visible_skills(viewer: Viewer, person_ids: list[int], defaults: Any) -> dict[int, list[str]]:
    if not person_ids:
        return {}
    rows = await run_sql(QueryString(
        "SELECT s.person AS person, s.label AS label FROM phonebook_skill AS s "
        "LEFT JOIN phonebook_profile AS pr ON pr.person = s.person "
        "WHERE s.person IN {} AND {} ORDER BY s.person, s.position, s.id",
        sql_in(person_ids), visible(level_sql("skills", defaults), "s.person", viewer),
    ))
    found: dict[int, list[str]] = {}
    for r in rows:
        found.setdefault(int(r["person"]), []).append(r["label"])
    return found


async def search(
    viewer: Viewer, query: str, defaults: Any, *, unit_id: int | None = None, limit: int = 20,
    after: Cursor | None = None,
) -> Page:
    """A page of people as cards, best first."""
    found = await find_people(viewer, query, unit_id=unit_id, limit=limit, after=after)
    by_id = await cards(viewer, [pid for pid, _name, _rank in found.rows], defaults)
    return Page(cards=[by_id[pid] for pid, _name, _rank in found.rows if pid in by_id], next=found.next,
                capped=found.capped)
