"""Posts and who may see them.

Visibility is decided in the query: a person sees a post when one of the
post's audience keys is one of theirs. A person's keys are ``all``,
``unit:<id>`` for every unit they belong to and every unit above it (a post
to a district reaches its teams), and whatever plugins add through the
``user_audience_keys`` hook (``group:<id>``).

A feed page is one query per key, each reading at most a page from the
``(key, published_at, post)`` index, merged in SQL: its cost does not grow
with the number of posts.

Publishing indexes a post for search in the same transaction and, once
committed, announces it: the ``post_published`` hook, notices to the people
it mentions who may see it, and to its whole audience if it is important. A
post scheduled for later is published by :func:`publish_due`, which every
process runs once a minute. Editing marks a post edited; deleting is soft
(an administrator restores it within ``[feed] restore_days``); both, and
restoring, are audited. Comments and reactions live in
:mod:`intranet_core.feed.conversation`, mentions in
:mod:`intranet_core.feed.mentions`.
"""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intranet_core import request_memo
from intranet_core.audit.service import record
from intranet_core.contributions import AudienceChoice, by_order
from intranet_core.feed import attachments as attachments_service
from intranet_core.feed import mentions
from intranet_core.feed.attachments import NewAttachment
from intranet_core.feed.tables import Acknowledgement, Post, PostAudience, PostSeen
from intranet_core.i18n import gettext as _
from intranet_core.markup import plain_text
from intranet_core.notifications import service as notifications
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.service import ancestor_ids, branch_units, units_where
from intranet_core.plugins import gather
from intranet_core.search import service as search
from intranet_core.uploads.service import remove_files_if_unused

log = logging.getLogger("intranet.feed")

PAGE_SIZE = 20
MAX_KEYS = 200
MAX_ID = 2**31 - 1
"""The largest id a (PostgreSQL ``integer``) serial column holds."""
DELETED_PAGE_SIZE = 50
SEARCH_KIND = "post"
# The fixed set of reactions (kind: emoji), in the order shown.
REACTIONS: dict[str, str] = {
    "like": "👍",
    "heart": "❤️",
    "celebrate": "🎉",
    "thanks": "🙏",
    "insightful": "💡",
}


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def unit_keys(person_id: int) -> list[str]:
    """``unit:<id>`` for each unit the person belongs to and every unit above it."""

    async def read() -> tuple[str, ...]:
        rows = await Membership.raw(
            "SELECT org_unit.path AS path FROM membership LEFT JOIN org_unit ON org_unit.id = membership.unit "
            "WHERE membership.person = {}",
            person_id,
        ).run()
        ids = sorted({uid for row in rows for uid in ancestor_ids(row["path"] or "/")})
        return tuple(f"unit:{uid}" for uid in ids)

    return list(await request_memo.once(("unit_keys", person_id), read))


def valid_id(value: int) -> bool:
    """Whether ``value`` can be a row id (a larger number in a URL is simply not found)."""
    return 0 < value <= MAX_ID


def unit_id_of(key: str) -> int | None:
    """``unit:7`` -> 7; any other key -> ``None``."""
    kind, _sep, value = key.partition(":")
    return int(value) if kind == "unit" and value.isdigit() and len(value) < 12 else None


async def publish_choices(intranet: Any, user: PersonInfo) -> list[AudienceChoice]:
    """The audiences ``user`` may publish to, in order: everyone, units, plugins' audiences.

    Everyone needs ``feed.publish`` held everywhere; a unit needs it there or
    above (its sub-units come with it); plugins add theirs through
    ``publishable_audiences``. A plugin that publishes on someone's behalf
    (a survey's announcement) offers exactly these.
    """
    choices: list[AudienceChoice] = []
    where = await units_where(user.id, "feed.publish")
    if where is None:
        choices.append(AudienceChoice(key="all", label=_("Everyone"), order=0))
    choices += [AudienceChoice(key=f"unit:{u['id']}", label=u["name"], order=10) for u in await branch_units(where)]
    choices += await gather(intranet.hook.publishable_audiences(app=intranet, user=user))
    return by_order(choices)


