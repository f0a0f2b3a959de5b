from __future__ import annotations

from piccolo.columns import Boolean, ForeignKey, OnDelete, Serial, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person, Unit


class Role(Table, tablename="role"):
    id: Serial
    name = Varchar(length=100, unique=True)
    label = Varchar(length=200)
    # Built-in roles are declared by plugins and cannot be deleted.
    builtin = Boolean(default=False)


class RolePermission(Table, tablename="role_permission"):
    id: Serial
    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, null=False, index=True)
    # "feed.publish"; "*" is every permission (the site administrator).
    permission = Varchar(length=100, index=True)


class RoleAssignment(Table, tablename="role_assignment"):
    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    role = ForeignKey(references=Role, on_delete=OnDelete.cascade, null=False, index=True)
    # NULL: everywhere; else this unit and its descendants.
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=True, index=True)
