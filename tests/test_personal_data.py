"""Personal data: "download my data", erasing a leaver, and the check that erasure leaves nothing behind.

The completeness check finds every table of every registered plugin that
refers to the person table, puts a row in each for a person, erases the
person and then asks :func:`leftover_references`: a plugin table whose rows
survive the erasure fails the test, naming the table and the column.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import secrets
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from litestar import Litestar
from piccolo.columns import (
    JSON,
    JSONB,
    UUID,
    Array,
    Boolean,
    Bytea,
    Column,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    Interval,
    Numeric,
    OnDelete,
    Real,
    Serial,
    Text,
    Time,
    Timestamp,
    Timestamptz,
    Varchar,
)
from piccolo.conf.apps import AppConfig
from piccolo.table import Table

from intranet_core import hookimpl
from intranet_core.account.tokens import create_api_token
from intranet_core.audit.service import record
from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password
from intranet_core.auth.tables import ApiToken, SignInFailure, UserSession
from intranet_core.feed import conversation
from intranet_core.feed import service as feed
from intranet_core.feed.tables import Acknowledgement, Post, PostComment, PostReaction
from intranet_core.people import service as people
from intranet_core.people.tables import Person
from intranet_core.personal_data.references import person_references
from intranet_core.personal_data.service import (
    EXPORT_FORMAT,
    erase_person,
    erased_email,
    erased_name,
    export_person,
    leftover_references,
    plugins_without_hooks,
    purge_audit_log,
)
from intranet_core.search import service as search
from intranet_core.search.tables import SearchDocument
from intranet_core.testing import TEST_PASSWORD, build_app, client_for, make_settings, sign_in

HTML = {"accept": "text/html"}
NOW = datetime.datetime.now(datetime.UTC)

# Rows that may still refer to an erased person, each with the reason. None
# today: in "anonymise" mode authorship columns are set to NULL (the rows
# stay, checked below), and every other row goes.
KEPT_BY_DESIGN: dict[str, str] = {}


# --- helpers -------------------------------------------------------------------------------


async def new_person(app: Litestar, email: str, name: str = "Karen Holm", **fields: Any) -> int:
    person = await people.create_person(
        app.state.intranet, actor_id=None, fields={"email": email, "name": name, **fields},
        password_hash=hash_password(TEST_PASSWORD),
    )
    return person.id


def _value(column: Column) -> Any:
    """A valid value for a column of any common type (unique where it may have to be)."""
    if isinstance(column, Varchar):
        return secrets.token_hex(max(1, min(column.length, 64) // 2))
    if isinstance(column, Text):
        return f"text {secrets.token_hex(4)}"
    if isinstance(column, Boolean):
        return False
    if isinstance(column, Timestamptz):
        return NOW
    if isinstance(column, Timestamp):
        return NOW.replace(tzinfo=None)
    if isinstance(column, Date):
        return NOW.date()
    if isinstance(column, Time):
        return datetime.time(12, 0)
    if isinstance(column, Interval):
        return datetime.timedelta(hours=1)
    if isinstance(column, Integer):  # SmallInt and BigInt too
        return 1
    if isinstance(column, DoublePrecision | Real | Numeric):
        return 1
    if isinstance(column, UUID):
        return uuid.uuid4()
    if isinstance(column, JSON | JSONB):
        return "{}"
    if isinstance(column, Array):
        return []
    if isinstance(column, Bytea):
        return b"x"
    raise AssertionError(f"no test value for {type(column).__name__} {column._meta.name}: add a factory")


async def insert_row(table: type[Table], person_id: int) -> Any:
    """One row of ``table`` whose every reference to a person is ``person_id``; parents are made as needed."""
    values: dict[str, Any] = {}
    for column in table._meta.columns:
        if isinstance(column, Serial):
            continue
        if isinstance(column, ForeignKey):
            target = column._foreign_key_meta.resolved_references
            if target._meta.tablename == Person._meta.tablename:
                values[column._meta.name] = person_id
            elif column._meta.null:
                values[column._meta.name] = None
            else:
                values[column._meta.name] = await insert_row(target, person_id)
        elif column._meta.null:
            values[column._meta.name] = None
        else:
            values[column._meta.name] = _value(column)
    primary_key = table._meta.primary_key
    try:
        rows = await table.insert(table(**values)).returning(primary_key).run()
    except Exception as exc:
        raise AssertionError(f"could not put a row in {table._meta.tablename}: {exc}") from exc
    return rows[0][primary_key._meta.name]


async def fill_every_reference(app: Litestar, person_id: int) -> dict[str, list[Any]]:
    """A row in every table that refers to a person, for each such column: ``{"table.column": [pks]}``."""
    made: dict[str, list[Any]] = {}
    for ref in person_references(app.state.intranet):
        if ref.table is Person:
            continue
        made.setdefault(ref.label, []).append(await insert_row(ref.table, person_id))
    return made


async def use_the_site(app: Litestar, person_id: int, email: str, client: httpx.AsyncClient | None = None) -> None:
    """What a person leaves behind by using the site: a session, a token, a post, a comment, ...

    Pass ``client`` when the app is already started (it signs in there, in a fresh cookie jar).
    """
    intranet = app.state.intranet
    if client is None:
        async with client_for(app) as started:
            await sign_in(started, app, email)
    else:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        async with httpx.AsyncClient(transport=transport, base_url=client.base_url) as fresh:
            await sign_in(fresh, app, email)
    await create_api_token(intranet, person_id, name="Calendar", read_only=True)
    post_id = await feed.create_post(intranet, author_id=person_id, title="Summer party", body="In the garden",
                                     audience=["all"], important=True, announce=False)
    await feed.acknowledge(intranet, post_id, person_id)
    await feed.mark_seen([post_id], person_id)
    found = await feed.visible_post(post_id, ["all"])
    assert found is not None
    await conversation.add_comment(intranet, found, author_id=person_id, author_name="x", body="Looking forward")
    await conversation.toggle_reaction(intranet, post_id, person_id, "like")
    await SignInFailure.insert(SignInFailure(key=f"account:{email}", at=1.0)).run()


def plugin_settings(tmp_path: Path) -> Any:
    return make_settings(f"sqlite:///{tmp_path / 'pd.sqlite3'}")


# --- "download my data" -------------------------------------------------------------------


class NotesPluginWithExport:
    """A plugin that answers for what it holds."""

    @staticmethod
    @hookimpl
    def export_personal_data(app: Any, person: Any) -> dict[str, Any]:
        return {"notes": [f"a note about {person.name}"]}


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("notes", NotesPluginWithExport())]


async def test_download_my_data_is_one_json_document_with_everything(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    intranet = intranet_app.state.intranet
    unit_id = await people.create_unit(intranet, name="Aarhus", kind="district", parent_id=None, actor_id=None)
    person = await sign_in(intranet_client, intranet_app, "karen@example.org", name="Karen Holm",
                           roles=[("editor", unit_id)])
    await people.add_membership(intranet, person.id, unit_id, title="Organiser", actor_id=None)
    await use_the_site(intranet_app, person.id, "karen@example.org", intranet_client)
    token = await create_api_token(intranet, person.id, name="Script", read_only=False)
    admin = await new_person(intranet_app, "admin@example.org", "Ada Admin")
    await record("people.view", actor_id=admin, target_type="person", target_id=person.id, ip="10.0.0.9")

    account = await intranet_client.get("/account", headers={"accept-language": "da"})
    assert 'href="/account/data"' in account.text and "Hent mine data" in account.text
    response = await intranet_client.get("/account/data")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("application/json")
    assert response.headers["cache-control"] == "no-store"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;") and f"personal-data-{person.id}-" in disposition
    document = response.json()

    assert document["format"] == EXPORT_FORMAT
    assert document["person"] == {"id": person.id, "name": "Karen Holm", "email": "karen@example.org"}
    core = document["core"]
    assert core["profile"]["email"] == "karen@example.org" and core["profile"]["has_password"] is True
    assert "password_hash" not in core["profile"]
    assert [(m["unit"], m["title"]) for m in core["memberships"]] == [("Aarhus", "Organiser")]
    assert [(r["role"], r["unit_id"]) for r in core["roles"]] == [("editor", unit_id)]
    # Sessions without their ids, tokens without their hashes.
    session_ids = {row["id"] for row in await UserSession.select(UserSession.id).run()}
    token_hashes = {row["token_hash"] for row in await ApiToken.select(ApiToken.token_hash).run()}
    assert session_ids and token_hashes
    assert all(set(s) == {"created_at", "last_seen_at", "user_agent", "ip"} for s in core["sessions"])
    assert {t["name"] for t in core["api_tokens"]} == {"Calendar", "Script"}
    assert all("token_hash" not in t and "id" not in t for t in core["api_tokens"])
    for secret in [*session_ids, *token_hashes, token]:
        assert secret not in response.text
    assert [p["title"] for p in core["posts"]] == ["Summer party"]
    assert core["posts"][0]["audience"] == ["all"]
    assert [a["post_title"] for a in core["acknowledgements"]] == ["Summer party"]
    assert len(core["posts_seen"]) == 1
    assert len(core["failed_sign_ins"]) == 1
    # Comments and reactions are found through their foreign keys.
    assert [c["body"] for c in core["other"]["post_comment"]] == ["Looking forward"]
    assert [r["kind"] for r in core["other"]["post_reaction"]] == ["like"]
    # The audit log: what they did, and what was done to or looked up about them (by whom, only roughly).
    assert "auth.sign_in" in {e["action"] for e in core["audit"]["by_them"]}
    about = {e["action"]: e for e in core["audit"]["about_them"]}
    assert about["people.view"]["by"] == "someone else"
    assert about["person.create"]["by"] == "system"
    assert "10.0.0.9" not in response.text
    assert all(set(e) == {"at", "action", "by", "details"} for e in core["audit"]["about_them"])
    # Each plugin's part, under its name.
    assert document["plugins"] == {"notes": {"notes": ["a note about Karen Holm"]}}

    [entry] = await AuditEntry.select().where(AuditEntry.action == "personal_data.export").run()
    assert (entry["actor_id"], entry["target_id"]) == (person.id, str(person.id))


async def test_download_my_data_needs_a_signed_in_person(intranet_client: httpx.AsyncClient) -> None:
    page = await intranet_client.get("/account/data", headers=HTML)
    assert page.status_code == 303 and page.headers["location"].startswith("/signin")
    assert (await intranet_client.get("/account/data")).status_code == 401


async def test_an_export_holds_only_the_person_s_own_data(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    karen = await new_person(intranet_app, "karen@example.org")
    other = await new_person(intranet_app, "ole@example.org", "Ole Dahl")
    await use_the_site(intranet_app, other, "ole@example.org")
    document = await export_person(intranet, karen, actor_id=None)
    text = json.dumps(document, default=str)
    assert "ole@example.org" not in text and "Summer party" not in text
    assert document["core"]["posts"] == [] and document["core"]["sessions"] == []


# --- erasing a leaver -----------------------------------------------------------------------


async def test_anonymise_keeps_what_they_wrote_without_their_name(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    karen = await new_person(intranet_app, "karen@example.org", title="Organiser", phone="+45 1234",
                             mobile="+45 5678")
    admin = await new_person(intranet_app, "admin@example.org", "Ada Admin")
    await use_the_site(intranet_app, karen, "karen@example.org")
    token = await create_api_token(intranet, karen, name="Script", read_only=False)
    await search.index_document(kind="person", ref_id=karen, title="Karen Holm", body="", audience=["all"],
                                url=f"/people/{karen}")

    mention = await feed.create_post(intranet, author_id=admin, title="Welcome",
                                     body=f"Say hello to [@Karen Holm](mention:{karen})!", audience=["all"],
                                     announce=False)

    erased = await erase_person(intranet, karen, actor_id=admin, mode="anonymise", ip="10.1.1.1")

    assert (erased.name, erased.email, erased.active) == ("Tidligere medarbejder", erased_email(karen), False)
    # Someone else's post that mentioned her keeps its words, not her name or a link to her.
    text = await Post.select(Post.body, Post.body_html).where(Post.id == mention).first().run()
    assert text is not None and "Karen" not in str(text) and f"mention:{karen}" not in text["body"]
    assert f"/people/{karen}" not in text["body_html"] and "Tidligere medarbejder" in text["body"]
    assert erased_name(intranet) == "Tidligere medarbejder"  # the site's language, Danish by default
    assert (erased.title, erased.phone, erased.mobile, erased.photo) == ("", "", "", None)
    row = await Person.select(Person.password_hash).where(Person.id == karen).first().run()
    assert row == {"password_hash": None}
    # Their post and comment stay, without an author; what was only about them is gone.
    [post] = await Post.select(Post.title, Post.author).where(Post.id != mention).run()
    assert post == {"title": "Summer party", "author": None}
    [comment] = await PostComment.select(PostComment.body, PostComment.author).run()
    assert comment == {"body": "Looking forward", "author": None}
    assert await PostReaction.count().run() == 0 and await Acknowledgement.count().run() == 0
    assert await UserSession.count().run() == 0 and await ApiToken.count().run() == 0
    assert await SignInFailure.count().run() == 0
    assert not await SearchDocument.exists().where(
        (SearchDocument.kind == "person") & (SearchDocument.ref_id == karen)
    ).run()
    assert await leftover_references(intranet, karen) == {}
    # The token no longer opens the API.
    async with client_for(intranet_app) as client:
        response = await client.get("/api/v1/me", headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 401
    # Audited with the mode only; earlier entries keep no e-mail address.
    [entry] = await AuditEntry.select().where(AuditEntry.action == "person.erase").run()
    assert (entry["actor_id"], entry["target_id"], json.loads(entry["details"])) == (admin, str(karen),
                                                                                    {"mode": "anonymise"})
    log = await AuditEntry.select(AuditEntry.details, AuditEntry.ip, AuditEntry.actor_id).run()
    assert "karen@example.org" not in json.dumps(log)
    assert all(e["ip"] == "" for e in log if e["actor_id"] == karen)
    assert await AuditEntry.exists().where(AuditEntry.action == "person.deactivate").run()


async def test_delete_content_deletes_what_they_wrote(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    karen = await new_person(intranet_app, "karen@example.org")
    await use_the_site(intranet_app, karen, "karen@example.org")
    [post] = await Post.select(Post.id).run()
    assert await SearchDocument.exists().where(
        (SearchDocument.kind == "post") & (SearchDocument.ref_id == post["id"])
    ).run()
    await erase_person(intranet, karen, actor_id=None, mode="delete_content")
    assert await Post.count().run() == 0 and await PostComment.count().run() == 0
    assert not await SearchDocument.exists().where(SearchDocument.kind == "post").run()
    assert await leftover_references(intranet, karen) == {}
    assert (await people.get_person(karen)).name == erased_name(intranet)  # type: ignore[union-attr]


async def test_erasure_refuses_an_unknown_mode_oneself_and_no_one(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    karen = await new_person(intranet_app, "karen@example.org")
    with pytest.raises(ValueError, match="mode"):
        await erase_person(intranet, karen, actor_id=None, mode="shred")
    with pytest.raises(people.PersonError, match="self"):
        await erase_person(intranet, karen, actor_id=karen)
    with pytest.raises(people.PersonError, match="not_found"):
        await erase_person(intranet, 999_999, actor_id=None)
    assert (await people.get_person(karen)).active  # type: ignore[union-attr]


async def test_the_default_mode_comes_from_the_settings(tmp_path: Path, database_url: str) -> None:
    settings = make_settings(database_url, personal_data={"erase_mode": "delete_content"})
    app = await build_app(settings)
    async with client_for(app):
        karen = await new_person(app, "karen@example.org")
        await feed.create_post(app.state.intranet, author_id=karen, title="T", body="B", audience=["all"],
                               announce=False)
        await erase_person(app.state.intranet, karen, actor_id=None)
        assert await Post.count().run() == 0


# --- the completeness check -----------------------------------------------------------------


async def erase_and_look_for_leftovers(
    app: Litestar, mode: str, client: httpx.AsyncClient | None = None
) -> tuple[dict[str, int], dict[str, list[Any]]]:
    """Fill every table that refers to people for a leaver and a colleague, erase the leaver.

    Returns what still refers to the leaver (less :data:`KEPT_BY_DESIGN`)
    and the rows made for the leaver. The colleague's rows must all survive.
    """
    intranet = app.state.intranet
    leaver = await new_person(app, "leaver@example.org", "Lea Ver")
    colleague = await new_person(app, "colleague@example.org", "Col League")
    await use_the_site(app, leaver, "leaver@example.org", client)
    made = await fill_every_reference(app, leaver)
    await fill_every_reference(app, colleague)
    assert set(made) == {r.label for r in person_references(intranet) if r.table is not Person}
    colleague_before = await leftover_references(intranet, colleague)

    await erase_person(intranet, leaver, actor_id=None, mode=mode)

    assert await leftover_references(intranet, colleague) == colleague_before, "erasure touched a colleague"
    left = await leftover_references(intranet, leaver)
    return {k: v for k, v in left.items() if k not in KEPT_BY_DESIGN}, made


@pytest.mark.parametrize("mode", ["delete_content", "anonymise"])
async def test_erasure_leaves_no_row_that_refers_to_the_person(intranet_app: Litestar, mode: str) -> None:
    intranet = intranet_app.state.intranet
    references = person_references(intranet)
    # The check covers the tables it should: sign-in, roles, the feed, and whatever else refers to people.
    assert {"user_session.person", "api_token.person", "role_assignment.person", "membership.person",
            "post.author", "post_acknowledgement.person", "post_seen.person"} <= {r.label for r in references}

    left, made = await erase_and_look_for_leftovers(intranet_app, mode)
    assert left == {}, f"rows still refer to the erased person ({mode}): {left}"

    if mode == "anonymise":
        # Authorship is anonymised: rows of built-in tables that refer to people only through
        # columns that may be NULL (post.author, post_comment.author) stay.
        builtin = {info.name for info in intranet.plugins if info.builtin}
        required = {r.table for r in references if not r.nullable}
        for ref in references:
            if ref.nullable and ref.plugin in builtin and ref.table not in required:
                pk = ref.table._meta.primary_key
                kept = await ref.table.count().where(pk.is_in(made[ref.label])).run()
                assert kept == len(made[ref.label]), f"{ref.label}: anonymise deleted the rows"


class Note(Table, tablename="pd_test_note"):
    """A plugin's table that refers to people."""

    owner = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    text = Varchar(length=100)


