"""Running periodic tasks so that, across every process of a site, each runs once per interval.

Plugins (and the core) declare tasks with ``register_periodic_tasks``; a
task is a name, an interval and an ``async run(app)``. Whoever wants to run
due tasks (the scheduler inside each app process, or ``intranet tasks
run-due`` from cron) calls :func:`run_due`. For each task it first *claims*
it: in one write transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the
task's row locked with ``SELECT ... FOR UPDATE``) it reads the task's row
and, only if the task is due and nobody holds it, moves its next run one
interval ahead and holds it for ``timeout``. The claim commits before the
task runs, so no lock is held while it works; a second process finds the
task not due and goes on. A run that crashes leaves its hold to expire
after ``timeout``. A task that fails is logged (its error's type only) and
tried again at its next interval.
"""

from __future__ import annotations

import datetime
import logging
import re
from collections.abc import Sequence
from typing import Any

from intranet_core.contributions import PeriodicTask
from intranet_core.plugins import flatten
from intranet_core.tasks.tables import TaskState

log = logging.getLogger("intranet.tasks")

NAME = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_-]+)+$")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def registered_tasks(intranet: Any) -> list[PeriodicTask]:
    """Every task the site's plugins declare, sorted by name.

    :raises ValueError: a task is not a :class:`PeriodicTask`, has a name that is
        not ``plugin.task``, an interval under a second, or a name used twice.
    """
    tasks: dict[str, PeriodicTask] = {}
    for task in flatten(intranet.hook.register_periodic_tasks(app=intranet)):
        if not isinstance(task, PeriodicTask):
            raise ValueError("register_periodic_tasks must return PeriodicTask items")
        if not NAME.match(task.name) or len(task.name) > 100:
            raise ValueError(f"periodic task name must look like 'plugin.task', got {task.name!r}")
        if task.interval < datetime.timedelta(seconds=1):
            raise ValueError(f"periodic task {task.name!r}: interval must be at least a second")
        if task.name in tasks:
            raise ValueError(f"periodic task {task.name!r} is declared twice")
        tasks[task.name] = task
    return [tasks[name] for name in sorted(tasks)]


async def claim(intranet: Any, task: PeriodicTask, moment: datetime.datetime | None = None) -> bool:
    """Take the task for one run if it is due and nobody holds it; ``True`` when this caller should run it."""
    moment = moment or now()
    async with intranet.db.transaction(write=True):
        await TaskState.insert(TaskState(name=task.name, next_run_at=moment)).on_conflict(
            target=TaskState.name, action="DO NOTHING"
        ).run()
        row = await intranet.db.for_update(
            TaskState.select(TaskState.next_run_at, TaskState.running_until).where(TaskState.name == task.name)
        ).first().run()
        if row is None or row["next_run_at"] > moment:
            return False
        if row["running_until"] is not None and row["running_until"] > moment:
            return False
        await TaskState.update({
            TaskState.next_run_at: moment + task.interval,
            TaskState.running_until: moment + task.timeout,
            TaskState.last_started_at: moment,
        }).where(TaskState.name == task.name).run()
    return True


async def _finish(task: PeriodicTask, status: str, error: str = "") -> None:
    await TaskState.update({
        TaskState.running_until: None, TaskState.last_finished_at: now(), TaskState.last_status: status,
        TaskState.last_error: error[:200], TaskState.runs: TaskState.runs + 1,
    }).where(TaskState.name == task.name).run()


async def run_task(intranet: Any, task: PeriodicTask) -> bool:
    """Run one task now (it must have been claimed); ``False`` if it failed."""
    try:
        await task.run(intranet)
    except Exception as exc:
        log.error("periodic task %s failed: %s", task.name, type(exc).__name__)
        await _finish(task, "failed", type(exc).__name__)
        return False
    await _finish(task, "ok")
    return True


async def run_due(intranet: Any, tasks: Sequence[PeriodicTask] | None = None,
                  moment: datetime.datetime | None = None) -> list[str]:
    """Claim and run every due task, one after another; returns the names of those this caller ran."""
    ran = []
    for task in registered_tasks(intranet) if tasks is None else tasks:
        try:
            claimed = await claim(intranet, task, moment)
        except Exception as exc:  # the database is away: try again next time
            log.warning("periodic task %s could not be claimed: %s", task.name, type(exc).__name__)
            continue
        if claimed:
            await run_task(intranet, task)
            ran.append(task.name)
    return ran


async def states() -> list[dict[str, Any]]:
    """Each task's row (for ``intranet tasks list``)."""
    return await TaskState.select().order_by(TaskState.name).run()
