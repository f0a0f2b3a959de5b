"""Search: the index follows the content's transactions, and finds only what the searcher may see.

Runs on SQLite (FTS5) and, with ``$INTRANET_TEST_DATABASE_URL``, on
PostgreSQL (tsvector): the same tests, the same answers.
"""

from __future__ import annotations

import datetime
import importlib
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar

from intranet_core import hookimpl
from intranet_core.account.tokens import create_api_token
from intranet_core.auth.passwords import hash_password
from intranet_core.contributions import SearchHit, SearchProvider
from intranet_core.feed.service import create_post
from intranet_core.feed.tables import Post
from intranet_core.markup import plain_text
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import (
    add_membership,
    create_person,
    create_unit,
    remove_membership,
    set_active,
    update_person,
)
from intranet_core.search.providers import index_existing, person_body
from intranet_core.search.service import (
    KIND_PERSON,
    KIND_POST,
    fts5_query,
    highlight,
    index_document,
    remove_document,
    search_documents,
    snippet,
    terms,
    tsquery,
)
from intranet_core.search.tables import SearchDocument
from intranet_core.testing import TEST_PASSWORD, build_app, client_for, http_client, make_settings, sign_in

EN = {"accept": "text/html", "accept-language": "en"}
DA = {"accept": "text/html", "accept-language": "da"}

INJECTIONS = [
    '"', '""', "OR", "AND", "NOT", "*", "NEAR(", "NEAR(a b, 2)", "'; DROP TABLE search_document; --",
    "a OR b", "title:sommer", "^sommer", "sommer -fest", "(", ")", "{x}", "'':*", "!&|<->", "\\", "%_",
    "sommer\x00fest", "🙂", "Ærø*", "x" * 1000, "a " * 300, "'", "''", "it's", "-", "+", ":", "a:*",
]


# --- helpers -------------------------------------------------------------------------------


def intranet_of(app: Litestar) -> Any:
    return app.state.intranet


async def add_person(app: Litestar, email: str, name: str, **fields: Any) -> PersonInfo:
    return await create_person(
        intranet_of(app), actor_id=None, fields={"email": email, "name": name, **fields},
        password_hash=hash_password(TEST_PASSWORD),
    )


async def publish(
    app: Litestar, author: PersonInfo, title: str, body: str = "", audience: tuple[str, ...] = ("all",), **kw: Any
) -> int:
    """A post and its search document, in one transaction (as the feed does it)."""
    intranet = intranet_of(app)
    async with intranet.db.transaction():
        post_id = await create_post(intranet, author_id=author.id, title=title, body=body, audience=list(audience),
                                    **kw)
        await index_document(kind=KIND_POST, ref_id=post_id, title=title, body=plain_text(body),
                             audience=list(audience), url=f"/posts/{post_id}")
    return post_id


async def post_titles(query: str, keys: list[str]) -> list[str]:
    return [f.title for f in await search_documents(kind=KIND_POST, query=query, keys=keys)]


