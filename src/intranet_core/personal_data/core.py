"""The core's own answer to the personal-data hooks.

The core's features (people, sign-in, roles, the audit log, the feed and
the other built-in plugins) keep their data in tables of their own but
answer for it here, in one place. A built-in plugin that implements
``export_personal_data`` or ``erase_personal_data`` itself answers for its
own tables instead, and is left alone.

Most tables need no code of their own. For a table that refers to the
person, the rules are:

- export: its rows, without columns that hold secrets (hashes, tokens) or
  refer to other people;
- erase, ``anonymise``: a column that may be NULL (an author) is set to
  NULL, so the row stays without a name; a row whose column may not be
  NULL (a membership, a reaction) is deleted;
- erase, ``delete_content``: every such row is deleted.

Tables whose rows need a different shape (sessions without their ids,
tokens without their hashes, posts with their audiences) have their own
exporters below, and posts their own erasure (they leave search too).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.table import Table

from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.tables import ApiToken, PasswordResetToken, SignInFailure, UserSession
from intranet_core.feed.tables import Acknowledgement, Post, PostAudience, PostSeen
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Person
from intranet_core.permissions.tables import RoleAssignment
from intranet_core.personal_data.references import (
    PersonReference,
    by_table,
    is_secret,
    person_references,
    refers_to_person,
    tables_by_plugin,
)
from intranet_core.search import service as search
from intranet_core.uploads.tables import Upload

POST_SEARCH_KIND = "post"

Exporter = Callable[[PersonInfo], Awaitable[dict[str, Any]]]


def answering_plugins(intranet: Any, hook_name: str) -> set[str]:
    """Names of the plugins that implement a personal-data hook themselves (not this module's plugin)."""
    hook = getattr(intranet.hook, hook_name)
    return {impl.plugin_name for impl in hook.get_hookimpls()} - {"core.personal_data"}


def core_references(intranet: Any, hook_name: str) -> list[PersonReference]:
    """References to the person in built-in plugins' tables that this module answers for."""
    builtin = {info.name for info in intranet.plugins if info.builtin}
    answering = answering_plugins(intranet, hook_name)
    return [
        ref for ref in person_references(intranet)
        if (ref.plugin in builtin or ref.plugin == "?") and ref.plugin not in answering
        and ref.table is not Person
    ]


# --- export ------------------------------------------------------------------


def _details(raw: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return raw


async def _profile(person: PersonInfo) -> dict[str, Any]:
    row = await Person.select(
        *[c for c in Person._meta.columns if c._meta.name != "password_hash"]
    ).where(Person.id == person.id).first().run()
    has_password = await Person.exists().where((Person.id == person.id) & Person.password_hash.is_not_null()).run()
    return {"profile": {**(row or {}), "has_password": bool(has_password)}}


async def _memberships(person: PersonInfo) -> dict[str, Any]:
    rows = await Membership.select(
        Membership.unit.as_alias("unit_id"), Membership.unit.name.as_alias("unit"), Membership.title,
        Membership.is_primary, Membership.is_manager,
    ).where(Membership.person == person.id).order_by(Membership.id).run()
    return {"memberships": rows}


async def _roles(person: PersonInfo) -> dict[str, Any]:
    rows = await RoleAssignment.select(
        RoleAssignment.role.name.as_alias("role"), RoleAssignment.role.label.as_alias("label"),
        RoleAssignment.unit.as_alias("unit_id"), RoleAssignment.unit.name.as_alias("unit"),
    ).where(RoleAssignment.person == person.id).order_by(RoleAssignment.id).run()
    return {"roles": rows}


async def _sessions(person: PersonInfo) -> dict[str, Any]:
    # Not the id: it is the hash of a live session's cookie.
    rows = await UserSession.select(
        UserSession.created_at, UserSession.last_seen_at, UserSession.user_agent, UserSession.ip
    ).where(UserSession.person == person.id).order_by(UserSession.created_at).run()
    return {"sessions": rows}


async def _api_tokens(person: PersonInfo) -> dict[str, Any]:
    rows = await ApiToken.select(
        ApiToken.name, ApiToken.prefix, ApiToken.read_only, ApiToken.created_at, ApiToken.last_used_at,
        ApiToken.revoked_at,
    ).where(ApiToken.person == person.id).order_by(ApiToken.id).run()
    return {"api_tokens": rows}


async def _password_resets(person: PersonInfo) -> dict[str, Any]:
    rows = await PasswordResetToken.select(PasswordResetToken.expires_at, PasswordResetToken.used_at).where(
        PasswordResetToken.person == person.id
    ).order_by(PasswordResetToken.id).run()
    return {"password_resets": rows}


async def _posts(person: PersonInfo) -> dict[str, Any]:
    rows = await Post.select(
        Post.id, Post.title, Post.body, Post.important, Post.pinned_until, Post.published_at, Post.expires_at,
        Post.created_at, Post.edited_at, Post.deleted_at,
    ).where(Post.author == person.id).order_by(Post.id).run()
    audiences: dict[int, list[str]] = {}
    if rows:
        for row in await PostAudience.select(PostAudience.post, PostAudience.key).where(
            PostAudience.post.is_in([r["id"] for r in rows])
        ).order_by(PostAudience.id).run():
            audiences.setdefault(int(row["post"]), []).append(row["key"])
    files: dict[int, list[dict[str, Any]]] = {}
    if rows:
        from intranet_core.feed.attachments import attachments_of

        for post_id, items in (await attachments_of([r["id"] for r in rows])).items():
            files[post_id] = [{"kind": a.kind, "filename": a.filename, "content_type": a.upload.content_type,
                               "size": a.upload.size, "url": a.url} for a in items]
    return {"posts": [{**row, "audience": audiences.get(int(row["id"]), []),
                       "attachments": files.get(int(row["id"]), [])} for row in rows]}


async def _acknowledgements(person: PersonInfo) -> dict[str, Any]:
    rows = await Acknowledgement.select(
        Acknowledgement.post.as_alias("post_id"), Acknowledgement.post.title.as_alias("post_title"),
        Acknowledgement.at,
    ).where(Acknowledgement.person == person.id).order_by(Acknowledgement.id).run()
    return {"acknowledgements": rows}


async def _seen(person: PersonInfo) -> dict[str, Any]:
    rows = await PostSeen.select(PostSeen.post.as_alias("post_id"), PostSeen.at).where(
        PostSeen.person == person.id
    ).order_by(PostSeen.id).run()
    return {"posts_seen": rows}


async def _uploads(person: PersonInfo) -> dict[str, Any]:
    """The files they uploaded (the bytes stay on the site; a post's files are listed with the post too)."""
    rows = await Upload.select(
        Upload.id, Upload.filename, Upload.content_type, Upload.size, Upload.sha256, Upload.created_at,
    ).where(Upload.uploaded_by == person.id).order_by(Upload.id).run()
    return {"uploads": rows}


EXPORTERS: dict[type[Table], Exporter] = {
    Membership: _memberships,
    RoleAssignment: _roles,
    UserSession: _sessions,
    ApiToken: _api_tokens,
    PasswordResetToken: _password_resets,
    Post: _posts,
    Acknowledgement: _acknowledgements,
    PostSeen: _seen,
    Upload: _uploads,
}


async def _generic_rows(table: type[Table], refs: list[PersonReference], person: PersonInfo) -> list[dict[str, Any]]:
    """Rows of ``table`` that refer to the person through any of ``refs``, without secrets or other people."""
    columns = [
        c for c in table._meta.columns
        if not is_secret(c) and not refers_to_person(c)
    ]
    rows: list[dict[str, Any]] = []
    for ref in refs:
        found = await table.select(*columns).where(ref.column == person.id).order_by(
            table._meta.primary_key
        ).run()
        rows += [{**row, "refers_as": ref.column._meta.db_column_name} for row in found]
    return rows


async def _sign_in_failures(person: PersonInfo) -> dict[str, Any]:
    rows = await SignInFailure.select(SignInFailure.at).where(
        SignInFailure.key == f"account:{person.email.strip().lower()[:250]}"
    ).order_by(SignInFailure.at).run()
    return {"failed_sign_ins": [datetime.datetime.fromtimestamp(row["at"], datetime.UTC) for row in rows]}


async def _audit(person: PersonInfo) -> dict[str, Any]:
    """Entries of what the person did, and of what was done to or looked up about them.

    For the second kind, who did it is given only as ``self``, ``system``
    or ``someone else``: the log is theirs to read, the colleagues in it
    are not (CJEU C-579/21).
    """
    by_them = await AuditEntry.select(
        AuditEntry.at, AuditEntry.action, AuditEntry.target_type, AuditEntry.target_id, AuditEntry.details,
        AuditEntry.ip,
    ).where(AuditEntry.actor_id == person.id).order_by(AuditEntry.at).run()
    about_them = await AuditEntry.select(
        AuditEntry.at, AuditEntry.action, AuditEntry.actor_id, AuditEntry.details,
    ).where(
        (AuditEntry.target_type == "person") & (AuditEntry.target_id == str(person.id))
    ).order_by(AuditEntry.at).run()
    return {
        "audit": {
            "by_them": [{**row, "details": _details(row["details"])} for row in by_them],
            "about_them": [
                {
                    "at": row["at"],
                    "action": row["action"],
                    "by": "self" if row["actor_id"] == person.id else (
                        "system" if row["actor_id"] is None else "someone else"
                    ),
                    "details": _details(row["details"]),
                }
                for row in about_them
            ],
        }
    }


async def export_core(intranet: Any, person: PersonInfo) -> dict[str, Any]:
    """The core's part of a person's export: profile, sign-in, roles, audit, feed, other built-in tables."""
    out: dict[str, Any] = {}
    out.update(await _profile(person))
    tables = dict(by_table(core_references(intranet, "export_personal_data")))
    for table, exporter in EXPORTERS.items():
        if table in tables:
            out.update(await exporter(person))
    core_tables = {t for t, _p in _core_tables(intranet, "export_personal_data")}
    if SignInFailure in core_tables:
        out.update(await _sign_in_failures(person))
    if AuditEntry in core_tables:
        out.update(await _audit(person))
    others: dict[str, Any] = {}
    for table, refs in tables.items():
        if table not in EXPORTERS:
            others[table._meta.tablename] = await _generic_rows(table, refs, person)
    if others:
        out["other"] = dict(sorted(others.items()))
    return out


def _core_tables(intranet: Any, hook_name: str) -> list[tuple[type[Table], str]]:
    """Tables of built-in plugins that do not answer ``hook_name`` themselves (references or not)."""
    builtin = {info.name for info in intranet.plugins if info.builtin}
    answering = answering_plugins(intranet, hook_name)
    return [(t, p) for t, p in tables_by_plugin(intranet).items() if p in builtin and p not in answering]


# --- erase -------------------------------------------------------------------

# Keys whose values say who someone is; removed from audit details on erasure.
IDENTIFYING_KEYS = frozenset({"email", "name", "title", "phone", "mobile", "photo", "query", "user_agent"})


async def _erase_posts(ref: PersonReference, person: PersonInfo, mode: str) -> None:
    if mode == "delete_content":
        rows = await Post.delete().where(Post.author == person.id).returning(Post.id).run()
        for row in rows:
            await search.remove_document(kind=POST_SEARCH_KIND, ref_id=int(row["id"]))
    else:
        await Post.update({Post.author: None}).where(Post.author == person.id).run()


async def _erase_generic(ref: PersonReference, person: PersonInfo, mode: str) -> None:
    if mode == "anonymise" and ref.nullable:
        await ref.table.update({ref.column: None}).where(ref.column == person.id).run()
    else:
        await ref.table.delete().where(ref.column == person.id).run()


async def _redact_audit(person: PersonInfo) -> None:
    """Keep the log (who changed what, when) but not what identified the person in it."""
    about = (AuditEntry.target_type == "person") & (AuditEntry.target_id == str(person.id))
    rows = await AuditEntry.select(AuditEntry.id, AuditEntry.details).where(about).run()
    for row in rows:
        details = _details(row["details"])
        if isinstance(details, dict) and IDENTIFYING_KEYS & details.keys():
            kept = {k: v for k, v in details.items() if k not in IDENTIFYING_KEYS}
            await AuditEntry.update({AuditEntry.details: json.dumps(kept, ensure_ascii=False)}).where(
                AuditEntry.id == row["id"]
            ).run()
    await AuditEntry.update({AuditEntry.ip: ""}).where(AuditEntry.actor_id == person.id).run()


async def erase_core(intranet: Any, person: PersonInfo, mode: str) -> None:
    """Erase the core's part: every built-in table that refers to the person, sign-in traces, audit details."""
    from intranet_core.auth.sessions import end_sessions

    core_tables = {t for t, _p in _core_tables(intranet, "erase_personal_data")}
    if UserSession in core_tables:
        await end_sessions(person.id)  # their store entries too
    for ref in core_references(intranet, "erase_personal_data"):
        await (_erase_posts if ref.table is Post else _erase_generic)(ref, person, mode)
    if Post in core_tables:
        # Other people's texts keep the words, not the link to (or the name of) who left.
        from intranet_core.feed.service import forget_mentions
        from intranet_core.personal_data.service import erased_name

        await forget_mentions(person.id, erased_name(intranet))
    if SignInFailure in core_tables:
        await SignInFailure.delete().where(
            SignInFailure.key == f"account:{person.email.strip().lower()[:250]}"
        ).run()
    if AuditEntry in core_tables:
        await _redact_audit(person)