async def audience_keys(intranet: Any, user: PersonInfo | None) -> list[str]:
    """Every audience key the person belongs to (none when signed out)."""
    if user is None:
        return []
    keys = ["all", *await unit_keys(user.id)]
    for key in await gather(intranet.hook.user_audience_keys(app=intranet, user=user)):
        if key not in keys:
            keys.append(str(key))
    return keys[:MAX_KEYS]


async def feed_keys(intranet: Any, user: PersonInfo) -> list[str]:
    """The keys of a person's main feed: their audience keys, without the ones they muted.

    Plugins name muted keys of their own (``muted_audience_keys``); ``all``
    and ``unit:`` keys always stay. Only what the main feed lists changes:
    permalinks and search keep using :func:`audience_keys`.
    """
    keys = await audience_keys(intranet, user)
    if not keys:
        return keys
    muted = {str(key) for key in await gather(intranet.hook.muted_audience_keys(app=intranet, user=user))}
    return [key for key in keys if key not in muted or key == "all" or key.startswith("unit:")]


@dataclass(frozen=True)
class Cursor:
    published_at: datetime.datetime
    post_id: int

    def encode(self) -> str:
        return f"{self.published_at.isoformat()}_{self.post_id}"

    @classmethod
    def decode(cls, value: str | None) -> Cursor | None:
        if not value:
            return None
        try:
            stamp, _sep, post_id = value.rpartition("_")
            moment = datetime.datetime.fromisoformat(stamp)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=datetime.UTC)
            number = int(post_id)
        except (ValueError, OverflowError):
            return None
        return cls(moment, number) if 0 <= number <= MAX_ID else None


async def visible_post_ids(keys: list[str], *, before: Cursor | None, limit: int = PAGE_SIZE) -> list[int]:
    """The newest visible, published post ids before the cursor: one union query."""
    if not keys:
        return []
    cursor = before or Cursor(now(), MAX_ID)
    parts: list[str] = []
    args: list[Any] = []
    # Only placeholders are formatted into the SQL; every value is a parameter.
    for index, key in enumerate(keys):
        # `published_at <= cursor` is the index range; the OR only sorts out ties. Written as
        # one OR, both databases filtered the whole key from its newest row: O(depth).
        parts.append(
            "SELECT * FROM (SELECT post, published_at FROM post_audience WHERE key = {} "  # noqa: S608
            "AND published_at <= {} AND (published_at < {} OR post < {}) "
            f"ORDER BY published_at DESC, post DESC LIMIT {{}}) AS k{index}"
        )
        args += [key, cursor.published_at, cursor.published_at, cursor.post_id, limit * 2]
    sql = (
        "SELECT DISTINCT visible.post AS post, visible.published_at AS published_at FROM ("  # noqa: S608
        + " UNION ALL ".join(parts)
        + ") AS visible JOIN post ON post.id = visible.post "
        "WHERE post.deleted_at IS NULL AND (post.expires_at IS NULL OR post.expires_at > {}) "
        "ORDER BY visible.published_at DESC, visible.post DESC LIMIT {}"
    )
    args += [now(), limit]
    rows = await Post.raw(sql, *args).run()
    return [int(row["post"]) for row in rows]


# A post's columns and its author's name and title, under the names every page of posts uses.
# Written out: it costs a fraction of the CPU of building Piccolo's joined select each time.
_POST_SELECT = (
    "SELECT post.id AS id, post.title AS title, post.body AS body, post.body_html AS body_html, "
    "post.important AS important, post.pinned_until AS pinned_until, post.published_at AS published_at, "
    "post.expires_at AS expires_at, post.edited_at AS edited_at, post.author AS author, "
    'person.name AS "author.name", person.title AS "author.title", post.announced_at AS announced_at '
    "FROM post LEFT JOIN person ON person.id = post.author WHERE "
)
_POSTS_SQL = _POST_SELECT + "post.id IN ({ids})"