@pytest.fixture
async def other_client(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A second browser on the same (started) app."""
    async with http_client(intranet_app) as client:
        yield client


def hit_titles(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", t).strip() for t in re.findall(r'<li class="search-hit">\s*<a [^>]*>(.*?)</a>',
                                                                    html, re.S)]


# --- the query words ------------------------------------------------------------------------


def test_terms_keep_letters_and_digits_only() -> None:
    assert terms('Ærø "sommer" OR fest* NEAR(x) 2026') == ["ærø", "sommer", "or", "fest", "near", "x", "2026"]
    assert terms("'; DROP TABLE x; --") == ["drop", "table", "x"]
    assert terms("it's") == ["it", "s"]
    assert terms('"*()^:') == []
    assert terms("A a a") == ["a"]
    assert len(terms("a b c d e f g h i j k")) == 8
    assert terms("x" * 100) == ["x" * 64]
    # Decomposed å (a + ring) is the same word as å.
    assert terms("A\u030arhus") == ["århus"]


def test_engine_queries_quote_every_term() -> None:
    assert fts5_query(["ærø", "or"]) == '"ærø"* "or"*'
    assert tsquery(["ærø", "or"]) == "'ærø':* & 'or':*"


def test_snippet_and_highlight_are_plain_text_in_parts() -> None:
    text = "Indledning. " + "fyld " * 60 + "Sommerfesten holdes på Ærø i juni. " + "mere " * 60
    cut = snippet(text, ["ærø"])
    assert "Ærø" in cut and cut.startswith("…") and cut.endswith("…") and len(cut) < 200
    assert snippet("short", ["x"]) == "short"
    parts = highlight("<b>Ærø</b> og ærøboerne", ["ærø"])
    assert parts == [("<b>", False), ("Ærø", True), ("</b> og ", False), ("ærøboerne", True)]
    assert highlight("", ["x"]) == []
    assert highlight("abc", []) == [("abc", False)]


def test_person_body_finds_numbers_as_typed() -> None:
    body = person_body(title="Jurist", email="anna.holm@union.dk", phone="+45 33 12 34 56", mobile="")
    assert "anna.holm" in body and "union" not in body
    assert "4533123456" in body and "33123456" in body


# --- the index follows the transaction ---------------------------------------------------------


async def test_a_rolled_back_transaction_leaves_no_document(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    intranet = intranet_of(intranet_app)
    author = await add_person(intranet_app, "author@example.org", "Anne Author")

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        async with intranet.db.transaction():
            post_id = await create_post(intranet, author_id=author.id, title="Budget 2027", body="", audience=["all"])
            await index_document(kind=KIND_POST, ref_id=post_id, title="Budget 2027", body="Tal og tabeller",
                                 audience=["all"], url=f"/posts/{post_id}")
            # Inside the transaction the document is there...
            assert await SearchDocument.count().where(SearchDocument.kind == KIND_POST).run() == 1
            raise Undo
    # ... and gone with it.
    assert await SearchDocument.count().where(SearchDocument.kind == KIND_POST).run() == 0
    assert await search_documents(kind=KIND_POST, query="budget", keys=["all"]) == []
    assert await Post.count().run() == 0

    await publish(intranet_app, author, "Budget 2027", "Tal og tabeller")
    assert await post_titles("budget", ["all"]) == ["Budget 2027"]


async def test_replacing_and_removing_a_document(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    await index_document(kind="test.page", ref_id=1, title="Ferieplan", body="Juli og august", audience=["all"],
                         url="/pages/1")
    await index_document(kind="test.page", ref_id=1, title="Vagtplan", body="December", audience=["all"],
                         url="/pages/1")
    assert await SearchDocument.count().where(SearchDocument.kind == "test.page").run() == 1
    assert [f.title for f in await search_documents(kind="test.page", query="vagt", keys=["all"])] == ["Vagtplan"]
    assert await search_documents(kind="test.page", query="ferie", keys=["all"]) == []
    assert await search_documents(kind="test.page", query="juli", keys=["all"]) == []
    await remove_document(kind="test.page", ref_id=1)
    assert await search_documents(kind="test.page", query="vagt", keys=["all"]) == []
    with pytest.raises(ValueError, match="audience key"):
        await index_document(kind="test.page", ref_id=2, title="x", body="", audience=["unit:1 all"], url="/x")


async def test_postgres_finds_other_kinds_in_their_own_word_index(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    if SearchDocument._meta.db.engine_type == "sqlite":
        pytest.skip("PostgreSQL's word indexes (SQLite has one FTS5 index)")

    # A kind with many documents, one of them with the word: its own word index beats reading the kind.
    now = datetime.datetime.now(datetime.UTC)
    await SearchDocument.insert(*[
        SearchDocument(kind="test.page", ref_id=n, title="Side", body="", url=f"/pages/{n}", audience="all",
                       updated_at=now) for n in range(2, 2000)
    ]).run()
    await index_document(kind="test.page", ref_id=1, title="Vagtplan", body="", audience=["all"], url="/pages/1")
    await SearchDocument.raw("ANALYZE search_document").run()

    async def plan(kind: str) -> str:
        async with SearchDocument._meta.db.transaction():
            await SearchDocument.raw("SET LOCAL enable_seqscan = off").run()  # a test site is tiny
            rows = await SearchDocument.raw(
                "EXPLAIN SELECT id FROM search_document WHERE tsv @@ to_tsquery('simple', 'vagt:*') AND kind = {}",
                kind).run()
        return " ".join(str(row["QUERY PLAN"]) for row in rows)

    # Every kind but posts (people, the plugins' kinds): the partial index, without the posts' entries.
    assert "search_document_tsv_other" in await plan("test.page")
    assert "search_document_tsv_other" not in await plan(KIND_POST)
    assert [f.title for f in await search_documents(kind="test.page", query="vagt", keys=["all"])] == ["Vagtplan"]


async def _fts_matches(table: str, word: str) -> int:
    # Only our own table names and a plain word: formatted into the statement.
    rows = await SearchDocument.raw(f"SELECT count(*) AS n FROM {table} WHERE {table} MATCH '{word}'").run()
    return int(rows[0]["n"])


async def test_sqlite_keeps_the_words_of_posts_apart(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    if SearchDocument._meta.db.engine_type != "sqlite":
        pytest.skip("SQLite's FTS5 tables")
    await index_document(kind="test.page", ref_id=1, title="Vagtplan", body="", audience=["all"], url="/pages/1")
    await index_document(kind=KIND_POST, ref_id=1, title="Vagtplan", body="", audience=["all"], url="/posts/1")
    assert await _fts_matches("search_document_fts", "vagtplan") == 1
    assert await _fts_matches("search_document_fts_other", "vagtplan") == 1
    # Replaced and removed, each in its own index.
    await index_document(kind="test.page", ref_id=1, title="Ferieplan", body="", audience=["all"], url="/pages/1")
    assert await _fts_matches("search_document_fts_other", "vagtplan") == 0
    assert await _fts_matches("search_document_fts_other", "ferieplan") == 1
    assert await _fts_matches("search_document_fts", "vagtplan") == 1
    await remove_document(kind=KIND_POST, ref_id=1)
    assert await _fts_matches("search_document_fts", "vagtplan") == 0
    assert [f.title for f in await search_documents(kind="test.page", query="ferie", keys=["all"])] == ["Ferieplan"]


async def test_the_sqlite_split_moves_the_words_already_there(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    if SearchDocument._meta.db.engine_type != "sqlite":
        pytest.skip("SQLite's FTS5 tables")
    before = importlib.import_module("intranet_core.search.migrations.core_search_2026_11_27t08_30_00_000000")
    split = importlib.import_module("intranet_core.search.migrations.core_search_2026_12_04t09_10_00_000000")
    # A site as it was before the split: one FTS5 table with every document's words.
    for statement in ("DROP TRIGGER search_document_fts_insert", "DROP TRIGGER search_document_fts_delete",
                      "DROP TRIGGER search_document_fts_update", "DROP TABLE search_document_fts_other",
                      "DROP TABLE search_document_fts", *before.SQLITE_STATEMENTS):
        await SearchDocument.raw(statement).run()
    await index_document(kind="test.page", ref_id=1, title="Vagtplan", body="", audience=["all"], url="/pages/1")
    await index_document(kind=KIND_POST, ref_id=1, title="Vagtplan", body="", audience=["all"], url="/posts/1")
    assert await _fts_matches("search_document_fts", "vagtplan") == 2
    for statement in split.SQLITE_STATEMENTS:
        await SearchDocument.raw(statement).run()
    assert await _fts_matches("search_document_fts", "vagtplan") == 1
    assert await _fts_matches("search_document_fts_other", "vagtplan") == 1
    assert [f.url for f in await search_documents(kind="test.page", query="vagt", keys=["all"])] == ["/pages/1"]
    assert [f.url for f in await search_documents(kind=KIND_POST, query="vagt", keys=["all"])] == ["/posts/1"]
    await remove_document(kind="test.page", ref_id=1)
    assert await _fts_matches("search_document_fts_other", "vagtplan") == 0


# --- finding words -----------------------------------------------------------------------------


async def test_words_prefixes_and_danish_letters(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    author = await add_person(intranet_app, "author@example.org", "Anne Author")
    await publish(intranet_app, author, "Sommerfest på Ærø",
                  "Vi mødes ved **havnen** i Ærøskøbing kl. 18. Husk madpakke og godt humør!")
    await publish(intranet_app, author, "Vinterfrokost", "I år holdes frokosten i Århus. Tilmelding på intranettet.")
    expected = {
        "sommerfest": ["Sommerfest på Ærø"],
        "SOMMERF": ["Sommerfest på Ærø"],
        "ærø": ["Sommerfest på Ærø"],
        "ÆRØSKØ": ["Sommerfest på Ærø"],
        "havn": ["Sommerfest på Ærø"],
        "humør": ["Sommerfest på Ærø"],
        "Århus": ["Vinterfrokost"],
        "århu": ["Vinterfrokost"],
        "sommerfest ærøskøbing": ["Sommerfest på Ærø"],
        "sommerfest århus": [],  # every word must match
        "arhus": [],  # å is not a
        "ommer": [],  # the start of a word, not the middle
        "frokost": ["Vinterfrokost"],
        "tilmeld": ["Vinterfrokost"],
        "18": ["Sommerfest på Ærø"],
    }
    for query, titles in expected.items():
        assert await post_titles(query, ["all"]) == titles, query


async def test_title_words_rank_above_body_words(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    author = await add_person(intranet_app, "author@example.org", "Anne Author")
    await publish(intranet_app, author, "Nyt fra ledelsen", "Om overenskomsten og lønnen i det nye år.")
    await publish(intranet_app, author, "Overenskomst 2027", "Hvad aftalen betyder.")
    assert await post_titles("overenskomst", ["all"]) == ["Overenskomst 2027", "Nyt fra ledelsen"]


async def test_queries_that_look_like_syntax_never_fail(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    author = await sign_in(intranet_client, intranet_app)
    await publish(intranet_app, author, "Sommerfest", "Og fest")
    token = await create_api_token(intranet_of(intranet_app), author.id, name="test", read_only=True)
    for query in INJECTIONS:
        await search_documents(kind=KIND_POST, query=query, keys=["all", "unit:1"])
        page = await intranet_client.get("/search", params={"q": query}, headers=EN)
        assert page.status_code == 200, query
        api = await intranet_client.get("/api/v1/search", params={"q": query},
                                        headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 200, query
    # The table is still there, and still answers.
    assert await post_titles("sommer", ["all"]) == ["Sommerfest"]
    assert await post_titles('"sommer" OR', ["all"]) == []  # "or" is a word here, and no post has it


# --- who finds what ----------------------------------------------------------------------------


async def test_a_post_to_a_unit_is_found_by_its_members_only(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    intranet = intranet_of(intranet_app)
    district = await create_unit(intranet, name="Kreds Nord", kind="district", parent_id=None, actor_id=None)
    team = await create_unit(intranet, name="Team Aalborg", kind="team", parent_id=district, actor_id=None)
    elsewhere = await create_unit(intranet, name="Kreds Syd", kind="district", parent_id=None, actor_id=None)
    member = await add_person(intranet_app, "member@example.org", "Mette Medlem")
    outsider = await add_person(intranet_app, "outsider@example.org", "Ole Udenfor")
    membership = await add_membership(intranet, member.id, team, actor_id=None)
    await add_membership(intranet, outsider.id, elsewhere, actor_id=None)
    await publish(intranet_app, member, "Kredsmøde i Nord", "Kun for kredsen.", audience=(f"unit:{district}",))
    await publish(intranet_app, member, "Julefrokost for alle", "Kredsmøde bagefter.", audience=("all",))

    await sign_in(intranet_client, intranet_app, "member@example.org")
    await sign_in(other_client, intranet_app, "outsider@example.org")
    mine = (await intranet_client.get("/search", params={"q": "kredsmøde"}, headers=EN)).text
    assert hit_titles(mine) == ["Kredsmøde i Nord", "Julefrokost for alle"]
    theirs = (await other_client.get("/search", params={"q": "kredsmøde"}, headers=EN)).text
    assert hit_titles(theirs) == ["Julefrokost for alle"]
    assert "Kredsmøde i Nord" not in theirs and "Kun for kredsen" not in theirs

    for person, expected in ((member, 1), (outsider, 0)):
        token = await create_api_token(intranet, person.id, name="t", read_only=True)
        data = (await intranet_client.get("/api/v1/search", params={"q": "kun kreds", "kind": "posts"},
                                          headers={"authorization": f"Bearer {token}"})).json()
        assert sum(len(g["hits"]) for g in data["groups"]) == expected

    # A former member finds it no more, at once.
    await remove_membership(intranet, member.id, membership, actor_id=None)
    mine = (await intranet_client.get("/search", params={"q": "kredsmøde"}, headers=EN)).text
    assert hit_titles(mine) == ["Julefrokost for alle"]


async def test_the_posts_own_rows_have_the_last_word(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    """Deleted, scheduled, expired, or addressed elsewhere: not found, whatever the index says."""
    intranet = intranet_of(intranet_app)
    unit = await create_unit(intranet, name="HR", kind="department", parent_id=None, actor_id=None)
    searcher = await sign_in(intranet_client, intranet_app)
    now = datetime.datetime.now(datetime.UTC)
    live = await publish(intranet_app, searcher, "Kantine live")
    deleted = await publish(intranet_app, searcher, "Kantine slettet")
    await publish(intranet_app, searcher, "Kantine planlagt", published_at=now + datetime.timedelta(days=1))
    await publish(intranet_app, searcher, "Kantine udløbet", published_at=now - datetime.timedelta(days=2),
                  expires_at=now - datetime.timedelta(days=1))
    await Post.update({Post.deleted_at: now}).where(Post.id == deleted).run()
    # Indexed for everyone, but the post is for HR only.
    async with intranet.db.transaction():
        hr_only = await create_post(intranet, author_id=searcher.id, title="Kantine HR", body="",
                                    audience=[f"unit:{unit}"])
        await index_document(kind=KIND_POST, ref_id=hr_only, title="Kantine HR", body="", audience=["all"],
                             url=f"/posts/{hr_only}")
    html = (await intranet_client.get("/search", params={"q": "kantine"}, headers=EN)).text
    assert hit_titles(html) == ["Kantine live"]
    assert f'href="/posts/{live}"' in html


async def test_people_are_found_by_name_title_and_number(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    await sign_in(intranet_client, intranet_app, name="Test Person")
    await add_person(intranet_app, "soeren@example.org", "Søren Kjærgård", title="Tillidsrepræsentant",
                     phone="+45 33 12 34 56")
    await add_person(intranet_app, "aase@example.org", "Åse Ærbø", title="Jurist")

    async def people(query: str) -> list[str]:
        html = (await intranet_client.get("/search", params={"q": query, "kind": "people"}, headers=EN)).text
        return hit_titles(html)

    assert await people("søren") == ["Søren Kjærgård"]
    assert await people("kjærg") == ["Søren Kjærgård"]
    assert await people("SØREN KJÆRGÅRD") == ["Søren Kjærgård"]
    assert await people("tillids") == ["Søren Kjærgård"]
    assert await people("33123456") == ["Søren Kjærgård"]
    assert await people("soeren") == ["Søren Kjærgård"]  # the e-mail name
    assert await people("ærbø") == ["Åse Ærbø"]
    assert await people("åse jurist") == ["Åse Ærbø"]
    assert await people("example") == []  # the e-mail domain is everyone's
    html = (await intranet_client.get("/search", params={"q": "åse"}, headers=EN)).text
    assert 'href="mailto:aase@example.org"' in html and "Jurist · aase@example.org" in html


async def test_changed_and_deactivated_people(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    intranet = intranet_of(intranet_app)
    await sign_in(intranet_client, intranet_app)
    person = await add_person(intranet_app, "leaver@example.org", "Lise Larsen")

    async def found(query: str) -> list[str]:
        return [f.title for f in await search_documents(kind=KIND_PERSON, query=query, keys=["all"])]

    assert await found("lise") == ["Lise Larsen"]
    await update_person(intranet, person.id, actor_id=None, fields={"name": "Lise Berg"})
    assert await found("berg") == ["Lise Berg"]
    assert await found("larsen") == []

    await set_active(intranet, person.id, False, actor_id=None)
    assert await found("lise") == []
    assert await SearchDocument.count().where(
        (SearchDocument.kind == KIND_PERSON) & (SearchDocument.ref_id == person.id)
    ).run() == 0
    html = (await intranet_client.get("/search", params={"q": "lise"}, headers=EN)).text
    assert "Lise" not in html.split("<main", 1)[1]

    # Back again: found again.
    await set_active(intranet, person.id, True, actor_id=None)
    assert await found("lise") == ["Lise Berg"]
    await set_active(intranet, person.id, False, actor_id=None)

    # Even a document left behind by mistake does not show an inactive person.
    await index_document(kind=KIND_PERSON, ref_id=person.id, title="Lise Berg", body="", audience=["all"],
                         url="mailto:leaver@example.org")
    html = (await intranet_client.get("/search", params={"q": "lise"}, headers=EN)).text
    assert "Lise" not in html.split("<main", 1)[1]


async def test_existing_people_and_posts_are_indexed_by_the_migration(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    author = await add_person(intranet_app, "author@example.org", "Anne Author")
    await publish(intranet_app, author, "Generalforsamling", "Dagsorden følger.")
    await SearchDocument.delete(force=True).run()
    assert await post_titles("general", ["all"]) == []
    await index_existing()
    assert await post_titles("general", ["all"]) == ["Generalforsamling"]
    assert [f.title for f in await search_documents(kind=KIND_PERSON, query="anne", keys=["all"])] == ["Anne Author"]


# --- the page and the API ----------------------------------------------------------------------


async def test_the_page_needs_a_signed_in_person(intranet_client: httpx.AsyncClient) -> None:
    response = await intranet_client.get("/search", params={"q": "x"}, headers=EN)
    assert response.status_code in (302, 303, 401)
    assert "search-hit" not in response.text


async def test_the_page_groups_hits_and_offers_more(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    author = await sign_in(intranet_client, intranet_app, name="Budget Bent")
    for n in range(7):
        await publish(intranet_app, author, f"Budgetnyt {n}", "Tallene for året.")
    response = await intranet_client.get("/search", params={"q": "budget"}, headers=EN)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    html = response.text
    assert re.search(r"<h2 [^>]*>News</h2>", html) and re.search(r"<h2 [^>]*>People</h2>", html)
    assert html.index(">News</h2>") < html.index(">People</h2>")
    titles = hit_titles(html)
    assert len([t for t in titles if t.startswith("Budgetnyt")]) == 5 and "Budget Bent" in titles
    assert 'href="/search?q=budget&amp;kind=posts"' in html
    assert "<mark>Budget</mark>nyt" not in html and "<mark>Budgetnyt</mark>" in html

    only_posts = (await intranet_client.get("/search", params={"q": "budget", "kind": "posts"}, headers=EN)).text
    assert len(hit_titles(only_posts)) == 7
    assert 'aria-current="page">News</a>' in only_posts

    # An unknown kind shows everything; an empty query shows the hint.
    assert len(hit_titles((await intranet_client.get("/search?q=budget&kind=nope", headers=EN)).text)) == 6
    empty = (await intranet_client.get("/search?q=+", headers=EN)).text
    assert "Type a word" in empty and "search-hit" not in empty
    nothing = (await intranet_client.get("/search?q=zzzz", headers=EN)).text
    assert "Nothing found for “zzzz”." in nothing


async def test_the_page_in_danish(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    author = await sign_in(intranet_client, intranet_app, name="Hanne Hansen")
    await publish(intranet_app, author, "Hanne fylder år")
    html = (await intranet_client.get("/search", params={"q": "hanne"}, headers=DA)).text
    assert "<h1>Søg</h1>" in html
    assert re.search(r"<h2 [^>]*>Nyheder</h2>", html) and re.search(r"<h2 [^>]*>Personer</h2>", html)
    assert ">Alt</a>" in html
    assert "Intet fundet for" in (await intranet_client.get("/search?q=qqq", headers=DA)).text


async def test_titles_names_and_snippets_are_inert(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    author = await sign_in(intranet_client, intranet_app)
    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    await publish(intranet_app, author, f"{payload} Zulu", f"Zulu {payload} \"'><svg onload=alert(2)>")
    await add_person(intranet_app, "zulu@example.org", f"Zulu {payload}", title=payload)
    html = (await intranet_client.get("/search", params={"q": "zulu"}, headers=EN)).text
    main = html.split("<main", 1)[1]
    assert "<script>alert" not in main and "<img src=x" not in main and "<svg onload" not in main
    assert "&lt;script&gt;" in main and "&lt;img src=x onerror=alert(1)&gt;" in main
    assert len(hit_titles(html)) == 2
    # The query is shown escaped too.
    html = (await intranet_client.get("/search", params={"q": payload}, headers=EN)).text
    assert "<script>alert" not in html.split("<main", 1)[1]


async def test_the_api_takes_a_token_only(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    person = await sign_in(intranet_client, intranet_app, name="Api Anker")
    await publish(intranet_app, person, "Ankerpladsen <b>lukker</b>", "Fra mandag.")
    # A session cookie counts for nothing on /api/.
    assert (await intranet_client.get("/api/v1/search", params={"q": "anker"})).status_code == 401
    async with http_client(intranet_app) as anonymous:
        response = await anonymous.get("/api/v1/search", params={"q": "anker"})
        assert response.status_code == 401
        assert (await anonymous.get("/api/v1/search", params={"q": "anker"},
                                    headers={"authorization": "Bearer itk_nope"})).status_code == 401
    token = await create_api_token(intranet_of(intranet_app), person.id, name="script", read_only=True)
    auth = {"authorization": f"Bearer {token}", "accept-language": "en"}
    response = await intranet_client.get("/api/v1/search", params={"q": "anker"}, headers=auth)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["content-type"].startswith("application/json")
    data = response.json()
    assert data["query"] == "anker"
    assert [(g["kind"], g["label"], g["more"]) for g in data["groups"]] == [
        ("posts", "News", False), ("people", "People", False)
    ]
    post_hit = data["groups"][0]["hits"][0]
    assert post_hit["title"] == "Ankerpladsen <b>lukker</b>"  # plain text, as typed
    assert post_hit["url"].startswith("/posts/") and post_hit["snippet"] == "Fra mandag."
    assert data["groups"][1]["hits"] == [{"title": "Api Anker", "url": "mailto:tester@example.org", "snippet":
                                          "tester@example.org"}]

    only = (await intranet_client.get("/api/v1/search", params={"q": "anker", "kind": "people"},
                                      headers=auth)).json()
    assert [g["kind"] for g in only["groups"]] == ["people"]
    bad = await intranet_client.get("/api/v1/search", params={"q": "anker", "kind": "nope"}, headers=auth)
    assert bad.status_code == 400 and "posts" in bad.json()["detail"]
    assert (await intranet_client.get("/api/v1/search", headers=auth)).json() == {"query": "", "groups": []}
    schema = (await intranet_client.get("/schema/openapi.json")).json()
    assert "/api/v1/search" in schema["paths"]


# --- providers from plugins ----------------------------------------------------------------------


class ProviderPlugin:
    """Answers only queries with "zebra", so the other tests see the core alone."""

    @hookimpl
    def register_search_providers(self, app: Any) -> list[SearchProvider]:
        async def documents(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
            if "zebra" not in query:
                return []
            return [
                SearchHit(title="Zebra guide", url="/docs/zebra", snippet=f"for {user.name}"),
                SearchHit(title="Bad link", url="javascript:alert(1)"),
                SearchHit(title="Other site", url="//evil.example/x"),
                "not a hit",  # type: ignore[list-item]
            ][:limit]

        async def broken(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
            if "zebra" in query:
                raise RuntimeError("the remote system is down")
            return []

        async def people(query: str, user: PersonInfo, limit: int) -> list[SearchHit]:
            return [SearchHit(title="From the phonebook", url="/phonebook/1")] if "zebra" in query else []

        return [
            SearchProvider(name="docs", label="Documents", search=documents, order=5),
            SearchProvider(name="broken", label="Broken", search=broken),
            SearchProvider(name="people", label="Phonebook", search=people, order=20),
        ]


async def test_plugins_add_and_replace_providers(database_url: str) -> None:
    app = await build_app(make_settings(database_url), [("providers", ProviderPlugin())])
    async with client_for(app) as client:
        await sign_in(client, app, name="Zebra Zoe")
        response = await client.get("/search", params={"q": "zebra"}, headers=EN)
        assert response.status_code == 200
        html = response.text
        # Documents first (order 5); the failing provider is left out; the
        # phonebook's "people" replaced the core's (which would find Zebra Zoe).
        assert hit_titles(html) == ["Zebra guide", "From the phonebook"]
        assert "for <mark>Zebra</mark> Zoe" in html
        assert "javascript:" not in html and "evil.example" not in html and ">Broken</h2>" not in html
        assert re.search(r"<h2 [^>]*>Phonebook</h2>", html) and ">People</h2>" not in html
        assert 'href="/search?q=zebra&amp;kind=docs"' in html  # the tabs
