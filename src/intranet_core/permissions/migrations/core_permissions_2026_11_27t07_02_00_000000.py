"""Roles, their permissions, and who holds them where."""

from piccolo.columns import Boolean, ForeignKey, OnDelete, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T07:02:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Unit(Table, tablename="org_unit"):
    pass


class Role(Table, tablename="role"):
    name = Varchar(length=100, unique=True)
    label = Varchar(length=200)
    builtin = Boolean(default=False)


class RolePermission(Table, tablename="role_permission"):
    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, null=False, index=True)
    permission = Varchar(length=100, index=True)


class RoleAssignment(Table, tablename="role_assignment"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=True, index=True)


async def forwards():
    return tables_migration(
        ID, "core_permissions", DESCRIPTION, [Role, RolePermission, RoleAssignment],
        [
            "CREATE UNIQUE INDEX role_permission_role_permission ON role_permission (role, permission)",
            # One row per person, role and place; NULL (everywhere) counted as a place.
            "CREATE UNIQUE INDEX role_assignment_unique ON role_assignment (person, role, COALESCE(unit, 0))",
        ],
    )
