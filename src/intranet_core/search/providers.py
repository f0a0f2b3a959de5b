"""Search providers: the core's (posts and people), and running them all for one search.

Providers come from the ``register_search_providers`` hook, on every search.
A provider named like an earlier one replaces it, so a plugin (a phonebook)
can take over ``people``. Each provider answers for what the searcher may
see; what it returns is checked once more here (kind of object, safe URL,
length) before anyone sees it.
"""

from __future__ import annotations

import datetime
import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import msgspec

from intranet_core.contributions import SearchHit, SearchProvider
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_core.plugins import gather
from intranet_core.search.service import (
    KIND_PERSON,
    KIND_POST,
    MAX_KEYS,
    MAX_QUERY_LENGTH,
    index_document,
    remove_document,
    search_documents,
    snippet,
    terms,
)

logger = logging.getLogger(__name__)

OVERVIEW_LIMIT = 5
KIND_LIMIT = 20
MAX_HIT_TITLE = 300
MAX_HIT_SNIPPET = 400
# A path on this site (not "//host", not "/\host"), or a link of a harmless scheme.
_SAFE_URL = re.compile(r"^(?:/(?![/\\])|https?://|mailto:|tel:)", re.IGNORECASE)
# Fields of a person that their search document is made of.
PERSON_FIELDS = frozenset({"name", "title", "email", "phone", "mobile"})


# --- people ------------------------------------------------------------------------------


def _digits(phone: str) -> list[str]:
    """A number as people type it: all digits, and without a ``+45``-style prefix."""
    compact = re.sub(r"\D", "", phone)
    forms = [compact] if compact else []
    prefix, _sep, rest = phone.strip().partition(" ")
    local = re.sub(r"\D", "", rest)
    if prefix.startswith("+") and local and local != compact:
        forms.append(local)
    return forms


def person_body(*, title: str, email: str, phone: str, mobile: str) -> str:
    """What a person is found by besides their name: job title, e-mail name, numbers.

    Only the part of the e-mail address before ``@``: everyone shares the domain.
    """
    parts = [title, email.split("@", 1)[0], phone, mobile, *_digits(phone), *_digits(mobile)]
    return "\n".join(part for part in parts if part)


def person_url(email: str) -> str:
    return "mailto:" + quote(email, safe="@.+-_")


async def index_person(person: PersonInfo) -> None:
    """Index an active person (or take an inactive one out): every signed-in person may find staff."""
    if not person.active:
        await remove_document(kind=KIND_PERSON, ref_id=person.id)
        return
    await index_document(
        kind=KIND_PERSON, ref_id=person.id, title=person.name,
        body=person_body(title=person.title, email=person.email, phone=person.phone, mobile=person.mobile),
        audience=["all"], url=person_url(person.email),
    )


