"""Uploaded files."""

from piccolo.columns import BigInt, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Upload(Table, tablename="upload"):
    sha256 = Varchar(length=64, index=True)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    size = BigInt()
    uploaded_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    created_at = Timestamptz(index=True)


async def forwards():
    return tables_migration(ID, "core_uploads", DESCRIPTION, [Upload])
