"""How long HR's view, "my tasks" and a reminder run take with many flows.

    python plugins/onboarding/benchmarks/hr_view.py [flows]            # SQLite in a temporary directory
    INTRANET_BENCH_DATABASE_URL=postgresql://... python plugins/onboarding/benchmarks/hr_view.py

Makes ``flows`` people (2,000 by default), each with a running flow of 8
steps, then times a page of HR's view (50 flows with their progress), the
last page (keyset), a manager's "my onboarding tasks", every flow following
a new manager of their unit, and one reminder run.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import intranet_onboarding.plugin
import intranet_surveys.plugin
from intranet_onboarding import service
from intranet_onboarding.models import StepSpec, TemplateSpec
from intranet_onboarding.tables import Flow, FlowStep, FlowTemplate

from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import build_app, make_settings


async def timed(label: str, work, repeat: int = 20) -> None:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await work()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label}: median {statistics.median(times):.1f} ms, max {max(times):.1f} ms ({repeat} runs)")


async def main(count: int) -> None:
    directory = Path(tempfile.mkdtemp())
    url = os.environ.get("INTRANET_BENCH_DATABASE_URL") or f"sqlite:///{directory / 'bench.sqlite3'}"
    app = await build_app(make_settings(url), [("surveys", intranet_surveys.plugin),
                                               ("onboarding", intranet_onboarding.plugin)])
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        now = datetime.datetime.now(datetime.UTC)
        unit = (await Unit.insert(Unit(name="Unit", kind="district", path="/", created_at=now)).returning(
            Unit.id).run())[0]["id"]
        await Unit.update({Unit.path: f"/{unit}/"}).where(Unit.id == unit).run()
        boss = (await Person.insert(Person(email="boss@example.org", name="Boss", created_at=now, updated_at=now))
                .returning(Person.id).run())[0]["id"]
        template = await service.create_template(intranet, TemplateSpec(name="T", steps=[
            StepSpec(title=f"Step {i}", assignee="manager" if i % 2 else "new_hire", offset_days=i * 5 - 10)
            for i in range(8)]), actor_id=None)
        today = service.local_today(intranet)
        version_id = (await FlowTemplate.select(FlowTemplate.current_version).where(
            FlowTemplate.id == template).first().run())["current_version"]
        steps = await service.version_steps(version_id)
        started = time.perf_counter()
        async with intranet.db.transaction(write=True):
            for i in range(count):
                person = (await Person.insert(Person(email=f"p{i}@example.org", name=f"Person {i}", created_at=now,
                                                     updated_at=now)).returning(Person.id).run())[0]["id"]
                await Membership.insert(Membership(person=person, unit=unit, is_primary=True)).run()
                anchor = today + datetime.timedelta(days=(i % 120) - 60)
                flow = (await Flow.insert(Flow(
                    person=person, template=template, version=version_id, anchor_date=anchor, manager=boss, unit=unit,
                    created_at=now)).returning(Flow.id).run())[0]["id"]
                await FlowStep.insert(*[FlowStep(flow=flow, position=n, title=s.title, assignee=s.assignee,
                                                 due_date=anchor + datetime.timedelta(days=s.offset_days))
                                        for n, s in enumerate(steps)]).run()
        print(f"{count} flows of 8 steps on {url.split(':')[0]}: made in {time.perf_counter() - started:.1f} s")
        hr = boss  # the boss is HR everywhere too: the view then covers every flow
        role = (await Role.select(Role.id).where(Role.name == "hr").first().run())["id"]
        await RoleAssignment.insert(RoleAssignment(person=hr, role=role, unit=None)).run()
        filters = service.FlowFilter()
        await timed("HR's view, first page of 50", lambda: service.hr_flows(hr, filters, today=today, limit=51))
        last = (await Flow.select(Flow.anchor_date, Flow.id).order_by(Flow.anchor_date, ascending=False)
                .order_by(Flow.id, ascending=False).offset(40).first().run())
        after = (last["anchor_date"], last["id"])
        await timed("HR's view, a later page (keyset)", lambda: service.hr_flows(hr, filters, today=today,
                                                                               after=after, limit=51))
        await timed("a manager's open steps (50)", lambda: service.my_open_steps(boss))
        # Someone becomes the unit's manager: every running flow there follows (one run changes them all;
        # later runs find nothing to change).
        new_boss = (await Person.insert(Person(email="new@example.org", name="New boss", created_at=now,
                                               updated_at=now)).returning(Person.id).run())[0]["id"]
        await Membership.insert(Membership(person=new_boss, unit=unit, is_primary=True, is_manager=True)).run()
        started = time.perf_counter()
        changed = await service.follow_memberships(intranet, new_boss, [unit])
        print(f"a new manager, {changed} flows follow: {(time.perf_counter() - started) * 1000:.0f} ms")
        await timed("memberships changed, nothing to follow", lambda: service.follow_memberships(
            intranet, new_boss, [unit]), repeat=5)
        # Every step already reminded (a site running for a while): the run finds nothing to send.
        await FlowStep.update({FlowStep.reminded: "overdue"}, force=True).run()
        await timed("one reminder run (nothing due)", lambda: service.send_reminders(intranet, today), repeat=5)
    finally:
        await intranet.db.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
