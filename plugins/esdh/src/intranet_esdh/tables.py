"""The plugin's tables. Their shape must match the migrations in ``migrations/``.

Nothing from a document source is stored: a reference holds only which
source and which item an embed points to, never a title or a copy.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from intranet_core.people.tables import Person


class Shortcut(Table, tablename="esdh_shortcut"):
    """A tile linking to another system."""

    id: Serial

    name = Varchar(length=100)
    url = Varchar(length=1000)
    icon = Varchar(length=30, default="link")
    description = Varchar(length=300, default="")
    # The order tiles are shown in, smallest first.
    position = Integer(default=0, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ShortcutAudience(Table, tablename="esdh_shortcut_audience"):
    """Who sees a shortcut: ``all``, ``unit:<id>`` (and the units below it), ``role:<name>``."""

    id: Serial

    shortcut = ForeignKey(references=Shortcut, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=120, index=True)


class Favourite(Table, tablename="esdh_favourite"):
    """A shortcut a person keeps first."""

    id: Serial

    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    shortcut = ForeignKey(references=Shortcut, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Reference(Table, tablename="esdh_reference"):
    """What ``[[esdh:<code>]]`` points to: a source and an item in it."""

    id: Serial

    code = Varchar(length=16, unique=True)
    source = Varchar(length=40)
    item = Varchar(length=1000)
    # sha256 of source and item: one code per item (an index on `item` itself could be too long).
    item_key = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class FrontPageEmbed(Table, tablename="esdh_front_page_embed"):
    """A document, folder or case shown live on the front page."""

    id: Serial

    title = Varchar(length=200)
    reference = ForeignKey(references=Reference, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class GroupEmbed(Table, tablename="esdh_group_embed"):
    """A document, folder or case shown live on a workgroup's page (through the workgroups plugin's hook)."""

    id: Serial

    # The workgroups plugin's group id: no foreign key, so this plugin works without that one.
    group_id = Integer(index=True)
    title = Varchar(length=200)
    reference = ForeignKey(references=Reference, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
