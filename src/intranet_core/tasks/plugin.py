"""Periodic tasks as a built-in plugin: the table, the scheduler in each process, ``intranet tasks``."""

from __future__ import annotations

import datetime

import click
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet
from intranet_core.contributions import PeriodicTask


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.tasks.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


async def _analyze(app: Intranet) -> None:
    await app.db.analyze()


@hookimpl
def register_periodic_tasks(app: Intranet) -> list[PeriodicTask]:
    # SQLite plans from statistics only ANALYZE writes; PostgreSQL's autovacuum keeps its own.
    if not app.db.is_sqlite:
        return []
    return [PeriodicTask(name="core.analyze", interval=datetime.timedelta(days=1), run=_analyze)]


@hookimpl
async def startup(app: Intranet) -> None:
    from intranet_core.tasks.scheduler import STATE_KEY, Scheduler

    if app.settings.tasks.scheduler and app.litestar is not None:
        scheduler = Scheduler(app, app.settings.tasks.tick_seconds)
        await scheduler.start()
        app.litestar.state[STATE_KEY] = scheduler


@hookimpl
async def shutdown(app: Intranet) -> None:
    from intranet_core.tasks.scheduler import STATE_KEY, Scheduler

    scheduler = app.litestar.state.pop(STATE_KEY, None) if app.litestar is not None else None
    if isinstance(scheduler, Scheduler):
        await scheduler.stop()


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.tasks.commands import tasks

    cli.add_command(tasks)
