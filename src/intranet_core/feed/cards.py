"""Post cards: a post as a reader sees it in a list (the feed, a card added live, a workgroup's page).

A page builds the cards with :func:`post_cards` (a fixed number of queries
for any number of posts) and shows each with ``{% include "feed/_post.html" %}``
as ``post``; the partial also wants ``pinned`` (the ids shown as pinned),
``here`` (the page a reaction sends the reader back to) and ``viewer_id``,
which :func:`card_context` gives.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from litestar import Request

from intranet_core import embeds
from intranet_core.feed import attachments, conversation, files, service


async def post_cards(request: Request[Any, Any, Any], posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The posts (rows of ``service.posts_by_ids``) with what the reader needs on a card.

    Acknowledged or not, comment count, reactions (and the reader's own),
    images and files, embeds rendered for this reader. Also counts the
    published ones as seen by the reader, as showing them means.
    """
    user = request.user
    ids = [p["id"] for p in posts]
    acknowledged, seen = await service.acknowledged_and_seen(user.id, ids)
    await service.mark_seen([p["id"] for p in posts if p["published_at"] <= service.now()], user.id, seen=seen)
    comments, reactions = await conversation.comment_and_reaction_counts(ids, user.id)
    attached = await attachments.attachments_of(ids)
    image_types = request.app.state.intranet.settings.uploads.image_types
    # Every embed on the page in one hook call, rendered for this reader.
    rendered = await embeds.for_texts(request, [str(p["body_html"] or "") for p in posts])
    views = []
    for p in posts:
        images, listed = files.split(attached.get(p["id"], []), image_types, str(p["body_html"] or ""))
        views.append(
            {**p, "acknowledged": p["id"] in acknowledged, "comment_count": comments.get(p["id"], 0),
             "reactions": conversation.reaction_view(reactions.get(p["id"], {})),
             "scheduled": p["published_at"] > service.now(), "images": images, "files": listed,
             "embeds": rendered}
        )
    return views


def here(request: Request[Any, Any, Any]) -> str:
    """This page's path and query: where a reaction form sends the reader back to."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def card_context(request: Request[Any, Any, Any], *, pinned: Collection[int] = (), back: str | None = None
                 ) -> dict[str, Any]:
    """What ``feed/_post.html`` needs besides the card: ``back`` overrides where reactions lead (this page)."""
    return {"pinned": set(pinned), "here": here(request) if back is None else back, "viewer_id": request.user.id}