async def posts_by_ids(ids: list[int]) -> list[dict[str, Any]]:
    """Posts with their author, in the order of ``ids`` (one query)."""
    if not ids:
        return []
    rows = await Post.raw(_POSTS_SQL.format(ids=", ".join("{}" for _ in ids)), *ids).run()
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def pinned_ids(keys: list[str]) -> list[int]:
    """Pinned posts the person may see, newest first."""
    if not keys:
        return []
    # `pinned_until IS NOT NULL` lets every plan use the small partial index `post_pinned`;
    # EXISTS checks the few pinned posts' audiences through (post, key).
    moment = now()
    rows = await Post.raw(  # only placeholders are joined into the SQL; the keys are parameters
        "SELECT id FROM post WHERE pinned_until IS NOT NULL AND pinned_until > {} AND deleted_at IS NULL "  # noqa: S608
        "AND published_at <= {} AND EXISTS (SELECT 1 FROM post_audience AS a WHERE a.post = post.id AND a.key IN ("
        + ", ".join("{}" for _ in keys) + ")) ORDER BY published_at DESC LIMIT 5",
        moment, moment, *keys,
    ).run()
    return [int(r["id"]) for r in rows]


async def visible_post(post_id: int, keys: list[str]) -> dict[str, Any] | None:
    """One post if the person may see it (else ``None``: the page answers 404)."""
    if not keys or not valid_id(post_id):
        return None
    rows = await Post.raw(  # only placeholders are joined into the SQL; the keys are parameters
        _POST_SELECT + "post.id = {} AND post.deleted_at IS NULL AND post.published_at <= {} AND post.id IN "  # noqa: S608
        "(SELECT post FROM post_audience WHERE post = {} AND key IN (" + ", ".join("{}" for _ in keys) + "))",
        post_id, now(), post_id, *keys,
    ).run()
    row = rows[0] if rows else None
    if row and row["expires_at"] is not None and row["expires_at"] <= now():
        return None
    return row


async def may_moderate(person_id: int, keys: list[str]) -> bool:
    """Whether the person holds ``feed.moderate`` for every audience of a post.

    Holding it everywhere covers any post; holding it for units covers a
    post whose audiences are all units in those branches. ``all`` and plugin
    audiences need it everywhere.
    """
    where = await units_where(person_id, "feed.moderate")
    if where is None:
        return True
    if not where or not keys:
        return False
    unit_ids = [unit_id_of(key) for key in keys]
    if any(unit_id is None for unit_id in unit_ids):
        return False
    wanted = {u for u in unit_ids if u is not None}
    rows = await Unit.select(Unit.id, Unit.path).where(Unit.id.is_in(sorted(wanted))).run()
    if len(rows) != len(wanted):
        return False
    allowed = set(where)
    return all(allowed & set(ancestor_ids(row["path"])) for row in rows)


async def may_edit(person_id: int, found: dict[str, Any], keys: list[str] | None = None) -> bool:
    """Whether the person may edit (and delete) a post they can read: its author, or who may moderate it.

    ``keys`` are the post's audience keys, if the caller has them already.
    """
    if found["author"] == person_id:
        return True
    return await may_moderate(person_id, keys if keys is not None else await audience_of(int(found["id"])))


async def readable_post(intranet: Any, user: PersonInfo, post_id: int) -> dict[str, Any] | None:
    """The post if this person may read it: its audience, its author, or who may moderate it.

    ``None`` (the page answers 404) for a deleted post and for anyone else.
    Authors also see their posts before the publication time.
    """
    if not valid_id(post_id):
        return None
    found = await visible_post(post_id, await audience_keys(intranet, user))
    if found is not None:
        return found
    rows = await Post.raw(_POST_SELECT + "post.id = {} AND post.deleted_at IS NULL", post_id).run()
    if not rows:
        return None
    row = rows[0]
    if row["author"] == user.id:
        return row
    expired = row["expires_at"] is not None and row["expires_at"] <= now()
    if row["published_at"] <= now() and not expired and await may_moderate(user.id, await audience_of(post_id)):
        return row
    return None


