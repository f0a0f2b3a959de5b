"""Comments and reactions on posts.

Whoever may read a post may read its comments and reactions, comment and
react; the routes check that first. A feed page asks for the comment counts
and reaction counts of all its posts in one query each, whatever its size.
"""

from __future__ import annotations

from typing import Any

from piccolo.query.functions.aggregate import Count

from intranet_core.audit.service import record
from intranet_core.feed import mentions, service
from intranet_core.feed.service import notify_mentions, now, post_label
from intranet_core.feed.tables import PostComment, PostReaction
from intranet_core.i18n import gettext as _
from intranet_core.markup import plain_text

MAX_COMMENTS = 500
"""A permalink shows at most this many comments (the newest)."""
MAX_COMMENT_LENGTH = 10_000
MAX_REACTORS = 1000

REACTIONS = service.REACTIONS


def reaction_labels() -> dict[str, str]:
    """Each reaction's name in the reader's language (for screen readers and tooltips)."""
    return {
        "like": _("Like"),
        "heart": _("Love"),
        "celebrate": _("Celebrate"),
        "thanks": _("Thanks"),
        "insightful": _("Insightful"),
    }


# --- comments ----------------------------------------------------------------------


COMMENT_COLUMNS = (
    PostComment.id, PostComment.post, PostComment.author, PostComment.author.name, PostComment.body,
    PostComment.body_html, PostComment.created_at, PostComment.edited_at,
)


async def comments_of(post_id: int, limit: int = MAX_COMMENTS) -> list[dict[str, Any]]:
    """A post's comments, newest last (the newest ``limit`` of them)."""
    rows = await PostComment.select(*COMMENT_COLUMNS).where(
        (PostComment.post == post_id) & PostComment.deleted_at.is_null()
    ).order_by(PostComment.created_at, ascending=False).order_by(PostComment.id, ascending=False).limit(
        limit
    ).run()
    return list(reversed(rows))


async def comment_counts(post_ids: list[int]) -> dict[int, int]:
    """How many comments each post has: one query for a whole page."""
    if not post_ids:
        return {}
    rows = await PostComment.select(PostComment.post, Count(alias="count")).where(
        PostComment.post.is_in(post_ids) & PostComment.deleted_at.is_null()
    ).group_by(PostComment.post).run()
    return {int(r["post"]): int(r["count"]) for r in rows}


async def get_comment(post_id: int, comment_id: int) -> dict[str, Any] | None:
    if not (service.valid_id(post_id) and service.valid_id(comment_id)):
        return None
    return await PostComment.select(*COMMENT_COLUMNS).where(
        (PostComment.id == comment_id) & (PostComment.post == post_id) & PostComment.deleted_at.is_null()
    ).first().run()


async def _notify_comment_mentions(
    intranet: Any, post: dict[str, Any], comment_id: int, body: str, people: list[int], actor_id: int,
    actor_name: str,
) -> None:
    label = post_label(post)
    await notify_mentions(
        intranet, post_id=int(post["id"]), people=people, actor_id=actor_id,
        url=f"/posts/{int(post['id'])}#comment-{comment_id}", text=plain_text(body, 300),
        title=lambda: _("%(name)s mentioned you in a comment on %(post)s") % {"name": actor_name, "post": label},
    )


async def add_comment(intranet: Any, post: dict[str, Any], *, author_id: int, author_name: str,
                      body: str) -> int:
    """Comment on a post the author may read; the people mentioned who may see the post are notified."""
    body, mentioned = await mentions.resolve(body, author_id)
    async with intranet.db.transaction(write=True):
        rows = await PostComment.insert(
            PostComment(post=post["id"], author=author_id, body=body, body_html=str(mentions.render_text(body)),
                        created_at=now())
        ).returning(PostComment.id).run()
        comment_id = int(rows[0]["id"])
    await _notify_comment_mentions(intranet, post, comment_id, body, mentioned, author_id, author_name)
    return comment_id


async def edit_comment(intranet: Any, post: dict[str, Any], comment: dict[str, Any], *, editor_id: int,
                       editor_name: str, body: str, ip: str = "") -> None:
    """Change a comment's text, marking it edited; newly mentioned people are notified."""
    body, mentioned = await mentions.resolve(body, editor_id)
    before = mentions.mentioned_ids(comment["body"])
    async with intranet.db.transaction(write=True):
        await PostComment.update({
            PostComment.body: body, PostComment.body_html: str(mentions.render_text(body)),
            PostComment.edited_at: now(),
        }).where((PostComment.id == comment["id"]) & PostComment.deleted_at.is_null()).run()
        await record("feed.comment_edit", actor_id=editor_id, target_type="post_comment", target_id=comment["id"],
                     details={"post": post["id"], "author": comment["author"]}, ip=ip)
    await _notify_comment_mentions(intranet, post, int(comment["id"]), body,
                                   [p for p in mentioned if p not in before], editor_id, editor_name)