def _notes_app(folder: Path) -> AppConfig:
    folder.mkdir(exist_ok=True)
    return AppConfig(app_name="pd_test_notes", migrations_folder_path=str(folder), table_classes=[Note])


class NotesWithoutErasure:
    """Registers a table with a foreign key to ``person``, and no erase hook."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @hookimpl
    def register_piccolo_apps(self, app: Any) -> list[AppConfig]:
        return [_notes_app(self.folder)]


class NotesWithErasure(NotesWithoutErasure):
    @hookimpl
    async def erase_personal_data(self, app: Any, person: Any, mode: str) -> None:
        await Note.delete().where(Note.owner == person.id).run()


async def _app_with(plugin: Any, settings: Any) -> Litestar:
    app = await build_app(settings, [("notes", plugin)])
    intranet = app.state.intranet
    await intranet.db.connect()
    await Note.create_table(if_not_exists=True).run()
    await intranet.db.close()
    return app


async def test_the_check_reports_a_plugin_table_that_erasure_leaves_behind(
    tmp_path: Path, intranet_settings: Any
) -> None:
    app = await _app_with(NotesWithoutErasure(tmp_path / "migrations"), intranet_settings)
    async with client_for(app) as client:
        assert plugins_without_hooks(app.state.intranet) == {"notes": ["pd_test_note.owner"]}
        left, _made = await erase_and_look_for_leftovers(app, "delete_content", client)
        assert left == {"pd_test_note.owner": 1}


async def test_a_plugin_whose_erase_hook_handles_its_table_passes(tmp_path: Path, intranet_settings: Any) -> None:
    app = await _app_with(NotesWithErasure(tmp_path / "migrations"), intranet_settings)
    async with client_for(app) as client:
        assert plugins_without_hooks(app.state.intranet) == {}
        left, _made = await erase_and_look_for_leftovers(app, "delete_content", client)
        assert left == {}
        assert await Note.count().run() == 1  # the colleague's


# --- the audit log's retention ---------------------------------------------------------------


async def test_old_audit_entries_are_purged(tmp_path: Path, database_url: str) -> None:
    app = await build_app(make_settings(database_url, personal_data={"audit_retention_days": 30}))
    old = NOW - datetime.timedelta(days=31)
    await app.state.intranet.db.connect()
    await AuditEntry.insert(AuditEntry(at=old, action="x.old"), AuditEntry(at=NOW, action="x.new")).run()
    await app.state.intranet.db.close()
    async with client_for(app):  # start-up purges
        assert [r["action"] for r in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.action.like("x.%")).run()] == ["x.new"]
        assert await purge_audit_log(app.state.intranet, at=NOW + datetime.timedelta(days=40)) >= 1
        assert not await AuditEntry.exists().where(AuditEntry.action == "x.new").run()


async def test_zero_days_keeps_the_audit_log(tmp_path: Path, database_url: str) -> None:
    app = await build_app(make_settings(database_url, personal_data={"audit_retention_days": 0}))
    async with client_for(app):
        await AuditEntry.insert(AuditEntry(at=NOW - datetime.timedelta(days=9999), action="x.old")).run()
        assert await purge_audit_log(app.state.intranet) == 0
        assert await AuditEntry.exists().where(AuditEntry.action == "x.old").run()


# --- the commands ------------------------------------------------------------------------------


def test_erase_and_export_commands(tmp_path: Path, database_url: str) -> None:
    from intranet_core.cli import cli, load_app

    settings = make_settings(database_url)
    config = tmp_path / "intranet.toml"
    # Only the core: plugins installed in the environment stay out.
    config.write_text(f'secret_key = "{"k" * 40}"\n[database]\nurl = "{database_url}"\n[plugins]\nenabled = []\n')

    async def prepare() -> int:
        app = await build_app(settings)
        await app.state.intranet.db.connect()
        try:
            karen = await new_person(app, "karen@example.org")
            await feed.create_post(app.state.intranet, author_id=karen, title="Hello", body="B",
                                   audience=["all"], announce=False)
            return karen
        finally:
            await app.state.intranet.db.close()

    karen = asyncio.run(prepare())
    runner = CliRunner()
    exported = runner.invoke(cli, ["export-person", "karen@example.org", "--config", str(config)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(exported.output)["core"]["posts"][0]["title"] == "Hello"

    unknown = runner.invoke(cli, ["erase-person", "nobody@example.org", "--yes", "--config", str(config)])
    assert unknown.exit_code == 1 and "no person" in unknown.output
    declined = runner.invoke(cli, ["erase-person", "karen@example.org", "--config", str(config)], input="n\n")
    assert declined.exit_code == 1
    erased = runner.invoke(cli, ["erase-person", "Karen@Example.org", "--mode", "delete-content", "--yes",
                                 "--config", str(config)])
    assert erased.exit_code == 0, erased.output
    assert f"Erased person {karen} (delete content)" in erased.output

    async def check() -> tuple[int, str]:
        intranet = load_app(settings)  # the same database, not emptied
        await intranet.db.connect()
        try:
            row = await Person.select(Person.email).where(Person.id == karen).first().run()
            return int(await Post.count().run()), row["email"]
        finally:
            await intranet.db.close()

    assert asyncio.run(check()) == (0, erased_email(karen))
    purged = runner.invoke(cli, ["purge-audit-log", "--config", str(config)])
    assert purged.exit_code == 0 and "deleted" in purged.output