async def _index(post_ids: list[int]) -> None:
    """Put posts in the search index (inside the caller's transaction)."""
    if not post_ids:
        return
    rows = await Post.select(Post.id, Post.title, Post.body).where(Post.id.is_in(post_ids)).run()
    audiences: dict[int, list[str]] = {}
    for row in await PostAudience.select(PostAudience.post, PostAudience.key).where(
        PostAudience.post.is_in(post_ids)
    ).run():
        audiences.setdefault(int(row["post"]), []).append(row["key"])
    for row in rows:
        await search.index_document(
            kind=SEARCH_KIND, ref_id=int(row["id"]), title=row["title"] or plain_text(row["body"], 80),
            body=plain_text(row["body"]), audience=sorted(audiences.get(int(row["id"]), [])),
            url=f"/posts/{int(row['id'])}",
        )


async def create_post(
    intranet: Any, *, author_id: int, title: str, body: str, audience: list[str], important: bool = False,
    pinned_until: datetime.datetime | None = None, published_at: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None, announce: bool = True,
    attachments: Sequence[NewAttachment] = (), ip: str = "", via: str = "",
) -> int:
    """Store a post; publish it now, or at ``published_at``.

    Audited (``feed.post_create``, by the author, from ``ip``; ``via``: ``api``
    or a plugin's name) in the post's own transaction.

    ``attachments`` (checked and on disk, see
    :func:`intranet_core.uploads.service.prepare_upload`) are written with
    the post, in its transaction: a post never stands without its files.

    A post that is published now is indexed for search in the same
    transaction; then, once committed, plugins hear of it
    (``post_published``), the people it mentions (who are in its audience)
    are notified and, if it is important, everyone in its audience. A
    scheduled post gets all that when :func:`publish_due` finds it due.
    ``announce=False`` (imports, demo data) tells nobody, now or later (and
    a scheduled post stored so is not indexed for search).
    """
    published = published_at or now()
    live = published <= now()
    # Without announcing, the post counts as announced from the start:
    # nothing is sent for it later either.
    announced_at = now() if live else (None if announce else published)
    body, _mentioned = await mentions.resolve(body, author_id)
    async with intranet.db.transaction(write=True):
        rows = await Post.insert(
            Post(
                author=author_id, title=title, body=body, body_html=str(mentions.render_text(body)),
                important=important, pinned_until=pinned_until, published_at=published, expires_at=expires_at,
                created_at=now(), announced_at=announced_at,
            )
        ).returning(Post.id).run()
        post_id = int(rows[0]["id"])
        await PostAudience.insert(
            *[PostAudience(post=post_id, key=key, published_at=published) for key in dict.fromkeys(audience)]
        ).run()
        made = await attachments_service.attach(post_id, attachments, uploader_id=author_id)
        if made:
            # Its text may show its own images, which have URLs only now.
            await Post.update({
                Post.body_html: str(mentions.render_text(body, attachments_service.image_refs(post_id, made)))
            }).where(Post.id == post_id).run()
        if live:
            await _index([post_id])
        details: dict[str, Any] = {"audience": list(dict.fromkeys(audience)), "important": important,
                                   "files": len(made)}
        if via:
            details["via"] = via
        await record("feed.post_create", actor_id=author_id, target_type="post", target_id=post_id,
                     details=details, ip=ip)
    if live and announce:
        await went_live(intranet, post_id)
    return post_id


