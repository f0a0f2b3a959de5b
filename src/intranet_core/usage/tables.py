"""Usage, aggregated: how many pages a person opened on a day, per device class, hour and section.

No address, query, title or content of a page is kept: only the counts
needed for the intranet's temperature. A row goes with its person (erasure)
and with age (``[usage] retention_days``).
"""

from __future__ import annotations

from piccolo.columns import Date, ForeignKey, Integer, OnDelete, Serial, SmallInt, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person


class UsageDay(Table, tablename="usage_day"):
    """One row per (person, day, device, hour, section); ``views`` grows with each page view."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    day = Date(index=True)
    """The local date (``[usage] timezone``)."""
    device = Varchar(length=10)
    """``phone``, ``tablet`` or ``desktop``."""
    hour = SmallInt()
    """The local hour, 0-23."""
    section = Varchar(length=40)
    """``feed``, ``account``, ``admin``, a plugin's name, or ``other``."""
    views = Integer(default=0)
    """Pages opened."""
