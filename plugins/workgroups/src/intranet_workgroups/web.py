"""What every group route shares: finding the group as the reader may see it, forms, messages.

The rule for answers: a group the reader may not know exists is 404, and
so is anything inside a group whose content they may not read (a closed or
secret group they are not in): they may not know that page or file exists.
What they may read but not do is 403.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import NotFoundException, PermissionDeniedException

from intranet_core.i18n import gettext as _
from intranet_workgroups.groups import service
from intranet_workgroups.groups.service import Access

NO_STORE = {"Cache-Control": "no-store"}


async def load(request: Request[Any, Any, Any], group_id: int) -> Access:
    """The group as the reader sees it; 404 if they may not know it exists."""
    found = await service.access(await service.viewer_for(request.user), group_id)
    if found is None:
        raise NotFoundException()
    return found


async def readable(request: Request[Any, Any, Any], group_id: int) -> Access:
    """The group if the reader may read what is in it; 404 otherwise."""
    found = await load(request, group_id)
    if not found.can_read:
        raise NotFoundException()
    return found


async def as_member(request: Request[Any, Any, Any], group_id: int) -> Access:
    found = await readable(request, group_id)
    if not found.member and not found.admin:
        raise PermissionDeniedException()
    return found


async def as_admin(request: Request[Any, Any, Any], group_id: int) -> Access:
    found = await readable(request, group_id)
    if not found.admin:
        raise PermissionDeniedException()
    return found


def field(form: Any, name: str) -> str:
    value = form.get(name, "")
    return value.strip() if isinstance(value, str) else ""


def message(code: str) -> str:
    """The reader's words for an error code of the services."""
    messages = {
        "name_missing": _("Give the group a name."),
        "name_long": _("The name can be at most 120 characters."),
        "description_long": _("The description can be at most 2,000 characters."),
        "kind": _("Choose local or topic group."),
        "visibility": _("Choose open, closed or secret."),
        "unit_missing": _("Choose the unit of the local group."),
        "unit_not_allowed": _("You may not create a local group for that unit."),
        "not_allowed": _("You may not create groups of that kind."),
        "gone": _("It is no longer there."),
        "mandatory": _("You are a member through your unit and cannot leave this group."),
        "last_admin": _("A group needs at least one admin: make someone else admin first."),
        "not_open": _("Only open groups can be followed."),
        "no_person": _("No active person has that e-mail address."),
        "already_member": _("That person is already a member."),
        "already_bound": _("The group is already mandatory for that unit."),
        "home_unit": _("A local group always belongs to its own unit."),
        "role": _("Choose admin or member."),
        "title_missing": _("Give the page a title."),
        "title_long": _("The title can be at most 200 characters."),
        "body_long": _("The page can be at most 100,000 characters."),
        "conflict": _("Someone saved the page while you were editing it. Your text is below: "
                      "compare it with the page and save again."),
        "post_empty": _("Write something in the post."),
        "post_long": _("The post can be at most 50,000 characters."),
        "post_title_long": _("The title can be at most 200 characters."),
    }
    return messages.get(code, _("That did not work. Please try again."))


def visibility_label(value: str) -> str:
    return {"open": _("Open"), "closed": _("Closed"), "secret": _("Secret")}.get(value, value)


def kind_label(value: str) -> str:
    return {"local": _("Local group"), "topic": _("Topic group")}.get(value, value)


def int_or_none(value: str) -> int | None:
    value = value.strip()
    if not value.isdigit() or len(value) > 10:
        return None
    number = int(value)
    return number if 0 < number <= service.MAX_ID else None