async def publish_due(intranet: Any) -> list[int]:
    """Carry out the publication of scheduled posts whose time has come.

    Each due post is claimed by one caller (an UPDATE that only succeeds on
    unclaimed posts), indexed for search in the same transaction, and then
    announced; safe to run in several processes at once.
    """
    due = (Post.announced_at.is_null()) & (Post.published_at <= now()) & Post.deleted_at.is_null()
    if not await Post.exists().where(due).run():
        return []
    async with intranet.db.transaction(write=True):
        rows = await Post.update({Post.announced_at: now()}).where(
            Post.announced_at.is_null() & (Post.published_at <= now()) & Post.deleted_at.is_null()
        ).returning(Post.id).run()
        post_ids = sorted(int(row["id"]) for row in rows)
        await _index(post_ids)
    for post_id in post_ids:
        await went_live(intranet, post_id)
    return post_ids


async def went_live(intranet: Any, post_id: int) -> None:
    """A post was published (and committed): tell plugins (``post_published``), then the people concerned."""
    try:
        await gather(intranet.hook.post_published(app=intranet, post_id=post_id, audience=await audience_of(post_id)))
    except Exception as exc:  # the post is published; a plugin's failure must not undo that
        log.error("post_published failed for post %s: %s", post_id, type(exc).__name__)
    await announce_post(intranet, post_id)


def post_label(row: dict[str, Any]) -> str:
    """A post's title, or the start of its text when it has none."""
    return str(row.get("title") or plain_text(row.get("body") or "", 80))


async def notify_mentions(
    intranet: Any, *, post_id: int, people: list[int], actor_id: int | None, title: notifications.Message,
    text: str, url: str,
    keys: list[str] | None = None,
) -> None:
    """Notify the mentioned people who are in the post's audience (decided in SQL)."""
    if not people:
        return
    keys = await audience_of(post_id) if keys is None else keys
    allowed = await audience_member_ids(intranet, keys, among=people)
    recipients = [person for person in people if person in allowed and person != actor_id]
    if recipients:
        await notifications.notify(intranet, recipients=recipients, kind="feed.mention", title=title, url=url,
                                   text=text, actor_id=actor_id)


async def announce_post(intranet: Any, post_id: int, *, already_mentioned: list[int] | None = None,
                        editor_id: int | None = None) -> None:
    """Notify who a newly published (or edited) post concerns; call after commit.

    Everyone in the audience of an important post (``feed.important``) and
    the people it mentions who may see it (``feed.mention``); with
    ``already_mentioned`` (an edit, by ``editor_id``) only newly mentioned
    people, and no second important notice.
    """
    row = await Post.select(Post.id, Post.title, Post.body, Post.important, Post.author, Post.author.name).where(
        Post.id == post_id
    ).first().run()
    if row is None:
        return
    keys = await audience_of(post_id)
    label = post_label(row)
    text = plain_text(row["body"], 300)
    author = row["author.name"] or ""
    actor_id = row["author"]
    url = f"/posts/{post_id}"
    try:
        if editor_id is not None and editor_id != actor_id:
            editor = await Person.select(Person.name).where(Person.id == editor_id).first().run()
            author, actor_id = (editor["name"] if editor else ""), editor_id
        if row["important"] and already_mentioned is None:
            members = await audience_member_ids(intranet, keys)
            members.discard(row["author"])
            if members:
                await notifications.notify(
                    intranet, recipients=sorted(members), kind="feed.important",
                    title=lambda: _("Important: %(post)s") % {"post": label},
                    url=url, text=text, actor_id=row["author"],
                )
        people = [p for p in mentions.mentioned_ids(row["body"]) if p not in (already_mentioned or [])]
        await notify_mentions(
            intranet, post_id=post_id, people=people, actor_id=actor_id, keys=keys, url=url, text=text,
            title=lambda: _("%(name)s mentioned you: %(post)s") % {"name": author, "post": label},
        )
    except Exception as exc:  # the post is published; a failed notice must not undo that
        log.error("post %s could not be announced: %s", post_id, type(exc).__name__)


class PostGone(LookupError):
    """The post does not exist, or is deleted (or, for a restore, is not deleted or too old)."""


