"""Shortcuts, their audiences, favourites, embed references, and front-page and group-page embeds."""

from piccolo.columns import ForeignKey, Integer, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-28T12:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Shortcut(Table, tablename="esdh_shortcut"):
    name = Varchar(length=100)
    url = Varchar(length=1000)
    icon = Varchar(length=30, default="link")
    description = Varchar(length=300, default="")
    position = Integer(default=0, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class ShortcutAudience(Table, tablename="esdh_shortcut_audience"):
    shortcut = ForeignKey(references=Shortcut, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=120, index=True)


class Favourite(Table, tablename="esdh_favourite"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    shortcut = ForeignKey(references=Shortcut, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Reference(Table, tablename="esdh_reference"):
    code = Varchar(length=16, unique=True)
    source = Varchar(length=40)
    item = Varchar(length=1000)
    item_key = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class FrontPageEmbed(Table, tablename="esdh_front_page_embed"):
    title = Varchar(length=200)
    reference = ForeignKey(references=Reference, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class GroupEmbed(Table, tablename="esdh_group_embed"):
    group_id = Integer(index=True)
    title = Varchar(length=200)
    reference = ForeignKey(references=Reference, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


async def forwards():
    return tables_migration(
        ID, "esdh", DESCRIPTION, [Shortcut, ShortcutAudience, Favourite, Reference, FrontPageEmbed, GroupEmbed],
        [
            "CREATE UNIQUE INDEX esdh_shortcut_audience_once ON esdh_shortcut_audience (shortcut, key)",
            "CREATE UNIQUE INDEX esdh_favourite_once ON esdh_favourite (person, shortcut)",
        ],
    )
