"""The scheduler inside each app process: wakes up now and then and runs the periodic tasks that are due.

Every process of a site runs one (``[tasks] scheduler = true``, the default);
the claim in :mod:`intranet_core.tasks.service` makes sure that each task
runs in one of them per interval. Sites that would rather run tasks from
cron set ``scheduler = false`` and call ``intranet tasks run-due``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from typing import Any

from intranet_core.tasks.service import registered_tasks, run_due

log = logging.getLogger("intranet.tasks")
STATE_KEY = "task_scheduler"


class Scheduler:
    def __init__(self, intranet: Any, tick_seconds: float) -> None:
        self.intranet = intranet
        self.tick_seconds = tick_seconds
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if registered_tasks(self.intranet):
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _loop(self) -> None:
        while True:
            # Spread over the tick, so processes started together do not all wake at once.
            await asyncio.sleep(self.tick_seconds * random.uniform(0.5, 1.0))  # noqa: S311 - not secrecy
            try:
                await run_due(self.intranet)
            except Exception as exc:  # never let the loop die: try again next tick
                log.error("periodic tasks: %s", type(exc).__name__)