async def edit_post(intranet: Any, post_id: int, *, editor_id: int, title: str, body: str, ip: str = "",
                    add: Sequence[NewAttachment] = (), remove: Sequence[int] = ()) -> None:
    """Change a post's title and text, marking it edited; newly mentioned people are notified.

    ``add`` attaches new images and files, ``remove`` takes uploads (by id)
    off the post, in the same transaction.
    """
    body, _mentioned = await mentions.resolve(body, editor_id)
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Post.select(Post.body, Post.author, Post.announced_at).where(
                (Post.id == post_id) & Post.deleted_at.is_null()
            )
        ).first().run()
        if current is None:
            raise PostGone(post_id)
        removed = await attachments_service.detach(post_id, remove)
        await attachments_service.attach(post_id, add, uploader_id=editor_id)
        images = (await attachments_service.images_for_text([post_id])).get(post_id)
        await Post.update({
            Post.title: title, Post.body: body, Post.body_html: str(mentions.render_text(body, images)),
            Post.edited_at: now(),
        }).where(Post.id == post_id).run()
        if current["announced_at"] is not None:
            await _index([post_id])
        await record("feed.post_edit", actor_id=editor_id, target_type="post", target_id=post_id,
                     details={"author": current["author"]}, ip=ip)
    await remove_files_if_unused(intranet, removed)
    if current["announced_at"] is not None:
        await announce_post(intranet, post_id, already_mentioned=mentions.mentioned_ids(current["body"]),
                            editor_id=editor_id)


async def add_attachments(intranet: Any, post_id: int, add: Sequence[NewAttachment], *, editor_id: int,
                          ip: str = "", via: str = "") -> list[attachments_service.Attachment]:
    """Attach checked files to a post, after those it has, marking it edited (one transaction, audited).

    Its text is left as it is. Returns what was attached.

    :raises PostGone: the post does not exist, or is deleted.
    """
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(
            Post.select(Post.author).where((Post.id == post_id) & Post.deleted_at.is_null())
        ).first().run()
        if current is None:
            raise PostGone(post_id)
        made = await attachments_service.attach(post_id, add, uploader_id=editor_id)
        await Post.update({Post.edited_at: now()}).where(Post.id == post_id).run()
        details: dict[str, Any] = {"author": current["author"], "files": len(made)}
        if via:
            details["via"] = via
        await record("feed.post_edit", actor_id=editor_id, target_type="post", target_id=post_id, details=details,
                     ip=ip)
    return made


async def delete_post(intranet: Any, post_id: int, *, actor_id: int, ip: str = "") -> None:
    """Hide a post everywhere (soft: an administrator can restore it for a while)."""
    async with intranet.db.transaction(write=True):
        rows = await Post.update({Post.deleted_at: now(), Post.deleted_by: actor_id}).where(
            (Post.id == post_id) & Post.deleted_at.is_null()
        ).returning(Post.author).run()
        if not rows:
            raise PostGone(post_id)
        await search.remove_document(kind=SEARCH_KIND, ref_id=post_id)
        await record("feed.post_delete", actor_id=actor_id, target_type="post", target_id=post_id,
                     details={"author": rows[0]["author"]}, ip=ip)


def restore_cutoff(intranet: Any) -> datetime.datetime:
    """Posts deleted before this moment can no longer be restored."""
    return now() - datetime.timedelta(days=intranet.settings.feed.restore_days)


async def restore_post(intranet: Any, post_id: int, *, actor_id: int, ip: str = "") -> None:
    """Bring back a post deleted within ``[feed] restore_days``."""
    if not valid_id(post_id):
        raise PostGone(post_id)
    async with intranet.db.transaction(write=True):
        rows = await Post.update({Post.deleted_at: None, Post.deleted_by: None}).where(
            (Post.id == post_id) & Post.deleted_at.is_not_null() & (Post.deleted_at >= restore_cutoff(intranet))
        ).returning(Post.author, Post.announced_at).run()
        if not rows:
            raise PostGone(post_id)
        if rows[0]["announced_at"] is not None:
            await _index([post_id])
        await record("feed.post_restore", actor_id=actor_id, target_type="post", target_id=post_id,
                     details={"author": rows[0]["author"]}, ip=ip)


