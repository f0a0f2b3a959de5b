"""Groups as audiences of the core feed, and the notices a new group post brings.

A group post is an ordinary feed post addressed to ``group:<id>``: members
(explicit or through a unit) and followers of an open group hold that key,
so the post is in their main feed, on its permalink and in their search,
with the core's comments, reactions, acknowledgements and mentions. A
person who muted the group keeps reading it on the group's page; only the
main feed leaves it out (the core's ``muted_audience_keys`` hook).
"""

from __future__ import annotations

import logging
from typing import Any

from intranet_core.contributions import AudienceChoice
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_workgroups.groups import service

log = logging.getLogger("intranet.workgroups")


async def user_audience_keys(user: PersonInfo) -> list[str]:
    return await service.audience_keys_of(user.id)


async def muted_audience_keys(user: PersonInfo) -> list[str]:
    return await service.muted_keys_of(user.id)


async def publishable_audiences(user: PersonInfo) -> list[AudienceChoice]:
    """Every group the person is a member of (followers read, members write)."""
    rows = await service.my_groups(await service.member_viewer(user.id))
    # "Group: ..." because a local group is often named like its unit, which is a choice too.
    return [AudienceChoice(key=service.audience_key(int(row["id"])), label=_("Group: %(name)s") % {"name": row["name"]},
                           order=20) for row in rows]


async def audience_members(keys: list[str]) -> list[int]:
    group_ids = sorted({gid for gid in (service.group_id_of(key) for key in keys) if gid is not None})
    if not group_ids:
        return []
    people = await service.member_ids(group_ids)
    people |= await service.follower_ids(group_ids)
    return sorted(people)


async def post_published(intranet: Any, post_id: int, audience: list[str]) -> None:
    """Tell the members of each group a post went to (not those who muted it, nor the author)."""
    from intranet_core.feed.service import post_label
    from intranet_core.feed.tables import Post
    from intranet_core.i18n import gettext as _
    from intranet_core.markup import plain_text
    from intranet_core.notifications.service import notify
    from intranet_workgroups.groups.tables import Group

    group_ids = sorted({gid for gid in (service.group_id_of(key) for key in audience) if gid is not None})
    if not group_ids:
        return
    try:
        post = await Post.select(Post.title, Post.body, Post.author, Post.author.name).where(
            Post.id == post_id
        ).first().run()
        if post is None:
            return
        groups = await Group.select(Group.id, Group.name).where(Group.id.is_in(group_ids)).order_by(Group.id).run()
        told: set[int] = set()
        for group in groups:
            recipients = await service.member_ids([int(group["id"])], exclude_muted=True)
            recipients -= told
            recipients.discard(post["author"])
            if not recipients:
                continue
            told |= recipients
            values = {"name": post["author.name"] or "", "group": group["name"], "post": post_label(post)}

            def title(values: dict[str, str] = values) -> str:
                return _("%(name)s in %(group)s: %(post)s") % values

            await notify(
                intranet, recipients=sorted(recipients), kind="workgroups.post",
                title=title,
                url=f"/posts/{post_id}", text=plain_text(post["body"], 300), actor_id=post["author"],
            )
    except Exception as exc:  # the post is published; a failed notice must not undo that
        log.error("group post %s could not be announced: %s", post_id, type(exc).__name__)
