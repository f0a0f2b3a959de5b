"""The plugin's one table. Its shape must match the migration in ``migrations/``."""

from __future__ import annotations

from piccolo.columns import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

NAME_MAX_LENGTH = 100


class HelloVisit(Table, tablename="hello_visit"):
    """Someone who said hello. Piccolo adds the ``id`` (serial primary key)."""

    name = Varchar(length=NAME_MAX_LENGTH)
    # Indexed: the page lists the latest visits.
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
