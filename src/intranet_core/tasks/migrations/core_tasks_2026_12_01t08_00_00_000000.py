"""Periodic tasks: when each is next due, and which process runs it."""

from piccolo.columns import Integer, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-12-01T08:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class TaskState(Table, tablename="core_task"):
    name = Varchar(length=100, unique=True)
    next_run_at = Timestamptz()
    running_until = Timestamptz(null=True, default=None)
    last_started_at = Timestamptz(null=True, default=None)
    last_finished_at = Timestamptz(null=True, default=None)
    last_status = Varchar(length=20, default="")
    last_error = Varchar(length=200, default="")
    runs = Integer(default=0)


async def forwards():
    return tables_migration(ID, "core_tasks", DESCRIPTION, [TaskState])
