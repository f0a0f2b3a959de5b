from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table


class Person(Table, tablename="person"):
    id: Serial
    # Stored lower-cased: unique regardless of case.
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
    id: Serial
    parent: ForeignKey[Unit] = ForeignKey(references="self", null=True, on_delete=OnDelete.restrict)
    name = Varchar(length=200)
    # organisation, district, department, team, ...
    kind = Varchar(length=50, default="department")
    # "/1/4/9/": the ids from the root down; descendants share the prefix.
    path = Varchar(length=1000, default="/", index=True)
    sort_order = Integer(default=0)
    created_at = Timestamptz()


class Membership(Table, tablename="membership"):
    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200, default="")
    is_primary = Boolean(default=False)
    is_manager = Boolean(default=False)