async def deleted_posts(intranet: Any, *, before: Cursor | None = None,
                        limit: int = DELETED_PAGE_SIZE) -> list[dict[str, Any]]:
    """Posts that can still be restored, most recently deleted first (keyset pages)."""
    condition = Post.deleted_at.is_not_null() & (Post.deleted_at >= restore_cutoff(intranet))
    if before is not None:
        condition = condition & (
            (Post.deleted_at < before.published_at)
            | ((Post.deleted_at == before.published_at) & (Post.id < before.post_id))
        )
    rows = await Post.select(
        Post.id, Post.title, Post.body, Post.author, Post.author.name, Post.published_at, Post.deleted_at,
        Post.deleted_by,
    ).where(condition).order_by(Post.deleted_at, ascending=False).order_by(Post.id, ascending=False).limit(
        limit
    ).run()
    deleters = {int(r["deleted_by"]) for r in rows if r["deleted_by"] is not None}
    names: dict[int, str] = {}
    if deleters:
        names = {int(p["id"]): p["name"] for p in
                 await Person.select(Person.id, Person.name).where(Person.id.is_in(sorted(deleters))).run()}
    return [{**r, "label": post_label(r), "deleted_by_name": names.get(r["deleted_by"] or 0, "")} for r in rows]


async def acknowledge(intranet: Any, post_id: int, person_id: int) -> None:
    await Acknowledgement.insert(Acknowledgement(post=post_id, person=person_id, at=now())).on_conflict(
        action="DO NOTHING"
    ).run()


async def mark_seen(post_ids: list[int], person_id: int, *, seen: set[int] | None = None) -> None:
    """Record that the person has seen these posts (for the reach page).

    Looks first and writes only what is new: a returning reader's feed page
    then costs one indexed read instead of a write transaction per view.
    ``seen``: those of ``post_ids`` already known to be recorded (from
    :func:`acknowledged_and_seen`), saving the look.
    """
    if not post_ids:
        return
    if seen is None:
        rows = await PostSeen.select(PostSeen.post).where(
            (PostSeen.person == person_id) & PostSeen.post.is_in(post_ids)
        ).run()
        seen = {int(r["post"]) for r in rows}
    new = sorted(set(post_ids) - seen)
    if new:
        # Another tab may have written the same rows meanwhile: the unique index decides.
        await PostSeen.insert(*[PostSeen(post=p, person=person_id, at=now()) for p in new]).on_conflict(
            action="DO NOTHING"
        ).run()


async def acknowledged_by(person_id: int, post_ids: list[int]) -> set[int]:
    if not post_ids:
        return set()
    rows = await Acknowledgement.select(Acknowledgement.post).where(
        (Acknowledgement.person == person_id) & Acknowledgement.post.is_in(post_ids)
    ).run()
    return {int(r["post"]) for r in rows}


async def acknowledged_and_seen(person_id: int, post_ids: list[int]) -> tuple[set[int], set[int]]:
    """Which of ``post_ids`` the person has acknowledged, and which they have seen: one query."""
    if not post_ids:
        return set(), set()
    marks = ", ".join("{}" for _ in post_ids)
    rows = await PostSeen.raw(  # only placeholders are joined into the SQL; the ids are parameters
        f"SELECT post, 1 AS acknowledged FROM post_acknowledgement WHERE person = {{}} AND post IN ({marks}) "  # noqa: S608
        f"UNION ALL SELECT post, 0 AS acknowledged FROM post_seen WHERE person = {{}} AND post IN ({marks})",
        person_id, *post_ids, person_id, *post_ids,
    ).run()
    acknowledged = {int(r["post"]) for r in rows if r["acknowledged"]}
    seen = {int(r["post"]) for r in rows if not r["acknowledged"]}
    return acknowledged, seen


