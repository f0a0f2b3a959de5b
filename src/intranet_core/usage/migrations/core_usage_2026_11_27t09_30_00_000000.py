"""Usage per person per day, device, hour and section, for the intranet's temperature."""

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, SmallInt, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class UsageDay(Table, tablename="usage_day"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    day = Date(index=True)
    device = Varchar(length=10)
    hour = SmallInt()
    section = Varchar(length=40)
    views = Integer(default=0)


async def forwards():
    return tables_migration(
        ID, "core_usage", DESCRIPTION, [UsageDay],
        # The key page views are counted under (and the person's rows, first column).
        ["CREATE UNIQUE INDEX usage_day_key ON usage_day (person, day, device, hour, section)"],
    )
