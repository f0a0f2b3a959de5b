"""Groups, who is in them, who follows them, and who asked to join.

A person is a member of a group when they have a ``workgroups_member`` row
(joined, added, approved) or when they belong to a unit bound to the group
(``workgroups_unit``: a local group's own unit, and units an administrator
made the group mandatory for), or to a unit below it. The second kind is
never stored per person: it is derived in every query from the core's unit
memberships, so it follows an admin's change of someone's unit at once.
The column is called ``workgroup``, not ``group``: that is an SQL keyword.
"""

from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person, Unit

KINDS = ("local", "topic")
VISIBILITIES = ("open", "closed", "secret")
ROLES = ("admin", "member")
NAME_MAX = 120
DESCRIPTION_MAX = 2000


class Group(Table, tablename="workgroups_group"):
    id: Serial
    name = Varchar(length=NAME_MAX)
    description = Text(default="")
    # local: bound to ``unit``; topic: anyone may be in it.
    kind = Varchar(length=10, default="topic")
    # open: anyone joins and reads; closed: join on request, content for members;
    # secret: invisible to non-members.
    visibility = Varchar(length=10, default="open", index=True)
    # A local group's own unit (also a row in workgroups_unit). NULL once the unit is deleted.
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    # NULL once the creator is erased: the group belongs to its members.
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Member(Table, tablename="workgroups_member"):
    """Someone who joined, was added or was approved; ``role`` is ``admin`` or ``member``.

    Unique per (workgroup, person), by an index made in the migration.
    """

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    role = Varchar(length=10, default="member")
    joined_at = Timestamptz()


class GroupUnit(Table, tablename="workgroups_unit"):
    """Everyone in ``unit`` and the units below it is a member of ``workgroup`` and cannot leave.

    ``home`` marks a local group's own unit; other rows make the group
    mandatory for a unit.
    """

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=False, index=True)
    home = Boolean(default=False)
    created_at = Timestamptz()


class Follower(Table, tablename="workgroups_follower"):
    """Someone who reads an open group's posts in their feed without joining."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


class JoinRequest(Table, tablename="workgroups_join_request"):
    """Someone asking to join a closed group, until an admin approves or declines."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    message = Varchar(length=500, default="")
    created_at = Timestamptz()


class Mute(Table, tablename="workgroups_mute"):
    """A person who does not want a group's posts in their main feed (the group's page still has them)."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


TABLES = [Group, Member, GroupUnit, Follower, JoinRequest, Mute]
