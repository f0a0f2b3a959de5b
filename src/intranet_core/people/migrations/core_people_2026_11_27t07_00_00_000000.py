"""People, organisational units and memberships."""

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T07:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


# Frozen copies of the tables as this migration creates them.
class Person(Table, tablename="person"):
    email = Varchar(length=254, unique=True)
    name = Varchar(length=200)
    title = Varchar(length=200, default="")
    phone = Varchar(length=50, default="")
    mobile = Varchar(length=50, default="")
    photo = Varchar(length=255, null=True, default=None)
    language = Varchar(length=8, null=True, default=None)
    start_date = Date(null=True, default=None)
    leaving_date = Date(null=True, default=None)
    active = Boolean(default=True, index=True)
    password_hash = Varchar(length=255, null=True, default=None)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Unit(Table, tablename="org_unit"):
    parent = ForeignKey(references="self", null=True, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    kind = Varchar(length=50, default="department")
    path = Varchar(length=1000, default="/", index=True)
    sort_order = Integer(default=0)
    created_at = Timestamptz()


class Membership(Table, tablename="membership"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200, default="")
    is_primary = Boolean(default=False)
    is_manager = Boolean(default=False)


async def forwards():
    return tables_migration(
        ID, "core_people", DESCRIPTION, [Person, Unit, Membership],
        ["CREATE UNIQUE INDEX membership_person_unit ON membership (person, unit)"],
    )