async def search_people(intranet: Any, query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
    from intranet_core.people.tables import Person

    found = await search_documents(
        kind=KIND_PERSON, query=query, keys=["all"], limit=limit,
        # The person's own row has the last word: active people only.
        where="AND EXISTS (SELECT 1 FROM person AS pe WHERE pe.id = d.ref_id AND pe.active = {})",
        where_args=[True],
    )
    if not found:
        return []
    rows = await Person.select(Person.id, Person.name, Person.title, Person.email, Person.phone, Person.mobile).where(
        Person.id.is_in([f.ref_id for f in found])
    ).run()
    people = {row["id"]: row for row in rows}
    hits = []
    for document in found:
        row = people.get(document.ref_id)
        if row is None:
            continue
        details = " · ".join(part for part in (row["title"], row["email"], row["phone"] or row["mobile"]) if part)
        hits.append(SearchHit(title=row["name"], url=person_url(row["email"]), snippet=details))
    return hits


# --- posts -------------------------------------------------------------------------------


async def search_posts(intranet: Any, query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
    from intranet_core.feed.service import audience_keys

    keys = (await audience_keys(intranet, user))[:MAX_KEYS]
    if not keys:
        return []
    now = datetime.datetime.now(datetime.UTC)
    # The post's own rows have the last word: published, not deleted or
    # expired, and addressed to the searcher now (whatever the index says).
    where = (
        "AND EXISTS (SELECT 1 FROM post AS p WHERE p.id = d.ref_id AND p.deleted_at IS NULL "  # noqa: S608
        "AND p.published_at <= {} AND (p.expires_at IS NULL OR p.expires_at > {}) "
        "AND EXISTS (SELECT 1 FROM post_audience AS pa WHERE pa.post = p.id AND pa.key IN ("
        + ", ".join("{}" for _key in keys)
        + ")))"
    )
    found = await search_documents(
        kind=KIND_POST, query=query, keys=keys, limit=limit, where=where, where_args=[now, now, *keys]
    )
    query_terms = terms(query)
    return [
        SearchHit(title=f.title or snippet(f.body, [], 80) or _("Post"), url=f.url,
                  snippet=snippet(f.body, query_terms))
        for f in found
    ]


def core_providers(intranet: Any) -> list[SearchProvider]:
    async def posts(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        return await search_posts(intranet, query, user, limit)

    async def people(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
        return await search_people(intranet, query, user, limit)

    return [
        SearchProvider(name="posts", label=_("News"), search=posts, order=10),
        SearchProvider(name="people", label=_("People"), search=people, order=20),
    ]


async def index_existing() -> None:
    """Index every active person and every post not deleted (run once, by the migration)."""
    from intranet_core.feed.tables import Post, PostAudience
    from intranet_core.markup import plain_text
    from intranet_core.people.models import PERSON_INFO_COLUMNS
    from intranet_core.people.tables import Person

    people = await Person.select(*[getattr(Person, name) for name in PERSON_INFO_COLUMNS]).where(
        Person.active == True  # noqa: E712 - SQL
    ).run()
    for row in people:
        await index_person(PersonInfo.from_row(row))
    posts = await Post.select(Post.id, Post.title, Post.body).where(Post.deleted_at.is_null()).run()
    audiences: dict[int, list[str]] = {}
    for row in await PostAudience.select(PostAudience.post, PostAudience.key).run():
        audiences.setdefault(int(row["post"]), []).append(row["key"])
    for row in posts:
        keys = [key for key in audiences.get(int(row["id"]), []) if key and not any(c.isspace() for c in key)]
        await index_document(kind=KIND_POST, ref_id=int(row["id"]), title=row["title"] or plain_text(row["body"], 80),
                             body=plain_text(row["body"]), audience=keys, url=f"/posts/{row['id']}")


# --- one search, every provider ------------------------------------------------------------


@dataclass(frozen=True)
class Group:
    """One provider's hits: ``more`` when it had more than were asked for."""

    name: str
    label: str
    hits: list[SearchHit]
    more: bool


async def providers(intranet: Any) -> list[SearchProvider]:
    """Every provider, by ``order``; a later plugin's provider replaces an earlier one of the same name."""
    # pluggy answers last-registered first: reversed, the core comes first.
    results = list(reversed(intranet.hook.register_search_providers(app=intranet)))
    by_name: dict[str, SearchProvider] = {}
    for provider in await gather(results):
        if not isinstance(provider, SearchProvider):
            logger.error("register_search_providers returned %r, not a SearchProvider: ignored", provider)
            continue
        by_name[provider.name] = provider
    return sorted(by_name.values(), key=lambda p: (p.order, p.label))


def _checked(hit: Any, provider: str) -> SearchHit | None:
    if not isinstance(hit, SearchHit) or not isinstance(hit.url, str) or not _SAFE_URL.match(hit.url):
        logger.warning("search provider %r returned a hit that is not a SearchHit with a safe URL: dropped", provider)
        return None
    if len(hit.title) > MAX_HIT_TITLE or len(hit.snippet) > MAX_HIT_SNIPPET:
        hit = msgspec.structs.replace(hit, title=hit.title[:MAX_HIT_TITLE], snippet=hit.snippet[:MAX_HIT_SNIPPET])
    return hit


def clean_query(query: str | None) -> str:
    """What was typed, on one line, at most ``MAX_QUERY_LENGTH`` characters."""
    return " ".join((query or "").split())[:MAX_QUERY_LENGTH].strip()


async def run_search(
    available: list[SearchProvider], user: PersonInfo, query: str, *, kind: str | None = None
) -> list[Group]:
    """Ask every provider (or the one named ``kind``); returns the groups that have hits.

    Without ``kind`` each provider gives its best few (``OVERVIEW_LIMIT``);
    with it, up to ``KIND_LIMIT``. A provider that fails is logged and left out.
    """
    query = clean_query(query)
    if not query:
        return []
    limit = KIND_LIMIT if kind else OVERVIEW_LIMIT
    groups = []
    for provider in available:
        if kind is not None and provider.name != kind:
            continue
        try:
            answer = await provider.search(query, user, limit + 1)
        except Exception:
            logger.exception("search provider %r failed", provider.name)
            continue
        hits = [hit for hit in (_checked(h, provider.name) for h in answer or []) if hit is not None]
        if hits:
            groups.append(Group(provider.name, provider.label, hits[:limit], len(hits) > limit))
    return groups
