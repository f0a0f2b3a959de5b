"""Periodic tasks: each runs once per interval however many processes look for due tasks.

Two real ``intranet tasks run-due`` processes on one database (SQLite, or
the PostgreSQL in ``$INTRANET_TEST_DATABASE_URL``), the in-process
scheduler, claims racing in one process, failures, and the hook's checks.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from support import INTRANET, install_fake_plugin

from intranet_core import hookimpl
from intranet_core.contributions import PeriodicTask
from intranet_core.tasks import service
from intranet_core.tasks.scheduler import STATE_KEY, Scheduler
from intranet_core.tasks.tables import TaskState
from intranet_core.testing import build_app, client_for, database_url_for_tests, make_settings

TICKER = '''
import asyncio
import datetime
import os

from intranet_core import hookimpl
from intranet_core.contributions import PeriodicTask


async def tick(app):
    with open(os.environ["TICKER_LOG"], "a") as log:
        log.write(f"{os.getpid()}\\n")
    # Long enough for the other process to try while this one runs.
    await asyncio.sleep(1.0)


@hookimpl
def register_periodic_tasks(app):
    return [PeriodicTask(name="ticker.tick", interval=datetime.timedelta(hours=1), run=tick)]
'''


class Counter:
    """A plugin whose task counts its runs (and can be told to fail)."""

    def __init__(self, interval: datetime.timedelta = datetime.timedelta(hours=1)) -> None:
        self.runs = 0
        self.fail = False
        self.interval = interval

    async def run(self, app: Any) -> None:
        self.runs += 1
        await asyncio.sleep(0.05)
        if self.fail:
            raise RuntimeError("secret detail that must not be logged")

    @hookimpl
    def register_periodic_tasks(self, app: Any) -> list[PeriodicTask]:
        return [PeriodicTask(name="counter.count", interval=self.interval, run=self.run)]


@pytest.fixture
def counter() -> Counter:
    return Counter()


@pytest.fixture
def intranet_plugins(counter: Counter) -> list[Any]:
    return [("counter", counter)]


@pytest.fixture
def intranet_settings(tmp_path: Path) -> Any:
    # The tests claim and run tasks themselves: no scheduler racing them.
    return make_settings(database_url_for_tests(tmp_path), tasks={"scheduler": False})


def run_due(config: Path, site_dir: Path, log: Path) -> subprocess.Popen[str]:
    import os

    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    environ.update(PYTHONPATH=str(site_dir), TICKER_LOG=str(log))
    return subprocess.Popen([INTRANET, "tasks", "run-due", "-c", str(config)], env=environ, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def test_two_processes_on_one_database_run_a_task_once(tmp_path: Path) -> None:
    site_dir = tmp_path / "packages"
    install_fake_plugin(site_dir, "ticker", "intranet_ticker", TICKER)
    sys.path.insert(0, str(site_dir))
    try:
        ticker = importlib.import_module("intranet_ticker")
        settings = make_settings(database_url_for_tests(tmp_path))
        app = await build_app(settings, [("ticker", ticker)])
    finally:
        sys.path.remove(str(site_dir))
        sys.modules.pop("intranet_ticker", None)
    config = tmp_path / "intranet.toml"
    config.write_text(
        f'secret_key = "{"k" * 40}"\n[database]\nurl = "{settings.database.url}"\n[plugins]\nenabled = ["ticker"]\n'
    )
    log = tmp_path / "ticks.log"

    def both() -> list[subprocess.CompletedProcess[str]]:
        processes = [run_due(config, site_dir, log) for _ in range(2)]
        done = []
        for process in processes:
            out, err = process.communicate(timeout=60)
            done.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
        return done

    def tasks_run(done: list[subprocess.CompletedProcess[str]]) -> list[str]:
        """The names of the tasks the processes ran, all together ("2 task(s) run: a, b" / "0 task(s) run.")."""
        return sorted(name for p in done for name in p.stdout.strip().partition(": ")[2].split(", ") if name)

    first = await asyncio.to_thread(both)
    assert [p.returncode for p in first] == [0, 0], [p.stderr for p in first]
    # Each due task ran once, in whichever process claimed it first. On SQLite
    # the core's daily statistics task is due too.
    expected = ["core.analyze", "ticker.tick"] if settings.database.url.startswith("sqlite") else ["ticker.tick"]
    assert tasks_run(first) == expected, [p.stdout for p in first]
    assert len(log.read_text().splitlines()) == 1

    # Not due again for an hour: nobody runs it.
    again = await asyncio.to_thread(both)
    assert [p.stdout.strip() for p in again] == ["0 task(s) run.", "0 task(s) run."]
    assert len(log.read_text().splitlines()) == 1

    # An hour later (moved back in the table): once more, by one of them.
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        await TaskState.update({TaskState.next_run_at: TaskState.next_run_at - datetime.timedelta(hours=1)}).where(
            TaskState.name == "ticker.tick"
        ).run()
        row = await TaskState.select().where(TaskState.name == "ticker.tick").first().run()
    finally:
        await intranet.db.close()
    assert row["runs"] == 1 and row["last_status"] == "ok" and row["running_until"] is None
    third = await asyncio.to_thread(both)
    assert sorted(p.stdout.strip() for p in third) == ["0 task(s) run.", "1 task(s) run: ticker.tick"]
    assert len(log.read_text().splitlines()) == 2


def own_tasks(intranet: Any) -> list[PeriodicTask]:
    """The test plugin's tasks, without the core's own (``core.analyze`` on SQLite)."""
    return [task for task in service.registered_tasks(intranet) if not task.name.startswith("core.")]


async def test_claims_racing_in_one_process_let_one_through(intranet_app: Any, counter: Counter) -> None:
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app):
        [task] = own_tasks(intranet)
        claims = await asyncio.gather(*(service.claim(intranet, task) for _ in range(5)))
        assert sorted(claims) == [False, False, False, False, True]
        ran = await asyncio.gather(*(service.run_due(intranet, own_tasks(intranet)) for _ in range(3)))
        assert ran == [[], [], []]  # claimed a moment ago: not due


async def test_a_failing_task_is_logged_without_its_message_and_tried_again_later(
    intranet_app: Any, counter: Counter, caplog: pytest.LogCaptureFixture
) -> None:
    intranet = intranet_app.state.intranet
    counter.fail = True
    async with client_for(intranet_app):
        assert await service.run_due(intranet, own_tasks(intranet)) == ["counter.count"]
        row = await TaskState.select().where(TaskState.name == "counter.count").first().run()
        assert row["last_status"] == "failed" and row["last_error"] == "RuntimeError"
        assert row["running_until"] is None
        assert "counter.count failed: RuntimeError" in caplog.text and "secret detail" not in caplog.text
        counter.fail = False
        later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1, seconds=1)
        assert await service.run_due(intranet, own_tasks(intranet), moment=later) == ["counter.count"]
        row = await TaskState.select().where(TaskState.name == "counter.count").first().run()
        assert row["last_status"] == "ok" and row["runs"] == 2 and counter.runs == 2


async def test_a_run_that_never_finished_is_taken_over_after_its_timeout(intranet_app: Any,
                                                                          counter: Counter) -> None:
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app):
        [task] = own_tasks(intranet)
        start = datetime.datetime.now(datetime.UTC)
        assert await service.claim(intranet, task, start)  # ... and the process died
        after_interval = start + task.interval + datetime.timedelta(seconds=1)
        assert task.timeout < task.interval
        assert await service.claim(intranet, task, after_interval)
        # Held while running: not even due again lets a second runner in before the hold expires.
        crowded = Counter(interval=datetime.timedelta(seconds=10))
        quick = PeriodicTask(name="counter.quick", interval=crowded.interval, run=crowded.run,
                             timeout=datetime.timedelta(minutes=5))
        assert await service.claim(intranet, quick, start)
        assert not await service.claim(intranet, quick, start + datetime.timedelta(seconds=20))
        assert await service.claim(intranet, quick, start + datetime.timedelta(minutes=6))


async def test_the_scheduler_in_each_process_runs_due_tasks(tmp_path: Path, counter: Counter) -> None:
    app = await build_app(make_settings(database_url_for_tests(tmp_path), tasks={"tick_seconds": 1}),
                          [("counter", counter)])
    async with client_for(app):
        assert isinstance(app.state.get(STATE_KEY), Scheduler)
        for _ in range(60):
            if counter.runs:
                break
            await asyncio.sleep(0.1)
        assert counter.runs == 1


async def test_the_scheduler_can_be_left_to_cron(tmp_path: Path, counter: Counter) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), tasks={"scheduler": False})
    app = await build_app(settings, [("counter", counter)])
    async with client_for(app):
        assert app.state.get(STATE_KEY) is None


def test_tasks_are_checked() -> None:
    from types import SimpleNamespace

    async def nothing(app: Any) -> None:
        return None

    def site(*tasks: PeriodicTask) -> Any:
        return SimpleNamespace(hook=SimpleNamespace(register_periodic_tasks=lambda app: [list(tasks)]))

    hour = datetime.timedelta(hours=1)
    with pytest.raises(ValueError, match=r"plugin\.task"):
        service.registered_tasks(site(PeriodicTask(name="Bad Name", interval=hour, run=nothing)))
    with pytest.raises(ValueError, match="at least a second"):
        service.registered_tasks(site(PeriodicTask(name="a.b", interval=datetime.timedelta(0), run=nothing)))
    with pytest.raises(ValueError, match="twice"):
        service.registered_tasks(site(PeriodicTask(name="a.b", interval=hour, run=nothing),
                                      PeriodicTask(name="a.b", interval=hour, run=nothing)))
