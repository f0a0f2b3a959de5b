"""@mentions: whom a writer may mention, and how a mention is written, stored and shown.

A writer types ``@`` and a person's e-mail local part (``@anna.jensen``) or a
word of their name (``@Anna``); the autocomplete (``GET /people/autocomplete``)
offers the people the writer may see and inserts the local part. When the
text is saved, each ``@handle`` that names exactly one such person becomes
``[@Anna Jensen](mention:42)`` in the stored markdown, shown as a link to
``/people/42``. A handle that names nobody, or several people, stays text.

On every save the name in each stored mention is written again from the
person's record, so a mention cannot be dressed up as someone else, and a
mention of a person the writer may not see becomes plain text. Code spans
and fenced code blocks are left alone.

:func:`visible_people_query` is the one rule for who a person may look up:
the autocomplete and mention resolution both use it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from markupsafe import Markup

from intranet_core.markup import OwnImage, render
from intranet_core.people.tables import Person

AUTOCOMPLETE_LIMIT = 10
MAX_QUERY = 100
# Handles resolved per text: bounds the size of the look-up query.
MAX_HANDLES = 20
MAX_NAME = 200

# A stored mention: [@Name](mention:42), the name markdown-escaped (so up
# to twice MAX_NAME characters).
_STORED = r"\[@((?:\\.|[^\]\\\n]){1,400})\]\(mention:(\d{1,12})\)"
# A typed handle: not inside a word (e-mail addresses) or after an escape.
_HANDLE = r"(?<![\w@\\\[/.`\-])@(\w(?:[\w.+\-]*\w)?)"
_TOKEN = re.compile(f"{_STORED}|{_HANDLE}")
_STORED_ONLY = re.compile(_STORED)
# Fenced code blocks and code spans, where an @ is just an @.
_CODE = re.compile(r"(?ms)^ {0,3}(`{3,}|~{3,}).*?(?:^ {0,3}\1[ \t]*$|\Z)|`+[^`\n]*`+")
_ASCII_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")


def visible_people_query(viewer_id: int | None, *columns: Any) -> Any:
    """A ``Person.select(*columns)`` of the people ``viewer_id`` may look up.

    In the core every active person is visible to every signed-in person;
    nobody is visible to a visitor who is not signed in. Callers narrow it
    further with ``.where(...)``, which Piccolo joins with AND.
    """
    query = Person.select(*(columns or (Person.id, Person.name, Person.email, Person.title)))
    if viewer_id is None:
        return query.where(Person.id < 0)
    return query.where(Person.active == True)  # noqa: E712 - SQL


def _is_sqlite() -> bool:
    return bool(Person._meta.db.engine_type == "sqlite")


def _like_any(column: Any, patterns: list[str]) -> Any:
    """``column`` matches one of ``patterns`` (LIKE), whatever the case.

    PostgreSQL has ILIKE; SQLite's LIKE ignores case for ASCII letters
    only, so the usual spellings of the rest are tried too.
    """
    condition: Any = None
    for pattern in patterns:
        if _is_sqlite():
            variants = dict.fromkeys([pattern, pattern.lower(), pattern.upper(), pattern.capitalize(),
                                      pattern.title()])
            parts = [column.like(v) for v in variants]
        else:
            parts = [column.ilike(pattern)]
        for part in parts:
            condition = part if condition is None else condition | part
    return condition


def _clean_query(q: str) -> str:
    # % would be a wildcard; _ matching any one letter only widens the match.
    return " ".join(q.replace("%", " ").replace("\\", " ").split())[:MAX_QUERY]


def handle_of(email: str) -> str:
    return email.split("@", 1)[0]


async def autocomplete(viewer_id: int, q: str, limit: int = AUTOCOMPLETE_LIMIT) -> list[dict[str, Any]]:
    """People the viewer may see whose name, a word of it, or e-mail starts with ``q``."""
    q = _clean_query(q)
    if not q:
        return []
    condition = _like_any(Person.email, [f"{q}%"]) | _like_any(Person.name, [f"{q}%", f"% {q}%"])
    rows = await visible_people_query(viewer_id, Person.id, Person.name, Person.email, Person.title).where(
        condition
    ).order_by(Person.name).limit(max(1, min(limit, AUTOCOMPLETE_LIMIT))).run()
    return [
        {"id": int(r["id"]), "name": r["name"], "title": r["title"], "handle": handle_of(r["email"])}
        for r in rows
    ]


def escape_name(name: str) -> str:
    """A name made literal in markdown link text (every ASCII punctuation escaped)."""
    return _ASCII_PUNCTUATION.sub(r"\\\1", " ".join(name.split())[:MAX_NAME])


def _outside_code(text: str, change: Callable[[str], str]) -> str:
    """``change`` applied to the parts of ``text`` that are not code."""
    out: list[str] = []
    position = 0
    for match in _CODE.finditer(text):
        out.append(change(text[position:match.start()]))
        out.append(match.group(0))
        position = match.end()
    out.append(change(text[position:]))
    return "".join(out)


def _tokens(text: str) -> tuple[list[int], list[str]]:
    ids: list[int] = []
    handles: list[str] = []

    def collect(part: str) -> str:
        for match in _TOKEN.finditer(part):
            if match.group(2):
                ids.append(int(match.group(2)))
            elif match.group(3):
                handles.append(match.group(3))
        return part

    _outside_code(text, collect)
    return ids, list(dict.fromkeys(handles))[:MAX_HANDLES]


def mentioned_ids(text: str) -> list[int]:
    """The people a stored text mentions, in order, each once."""
    ids: list[int] = []

    def collect(part: str) -> str:
        ids.extend(int(m.group(2)) for m in _STORED_ONLY.finditer(part))
        return part

    _outside_code(text or "", collect)
    return list(dict.fromkeys(ids))


def _pick(handle: str, rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The one person a handle names: by e-mail local part, else by a word of the name."""
    wanted = handle.casefold()
    by_email = [r for r in rows if handle_of(r["email"]).casefold() == wanted]
    if by_email:
        return by_email[0] if len(by_email) == 1 else None
    by_name = [r for r in rows if wanted in {word.casefold() for word in r["name"].split()}]
    return by_name[0] if len(by_name) == 1 else None