async def audience_of(post_id: int) -> list[str]:
    rows = await PostAudience.select(PostAudience.key).where(PostAudience.post == post_id).run()
    return [r["key"] for r in rows]


async def audience_member_ids(intranet: Any, keys: list[str], among: list[int] | None = None) -> set[int]:
    """The active people in any of ``keys``, found in SQL.

    Everyone for ``all``; the members of each unit's branch for
    ``unit:<id>`` (one query for all units); and, for plugin keys, what the
    ``audience_members`` hook answers. With ``among``, only those people are
    considered (is this mentioned person in the audience?).
    """
    if among is not None and not among:
        return set()
    if "all" in keys:
        query = Person.select(Person.id).where(Person.active == True)  # noqa: E712 - SQL
        if among is not None:
            query = query.where(Person.id.is_in(sorted(set(among))))
        return {int(r["id"]) for r in await query.run()}
    people: set[int] = set()
    unit_ids = sorted({u for u in (unit_id_of(k) for k in keys) if u is not None})
    if unit_ids:
        paths = await Unit.select(Unit.path).where(Unit.id.is_in(unit_ids)).run()
        if paths:
            branch: Any = None
            for path in paths:
                part = Membership.unit.path.like(f"{path['path']}%")
                branch = part if branch is None else branch | part
            query = Membership.select(Membership.person).where(
                branch & (Membership.person.active == True)  # noqa: E712 - SQL
            )
            if among is not None:
                query = query.where(Membership.person.is_in(sorted(set(among))))
            people.update(int(r["person"]) for r in await query.run())
    if keys:
        # gather() flattens the plugins' lists into one.
        people.update(int(m) for m in await gather(intranet.hook.audience_members(app=intranet, keys=keys)))
    if among is not None:
        people &= set(among)
    return people


async def audience_size(intranet: Any, keys: list[str]) -> int:
    """How many active people are in any of the audience keys (for reach)."""
    if "all" in keys:
        return int(await Person.count().where(Person.active == True).run())  # noqa: E712 - SQL
    return len(await audience_member_ids(intranet, keys))


async def reach(intranet: Any, post_id: int) -> dict[str, int]:
    keys = await audience_of(post_id)
    seen = await PostSeen.count().where(PostSeen.post == post_id).run()
    acknowledged = await Acknowledgement.count().where(Acknowledgement.post == post_id).run()
    return {"seen": int(seen), "acknowledged": int(acknowledged), "audience": await audience_size(intranet, keys)}


def audience_json(keys: list[str]) -> str:
    return json.dumps(keys)


async def forget_mentions(person_id: int, replacement: str) -> int:
    """Turn every mention of a person into plain text (``@replacement``), in posts and comments.

    For erasing a person who has left: their name and id leave the stored
    text and HTML of other people's posts and comments (and the search
    index). Runs in the caller's transaction; returns how many texts changed.
    """
    from intranet_core.feed.tables import PostComment

    marker = f"%](mention:{int(person_id)})%"
    changed = 0
    posts = await Post.select(Post.id, Post.body, Post.announced_at, Post.deleted_at).where(
        Post.body.like(marker)
    ).run()
    images = await attachments_service.images_for_text([int(row["id"]) for row in posts])
    for row in posts:
        body = mentions.without_person(row["body"], person_id, replacement)
        if body != row["body"]:
            html = mentions.render_text(body, images.get(int(row["id"])))
            await Post.update({Post.body: body, Post.body_html: str(html)}).where(
                Post.id == row["id"]
            ).run()
            if row["announced_at"] is not None and row["deleted_at"] is None:
                await _index([int(row["id"])])
            changed += 1
    for row in await PostComment.select(PostComment.id, PostComment.body).where(
        PostComment.body.like(marker)
    ).run():
        body = mentions.without_person(row["body"], person_id, replacement)
        if body != row["body"]:
            await PostComment.update({
                PostComment.body: body, PostComment.body_html: str(mentions.render_text(body)),
            }).where(PostComment.id == row["id"]).run()
            changed += 1
    return changed
