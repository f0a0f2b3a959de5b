"""One row per periodic task: when it is next due, and who is running it."""

from __future__ import annotations

from piccolo.columns import Integer, Serial, Timestamptz, Varchar
from piccolo.table import Table


class TaskState(Table, tablename="core_task"):
    id: Serial
    name = Varchar(length=100, unique=True)
    next_run_at = Timestamptz()
    """The task is due from this moment on."""
    running_until = Timestamptz(null=True, default=None)
    """Claimed by a process until then (or until it finishes); NULL when nobody runs it."""
    last_started_at = Timestamptz(null=True, default=None)
    last_finished_at = Timestamptz(null=True, default=None)
    last_status = Varchar(length=20, default="")
    """``ok``, or ``failed`` (the error's type is ``last_error``)."""
    last_error = Varchar(length=200, default="")
    runs = Integer(default=0)
