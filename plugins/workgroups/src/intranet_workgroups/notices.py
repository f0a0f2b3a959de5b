"""Notices of this plugin, through the core's notification service (after the change has committed).

Titles are written in the site's language: the people they are for are not
the person whose request caused them. They hold only names a recipient may
know already (the group's, the person's).
"""

from __future__ import annotations

from typing import Any

from intranet_core.contributions import NotificationKind
from intranet_core.i18n import gettext as _
from intranet_core.notifications.service import notify
from intranet_core.people.models import PersonInfo
from intranet_workgroups.groups import service

POST = "workgroups.post"
JOIN_REQUEST = "workgroups.join_request"
APPROVED = "workgroups.join_approved"
ADDED = "workgroups.added"


def kinds() -> list[NotificationKind]:
    return [
        NotificationKind(name=POST, label=_("New posts in my groups"), default_delivery="daily", order=40),
        NotificationKind(name=JOIN_REQUEST, label=_("Someone asks to join a group I run"),
                         default_delivery="immediately", order=41),
        NotificationKind(name=APPROVED, label=_("My request to join a group is approved"),
                         default_delivery="immediately", order=42),
        NotificationKind(name=ADDED, label=_("I am added to a group"), default_delivery="immediately", order=43),
    ]


async def join_requested(intranet: Any, group: dict[str, Any], person: PersonInfo) -> None:
    admins = await service.admin_ids(int(group["id"]))
    values = {"name": person.name, "group": group["name"]}
    await notify(
        intranet, recipients=admins, kind=JOIN_REQUEST, url=f"/groups/{int(group['id'])}/members",
        title=lambda: _("%(name)s asks to join %(group)s") % values,
        actor_id=person.id,
    )


async def approved(intranet: Any, group: dict[str, Any], person_id: int, actor_id: int) -> None:
    values = {"group": group["name"]}
    await notify(
        intranet, recipients=[person_id], kind=APPROVED, url=f"/groups/{int(group['id'])}",
        title=lambda: _("You are now a member of %(group)s") % values,
        actor_id=actor_id,
    )


async def added(intranet: Any, group: dict[str, Any], person_id: int, actor_id: int) -> None:
    values = {"group": group["name"]}
    await notify(
        intranet, recipients=[person_id], kind=ADDED, url=f"/groups/{int(group['id'])}",
        title=lambda: _("You were added to %(group)s") % values,
        actor_id=actor_id,
    )
