"""A group's pages (guides, holiday plans, contact lists) and every version of each."""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_workgroups.groups.tables import Group

TITLE_MAX = 200
BODY_MAX = 100_000


class Page(Table, tablename="workgroups_page"):
    """The current version of a page; ``position`` orders a group's pages."""

    id: Serial
    workgroup = ForeignKey(references=Group, on_delete=OnDelete.cascade, null=False, index=True)
    title = Varchar(length=TITLE_MAX)
    # Markdown as written; body_html is rendered and sanitised when written, never per view.
    body = Text(default="")
    body_html = Text(default="")
    position = Integer(default=0)
    # The number of the revision the page shows now.
    revision = Integer(default=1)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    updated_at = Timestamptz()


class PageRevision(Table, tablename="workgroups_page_revision"):
    """One saved version: who, when, what. ``restored_from`` names the version a restore brought back."""

    id: Serial
    page = ForeignKey(references=Page, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer()
    title = Varchar(length=TITLE_MAX)
    body = Text(default="")
    author = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    restored_from = Integer(null=True, default=None)


TABLES = [Page, PageRevision]
