"""Workgroups at scale: a person's group keys, the feed with group posts, the directory, member lists, search.

    .venv/bin/python benchmarks/workgroups_bench.py                      # SQLite in a temporary directory
    .venv/bin/python benchmarks/workgroups_bench.py --people 20000 --groups 2000
    .venv/bin/python benchmarks/workgroups_bench.py --database-url postgresql://.../db   # EMPTIES that database

Builds an organisation (districts with teams), people with unit memberships,
local groups (one per district, membership through the unit), topic groups
each person is an explicit member of a few of, followers, and posts to the
groups; then times, per request, in-process through the ASGI app (no network):

* ``keys``: ``user_audience_keys`` for one person (explicit + through units + followed);
* ``feed``: ``GET /`` for one person (a page of their feed, group keys included);
* ``group``: ``GET /groups/<id>`` of a local group (its posts, pages, member count);
* ``members``: ``GET /groups/<id>/members`` of the largest local group (first page);
* ``directory``: ``GET /groups`` (my groups with counts, first page of all groups);
* ``search``: ``GET /search?q=...`` (groups, pages and files providers, posts).

Prints the median and 95th percentile of each, in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import intranet_workgroups.plugin

from intranet_core.testing import TEST_PASSWORD, build_app, client_for, csrf_token_of, make_settings

HTML = {"accept": "text/html", "accept-language": "en"}


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def populate(args: argparse.Namespace, intranet: Any) -> dict[str, Any]:
    from intranet_workgroups.groups.tables import Follower, Group, GroupUnit, Member
    from intranet_workgroups.pages.service import create_page
    from intranet_workgroups.search import index_group

    from intranet_core.auth.passwords import hash_password_async
    from intranet_core.feed.tables import Post, PostAudience
    from intranet_core.people.tables import Membership, Person, Unit

    rng = random.Random(7)  # noqa: S311 - made-up data
    moment = now()
    password = await hash_password_async(TEST_PASSWORD)
    async with intranet.db.transaction(write=True):
        root = (await Unit.insert(Unit(name="Org", kind="organisation", path="/", created_at=moment)).returning(
            Unit.id).run())[0]["id"]
        await Unit.update({Unit.path: f"/{root}/"}).where(Unit.id == root).run()
        units: list[tuple[int, str]] = []
        districts: list[tuple[int, str]] = []
        for d in range(args.districts):
            did = (await Unit.insert(Unit(name=f"District {d}", kind="district", parent=root, path="/",
                                          created_at=moment)).returning(Unit.id).run())[0]["id"]
            dpath = f"/{root}/{did}/"
            await Unit.update({Unit.path: dpath}).where(Unit.id == did).run()
            districts.append((did, dpath))
            units.append((did, dpath))
            for t in range(args.teams):
                tid = (await Unit.insert(Unit(name=f"Team {d}.{t}", kind="team", parent=did, path="/",
                                              created_at=moment)).returning(Unit.id).run())[0]["id"]
                await Unit.update({Unit.path: f"{dpath}{tid}/"}).where(Unit.id == tid).run()
                units.append((tid, f"{dpath}{tid}/"))
        for start in range(0, args.people, 500):
            await Person.insert(*[
                Person(email=f"p{i}@example.org", name=f"Person {i:06d}", active=True,
                       password_hash=password if i < 50 else None, created_at=moment, updated_at=moment)
                for i in range(start, min(args.people, start + 500))
            ]).run()
        people = [int(r["id"]) for r in await Person.select(Person.id).order_by(Person.id).run()]
        for start in range(0, len(people), 500):
            await Membership.insert(*[
                Membership(person=pid, unit=units[i % len(units)][0], is_primary=True)
                for i, pid in enumerate(people[start:start + 500], start=start)
            ]).run()
        group_ids: list[int] = []
        local: list[int] = []
        for did, _path in districts:
            gid = (await Group.insert(Group(name=f"Local {did}", kind="local", visibility="closed", unit=did,
                                            created_at=moment, updated_at=moment)).returning(Group.id).run())[0]["id"]
            await GroupUnit.insert(GroupUnit(workgroup=gid, unit=did, home=True, created_at=moment)).run()
            local.append(gid)
        visibilities = ("open", "closed", "secret")
        for g in range(args.groups):
            gid = (await Group.insert(Group(name=f"Topic {g:05d}", description=f"About topic {g}", kind="topic",
                                            visibility=visibilities[g % 3], created_at=moment,
                                            updated_at=moment)).returning(Group.id).run())[0]["id"]
            group_ids.append(gid)
        rows = [Member(workgroup=gid, person=pid, role="member", joined_at=moment)
                for pid in people for gid in rng.sample(group_ids, min(args.per_person, len(group_ids)))]
        for start in range(0, len(rows), 1000):
            await Member.insert(*rows[start:start + 1000]).run()
        opens = [g for i, g in enumerate(group_ids) if i % 3 == 0]
        follows = [Follower(workgroup=gid, person=pid, created_at=moment)
                   for pid in people[:2000] for gid in rng.sample(opens, min(3, len(opens)))]
        for start in range(0, len(follows), 1000):
            await Follower.insert(*follows[start:start + 1000]).on_conflict(action="DO NOTHING").run()
        targets = local + group_ids
        for start in range(0, args.posts, 500):
            batch = []
            for i in range(start, min(args.posts, start + 500)):
                batch.append(Post(author=people[i % len(people)], title=f"Post {i}", body="Text",
                                  body_html="<p>Text</p>", published_at=moment - datetime.timedelta(minutes=i),
                                  created_at=moment, announced_at=moment))
            ids = [int(r["id"]) for r in await Post.insert(*batch).returning(Post.id).run()]
            await PostAudience.insert(*[
                PostAudience(post=pid, key=f"group:{targets[(start + n) % len(targets)]}",
                             published_at=moment - datetime.timedelta(minutes=start + n))
                for n, pid in enumerate(ids)
            ]).run()
    for gid in local[:5] + group_ids[:20]:
        await create_page(intranet, gid, author_id=people[0], title="Data breach guide", body="Breach steps.")
    async with intranet.db.transaction(write=True):
        for gid in local + group_ids:
            await index_group(gid)
    return {"people": people, "local": local, "groups": group_ids}


async def timed(samples: list[float], work: Any) -> Any:
    started = time.perf_counter()
    result = await work
    samples.append((time.perf_counter() - started) * 1000)
    return result


def summary(name: str, samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[max(0, int(len(ordered) * 0.95) - 1)]
    return f"{name:10} median {statistics.median(ordered):8.2f} ms   p95 {p95:8.2f} ms   (n={len(ordered)})"


async def main(args: argparse.Namespace) -> None:
    from intranet_workgroups.groups.service import audience_keys_of

    with tempfile.TemporaryDirectory() as directory:
        url = args.database_url or f"sqlite:///{Path(directory) / 'bench.sqlite3'}"
        settings = make_settings(url, site={"default_language": "en"},
                                 uploads={"directory": str(Path(directory) / "uploads")})
        app = await build_app(settings, [("workgroups", intranet_workgroups.plugin)])
        async with client_for(app) as client:
            intranet = app.state.intranet
            started = time.perf_counter()
            made = await populate(args, intranet)
            print(f"{url.split(':')[0]}: {args.people} people, {args.districts} districts x {args.teams} teams, "
                  f"{args.groups} topic groups, {args.per_person} per person, {args.posts} posts "
                  f"(built in {time.perf_counter() - started:.0f} s)")
            times: dict[str, list[float]] = {k: [] for k in
                                             ("keys", "feed", "group", "members", "directory", "search")}
            for pid in made["people"][:args.samples]:
                await timed(times["keys"], audience_keys_of(pid))
            page = await client.get("/signin", headers=HTML)
            answer = await client.post("/signin", headers=HTML, data={
                "email": "p1@example.org", "password": TEST_PASSWORD, "_csrf_token": csrf_token_of(page.text)})
            assert answer.status_code == 303
            counts = await client_counts(made)
            biggest = max(made["local"], key=lambda g: counts.get(g, 0))
            requests = {
                "feed": "/", "group": f"/groups/{made['local'][1]}", "members": f"/groups/{biggest}/members",
                "directory": "/groups", "search": "/search?q=breach",
            }
            for _round in range(args.samples // 5):
                for name, path in requests.items():
                    answer = await timed(times[name], client.get(path, headers=HTML))
                    if isinstance(answer, httpx.Response) and answer.status_code != 200:
                        raise SystemExit(f"{path}: {answer.status_code}")
            keys = await audience_keys_of(made["people"][1])
            print(f"person 1 holds {len(keys)} group keys; largest local group: {counts.get(biggest, 0)} members")
            for name, samples in times.items():
                print(summary(name, samples))


async def client_counts(made: dict[str, Any]) -> dict[int, int]:
    from intranet_workgroups.groups.service import member_counts

    return await member_counts(made["local"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5000)
    parser.add_argument("--districts", type=int, default=10)
    parser.add_argument("--teams", type=int, default=3)
    parser.add_argument("--groups", type=int, default=500)
    parser.add_argument("--per-person", type=int, default=5)
    parser.add_argument("--posts", type=int, default=20000)
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--database-url", default="", help="a PostgreSQL database to EMPTY and use")
    asyncio.run(main(parser.parse_args()))
