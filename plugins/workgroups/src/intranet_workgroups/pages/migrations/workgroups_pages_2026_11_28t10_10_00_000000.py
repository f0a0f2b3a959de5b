"""Group pages and their revisions."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T10:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Group(Table, tablename="workgroups_group"):
    pass


class Page(Table, tablename="workgroups_page"):
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=200)
    body = Text(default="")
    body_html = Text(default="")
    position = Integer(default=0)
    revision = Integer(default=1)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    updated_at = Timestamptz()


class PageRevision(Table, tablename="workgroups_page_revision"):
    page = ForeignKey(references=Page, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer()
    title = Varchar(length=200)
    body = Text(default="")
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    restored_from = Integer(null=True, default=None)


async def forwards():
    return tables_migration(
        ID, "workgroups_pages", DESCRIPTION, [Page, PageRevision],
        [
            "CREATE INDEX workgroups_page_order ON workgroups_page (workgroup, position, id)",
            "CREATE UNIQUE INDEX workgroups_page_revision_number ON workgroups_page_revision (page, number)",
        ],
    )