async def resolve(text: str, writer_id: int) -> tuple[str, list[int]]:
    """The text with its mentions in stored form, and the ids of the people mentioned.

    One query, whatever the number of mentions.
    """
    ids, handles = _tokens(text)
    if not ids and not handles:
        return text, []
    conditions: list[Any] = []
    if ids:
        conditions.append(Person.id.is_in(sorted(set(ids))))
    for handle in handles:
        clean = _clean_query(handle)
        if clean:
            conditions.append(_like_any(Person.email, [f"{clean}@%"]))
            conditions.append(_like_any(Person.name, [f"{clean}%", f"% {clean}%"]))
    condition = conditions[0]
    for extra in conditions[1:]:
        condition = condition | extra
    rows = await visible_people_query(writer_id, Person.id, Person.name, Person.email).where(condition).limit(
        500
    ).run()
    by_id = {int(r["id"]): r for r in rows}
    mentioned: list[int] = []

    def stored(person: dict[str, Any]) -> str:
        mentioned.append(int(person["id"]))
        return f"[@{escape_name(person['name'])}](mention:{int(person['id'])})"

    def rewrite(part: str) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(2):
                person = by_id.get(int(match.group(2)))
                if person is None:
                    # Someone the writer may not see (or nobody): the name, as text.
                    return "\\@" + match.group(1)
                return stored(person)
            person = _pick(match.group(3), rows) if match.group(3) in handles else None
            return stored(person) if person is not None else match.group(0)

        return _TOKEN.sub(one, part)

    return _outside_code(text, rewrite), list(dict.fromkeys(mentioned))


def render_text(text: str, images: Mapping[str, OwnImage] | None = None) -> Markup:
    """Stored markdown to safe HTML, mentions as links to ``/people/<id>`` (through the sanitiser).

    ``images``: the images the text may show (a post's own, see
    :func:`intranet_core.markup.render`); none without it.
    """

    def links(part: str) -> str:
        return _STORED_ONLY.sub(lambda m: f"[@{m.group(1)}](/people/{int(m.group(2))})", part)

    return render(_outside_code(text or "", links), images=images)


def without_person(text: str, person_id: int, replacement: str) -> str:
    """The text with every stored mention of ``person_id`` turned into plain ``@replacement``."""

    def plain(part: str) -> str:
        return _STORED_ONLY.sub(
            lambda m: "\\@" + escape_name(replacement) if int(m.group(2)) == person_id else m.group(0), part
        )

    return _outside_code(text or "", plain)
