"""Hooks this plugin offers to other plugins (declared through ``register_hookspecs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from intranet_core import hookspec

# mypy: disable-error-code="empty-body"

if TYPE_CHECKING:
    from litestar import Request

    from intranet_core.app import Intranet
    from intranet_core.people.models import PersonInfo
    from intranet_workgroups.contributions import GroupDocumentSection, GroupInfo


@hookspec
def group_document_sources(
    app: Intranet, request: Request[Any, Any, Any], user: PersonInfo, group: GroupInfo
) -> list[GroupDocumentSection]:
    """Attach lists of external documents (an ESDH case, a file share) to a group's page.

    :param request: the request being served.
    :param user: the signed-in person reading the group; they may read its
        content (a member, or anyone for an open group). Show only documents
        ``user`` may read in the other system.
    :param group: the :class:`intranet_workgroups.contributions.GroupInfo`.
    :returns: a list of :class:`intranet_workgroups.contributions.GroupDocumentSection`,
        shown sorted by ``order`` below the group's pages. May be async.
    Called each time a group's page is rendered; an exception is logged and
    the page is shown without the sections. Mark the implementation
    ``@hookimpl(optionalhook=True)`` so that it loads without this plugin.
    """
