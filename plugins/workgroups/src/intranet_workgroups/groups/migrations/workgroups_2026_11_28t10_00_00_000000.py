"""Groups, members, units they follow, followers, join requests and mutes."""

from piccolo.columns import Boolean, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Unit(Table, tablename="org_unit"):
    pass


class Group(Table, tablename="workgroups_group"):
    name = Varchar(length=120)
    description = Text(default="")
    kind = Varchar(length=10, default="topic")
    visibility = Varchar(length=10, default="open", index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Member(Table, tablename="workgroups_member"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    role = Varchar(length=10, default="member")
    joined_at = Timestamptz()


class GroupUnit(Table, tablename="workgroups_unit"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=False, index=True)
    home = Boolean(default=False)
    created_at = Timestamptz()


class Follower(Table, tablename="workgroups_follower"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


class JoinRequest(Table, tablename="workgroups_join_request"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    message = Varchar(length=500, default="")
    created_at = Timestamptz()


class Mute(Table, tablename="workgroups_mute"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


async def forwards():
    return tables_migration(
        ID, "workgroups", DESCRIPTION, [Group, Member, GroupUnit, Follower, JoinRequest, Mute],
        [
            "CREATE UNIQUE INDEX workgroups_member_once ON workgroups_member (workgroup, person)",
            # A person's groups: the audience keys of every feed page.
            "CREATE INDEX workgroups_member_by_person ON workgroups_member (person, workgroup)",
            "CREATE UNIQUE INDEX workgroups_unit_once ON workgroups_unit (workgroup, unit)",
            "CREATE UNIQUE INDEX workgroups_follower_once ON workgroups_follower (workgroup, person)",
            "CREATE INDEX workgroups_follower_by_person ON workgroups_follower (person, workgroup)",
            "CREATE UNIQUE INDEX workgroups_join_request_once ON workgroups_join_request (workgroup, person)",
            "CREATE UNIQUE INDEX workgroups_mute_once ON workgroups_mute (person, workgroup)",
            # The directory: keyset pages by name.
            "CREATE INDEX workgroups_group_by_name ON workgroups_group (name, id)",
        ],
    )
