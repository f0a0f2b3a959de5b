"""Posts and who may see them.

Visibility is decided in the query: a person sees a post when one of the
post's audience keys is one of theirs. A person's keys are ``all``,
``unit:<id>`` for every unit they belong to and every unit above it (a post
to a district reaches its teams), and whatever plugins add through the
``user_audience_keys`` hook (``group:<id>``).

A feed page is one query per key, each reading at most a page from the
``(key, published_at, post)`` index, merged in SQL: its cost does not grow
with the number of posts.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from intranet_core.feed.tables import Acknowledgement, Post, PostAudience, PostSeen
from intranet_core.markup import render
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.service import ancestor_ids
from intranet_core.plugins import gather

PAGE_SIZE = 20
MAX_KEYS = 200


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def unit_keys(person_id: int) -> list[str]:
    """``unit:<id>`` for each unit the person belongs to and every unit above it."""
    rows = await Membership.select(Membership.unit.path).where(Membership.person == person_id).run()
    ids = sorted({uid for row in rows for uid in ancestor_ids(row["unit.path"] or "/")})
    return [f"unit:{uid}" for uid in ids]


async def audience_keys(intranet: Any, user: PersonInfo | None) -> list[str]:
    """Every audience key the person belongs to (none when signed out)."""
    if user is None:
        return []
    keys = ["all", *await unit_keys(user.id)]
    for key in await gather(intranet.hook.user_audience_keys(app=intranet, user=user)):
        if key not in keys:
            keys.append(str(key))
    return keys[:MAX_KEYS]


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
            return cls(moment, int(post_id))
        except ValueError:
            return None


async def visible_post_ids(keys: list[str], *, before: Cursor | None, limit: int = PAGE_SIZE) -> list[int]:
    """The newest visible, published post ids before the cursor: one union query."""
    if not keys:
        return []
    cursor = before or Cursor(now(), 2**62)
    parts: list[str] = []
    args: list[Any] = []
    # Only placeholders are formatted into the SQL; every value is a parameter.
    for index, key in enumerate(keys):
        parts.append(
            "SELECT * FROM (SELECT post, published_at FROM post_audience WHERE key = {} "  # noqa: S608
            "AND (published_at < {} OR (published_at = {} AND post < {})) "
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


POST_COLUMNS = (
    Post.id, Post.title, Post.body, Post.body_html, Post.important, Post.pinned_until, Post.published_at,
    Post.expires_at, Post.edited_at, Post.author, Post.author.name, Post.author.title,
)


async def posts_by_ids(ids: list[int]) -> list[dict[str, Any]]:
    """Posts with their author, in the order of ``ids`` (one query)."""
    if not ids:
        return []
    rows = await Post.select(*POST_COLUMNS).where(Post.id.is_in(ids)).run()
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids if i in by_id]


async def pinned_ids(keys: list[str]) -> list[int]:
    """Pinned posts the person may see, newest first."""
    if not keys:
        return []
    rows = await Post.select(Post.id).where(
        (Post.pinned_until > now())
        & Post.deleted_at.is_null()
        & (Post.published_at <= now())
        & Post.id.is_in(PostAudience.select(PostAudience.post).where(PostAudience.key.is_in(keys)))
    ).order_by(Post.published_at, ascending=False).limit(5).run()
    return [int(r["id"]) for r in rows]


async def visible_post(post_id: int, keys: list[str]) -> dict[str, Any] | None:
    """One post if the person may see it (else ``None``: the page answers 404)."""
    if not keys:
        return None
    row = await Post.select(*POST_COLUMNS).where(
        (Post.id == post_id)
        & Post.deleted_at.is_null()
        & (Post.published_at <= now())
        & Post.id.is_in(PostAudience.select(PostAudience.post).where(PostAudience.key.is_in(keys)))
    ).first().run()
    if row and row["expires_at"] is not None and row["expires_at"] <= now():
        return None
    return row


async def create_post(
    intranet: Any, *, author_id: int, title: str, body: str, audience: list[str], important: bool = False,
    pinned_until: datetime.datetime | None = None, published_at: datetime.datetime | None = None,
    expires_at: datetime.datetime | None = None,
) -> int:
    published = published_at or now()
    async with intranet.db.transaction(write=True):
        rows = await Post.insert(
            Post(
                author=author_id, title=title, body=body, body_html=str(render(body)), important=important,
                pinned_until=pinned_until, published_at=published, expires_at=expires_at, created_at=now(),
            )
        ).returning(Post.id).run()
        post_id = int(rows[0]["id"])
        await PostAudience.insert(
            *[PostAudience(post=post_id, key=key, published_at=published) for key in dict.fromkeys(audience)]
        ).run()
    return post_id


async def acknowledge(intranet: Any, post_id: int, person_id: int) -> None:
    await Acknowledgement.insert(Acknowledgement(post=post_id, person=person_id, at=now())).on_conflict(
        action="DO NOTHING"
    ).run()


async def mark_seen(post_ids: list[int], person_id: int) -> None:
    if post_ids:
        await PostSeen.insert(*[PostSeen(post=p, person=person_id, at=now()) for p in post_ids]).on_conflict(
            action="DO NOTHING"
        ).run()


async def acknowledged_by(person_id: int, post_ids: list[int]) -> set[int]:
    if not post_ids:
        return set()
    rows = await Acknowledgement.select(Acknowledgement.post).where(
        (Acknowledgement.person == person_id) & Acknowledgement.post.is_in(post_ids)
    ).run()
    return {int(r["post"]) for r in rows}


async def audience_of(post_id: int) -> list[str]:
    rows = await PostAudience.select(PostAudience.key).where(PostAudience.post == post_id).run()
    return [r["key"] for r in rows]


async def audience_size(intranet: Any, keys: list[str]) -> int:
    """How many active people are in any of the audience keys (for reach)."""
    people: set[int] = set()
    if "all" in keys:
        return int(await Person.count().where(Person.active == True).run())  # noqa: E712 - SQL
    unit_ids = [int(k.split(":", 1)[1]) for k in keys if k.startswith("unit:")]
    if unit_ids:
        paths = await Unit.select(Unit.path).where(Unit.id.is_in(unit_ids)).run()
        for path in paths:
            rows = await Membership.select(Membership.person).where(
                Membership.unit.path.like(f"{path['path']}%") & (Membership.person.active == True)  # noqa: E712
            ).run()
            people.update(int(r["person"]) for r in rows)
    for members in await gather(intranet.hook.audience_members(app=intranet, keys=keys)):
        people.update(int(m) for m in members)
    return len(people)


async def reach(intranet: Any, post_id: int) -> dict[str, int]:
    keys = await audience_of(post_id)
    seen = await PostSeen.count().where(PostSeen.post == post_id).run()
    acknowledged = await Acknowledgement.count().where(Acknowledgement.post == post_id).run()
    return {"seen": int(seen), "acknowledged": int(acknowledged), "audience": await audience_size(intranet, keys)}


def audience_json(keys: list[str]) -> str:
    return json.dumps(keys)