async def delete_comment(intranet: Any, post: dict[str, Any], comment: dict[str, Any], *, actor_id: int,
                         ip: str = "") -> None:
    """Hide a comment (soft: the row stays, with who deleted it and when)."""
    async with intranet.db.transaction(write=True):
        await PostComment.update({PostComment.deleted_at: now(), PostComment.deleted_by: actor_id}).where(
            (PostComment.id == comment["id"]) & PostComment.deleted_at.is_null()
        ).run()
        await record("feed.comment_delete", actor_id=actor_id, target_type="post_comment",
                     target_id=comment["id"], details={"post": post["id"], "author": comment["author"]}, ip=ip)


# --- reactions ---------------------------------------------------------------------


async def toggle_reaction(intranet: Any, post_id: int, person_id: int, kind: str) -> bool:
    """Add the reaction, or take it back if it was there; ``True`` when it is there now."""
    if kind not in REACTIONS:
        raise ValueError(kind)
    async with intranet.db.transaction(write=True):
        removed = await PostReaction.delete().where(
            (PostReaction.post == post_id) & (PostReaction.person == person_id) & (PostReaction.kind == kind)
        ).returning(PostReaction.id).run()
        if removed:
            return False
        await PostReaction.insert(PostReaction(post=post_id, person=person_id, kind=kind, at=now())).on_conflict(
            action="DO NOTHING"
        ).run()
    return True


async def reaction_counts(post_ids: list[int], person_id: int) -> dict[int, dict[str, tuple[int, bool]]]:
    """Per post and kind: how many, and whether ``person_id`` is one of them. One query per page."""
    if not post_ids:
        return {}
    placeholders = ", ".join("{}" for _ in post_ids)
    # Only placeholders are formatted into the SQL; every value is a parameter.
    rows = await PostReaction.raw(
        "SELECT post, kind, COUNT(*) AS count, "  # noqa: S608
        "SUM(CASE WHEN person = {} THEN 1 ELSE 0 END) AS mine "
        f"FROM post_reaction WHERE post IN ({placeholders}) GROUP BY post, kind",
        person_id, *post_ids,
    ).run()
    counts: dict[int, dict[str, tuple[int, bool]]] = {}
    for row in rows:
        counts.setdefault(int(row["post"]), {})[row["kind"]] = (int(row["count"]), bool(row["mine"]))
    return counts


async def comment_and_reaction_counts(
    post_ids: list[int], person_id: int
) -> tuple[dict[int, int], dict[int, dict[str, tuple[int, bool]]]]:
    """:func:`comment_counts` and :func:`reaction_counts` together, in one query for a page."""
    if not post_ids:
        return {}, {}
    placeholders = ", ".join("{}" for _ in post_ids)
    # Only placeholders are formatted into the SQL; every value is a parameter. A comment
    # count is the row whose kind is NULL (no reaction kind is).
    rows = await PostReaction.raw(
        "SELECT post, kind, COUNT(*) AS count, "  # noqa: S608
        "SUM(CASE WHEN person = {} THEN 1 ELSE 0 END) AS mine "
        f"FROM post_reaction WHERE post IN ({placeholders}) GROUP BY post, kind "
        "UNION ALL SELECT post, NULL AS kind, COUNT(*) AS count, 0 AS mine "
        f"FROM post_comment WHERE post IN ({placeholders}) AND deleted_at IS NULL GROUP BY post",
        person_id, *post_ids, *post_ids,
    ).run()
    comments: dict[int, int] = {}
    reactions: dict[int, dict[str, tuple[int, bool]]] = {}
    for row in rows:
        if row["kind"] is None:
            comments[int(row["post"])] = int(row["count"])
        else:
            reactions.setdefault(int(row["post"]), {})[row["kind"]] = (int(row["count"]), bool(row["mine"]))
    return comments, reactions


def reaction_view(counts: dict[str, tuple[int, bool]]) -> list[dict[str, Any]]:
    """Every reaction of the fixed set, with its count and whether I gave it, for a template."""
    labels = reaction_labels()
    return [
        {"kind": kind, "emoji": emoji, "label": labels[kind], "count": counts.get(kind, (0, False))[0],
         "mine": counts.get(kind, (0, False))[1]}
        for kind, emoji in REACTIONS.items()
    ]


async def reactors(post_id: int) -> dict[str, list[str]]:
    """Who gave each reaction (names, oldest first)."""
    rows = await PostReaction.select(PostReaction.kind, PostReaction.person.name).where(
        PostReaction.post == post_id
    ).order_by(PostReaction.at).order_by(PostReaction.id).limit(MAX_REACTORS).run()
    people: dict[str, list[str]] = {}
    for row in rows:
        people.setdefault(row["kind"], []).append(row["person.name"])
    return people
