"""`intranet demo`: the reference organisation (a union's head office and ten districts) and its sign-ins."""

from __future__ import annotations

import datetime
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from support import run_cli

from intranet_core.auth.passwords import verify_password
from intranet_core.demo import load_demo
from intranet_core.people import demo
from intranet_core.people.service import descendant_ids
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.service import ADMIN_ROLE, may
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import client_for

HTML = {"accept": "text/html"}
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
ACCOUNTS = (demo.ADMIN_EMAIL, demo.EDITOR_EMAIL, demo.MEMBER_EMAIL, demo.MEMBER2_EMAIL)
PHONE = re.compile(r"\+45 \d\d \d\d \d\d \d\d")
DEPARTMENTS = {"Ledelse", "Kommunikation", "HR", "IT", "Økonomi", "Politik og analyse", "Medlemsservice"}
DISTRICTS = {"Hovedstaden", "Sjælland", "Fyn", "Sydjylland", "Østjylland", "Midtjylland", "Vestjylland",
             "Nordjylland", "Bornholm", "Lolland-Falster"}


@pytest.fixture
async def demo_app(intranet_app: Litestar) -> Litestar:
    """The app on a database holding the demo data, loaded as `intranet demo` does."""
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        intranet_app.state.demo_lines = await load_demo(intranet)
    finally:
        await intranet.db.close()
    return intranet_app


async def primary_units() -> dict[str, dict[str, Any]]:
    """Each person's e-mail address -> their primary unit's id, name and kind."""
    rows = await Membership.select(
        Membership.person.email, Membership.unit.id, Membership.unit.name, Membership.unit.kind
    ).where(Membership.is_primary == True).output(nested=True).run()  # noqa: E712 - SQL, not Python
    return {row["person"]["email"]: row["unit"] for row in rows}


# --- the command ---------------------------------------------------------------------------------


def test_demo_command_loads_the_union_in_seconds(tmp_path: Path) -> None:
    result = run_cli("demo", "--no-serve", "--reset", "--dir", "demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    loaded = re.search(r"Loaded the demo data into demo in ([0-9.]+) s\.", result.stdout)
    assert loaded, result.stdout
    assert float(loaded.group(1)) < 30  # a bound for a busy machine; the core's part takes ~0.6 s
    for email in ACCOUNTS:
        assert email in result.stdout
    assert "password: intranet-demo" in result.stdout

    with sqlite3.connect(tmp_path / "demo" / "demo.sqlite3") as db:
        (people,) = db.execute("SELECT count(*) FROM person").fetchone()
        (units,) = db.execute("SELECT count(*) FROM org_unit").fetchone()
        hashes = dict(db.execute("SELECT email, password_hash FROM person WHERE password_hash IS NOT NULL"))
    assert 190 <= people <= 210
    assert units >= 11
    # Only accounts the demo names can sign in with a password: the core's four, and any a plugin's demo
    # adds and prints (a new hire trying pre-boarding, say).
    assert set(ACCOUNTS) <= set(hashes)
    assert all(email in result.stdout for email in hashes), sorted(set(hashes) - set(ACCOUNTS))


async def test_the_demo_accounts_share_the_published_password(demo_app: Litestar) -> None:
    intranet = demo_app.state.intranet
    await intranet.db.connect()
    try:
        rows = await Person.select(Person.email, Person.password_hash).run()
    finally:
        await intranet.db.close()
    hashes = {row["email"]: row["password_hash"] for row in rows}
    for email in ACCOUNTS:
        assert await verify_password(hashes[email], demo.DEMO_PASSWORD), email
        assert not await verify_password(hashes[email], "intranet-demo2"), email
    assert sum(1 for value in hashes.values() if value) == len(ACCOUNTS)


async def test_the_demo_accounts_sign_in(demo_app: Litestar) -> None:
    names = {email: name for email, name, _title, _unit in demo.DEMO_ACCOUNTS}
    async with client_for(demo_app) as client:
        for email in ACCOUNTS:
            page = await client.get("/signin", headers=HTML)
            token = CSRF_FIELD.search(page.text)
            assert token
            response = await client.post(
                "/signin",
                data={"email": email, "password": demo.DEMO_PASSWORD, "_csrf_token": token.group(1), "next": "/"},
                headers=HTML,
            )
            assert response.status_code == 303, (email, response.text)
            front = await client.get("/", headers=HTML)
            assert names[email] in front.text
            client.cookies.clear()
        # Everyone else has no password: they would sign in through the organisation's own sign-in.
        page = await client.get("/signin", headers=HTML)
        token = CSRF_FIELD.search(page.text)
        assert token
        refused = await client.post(
            "/signin",
            data={"email": "pia.holm@example.org", "password": demo.DEMO_PASSWORD, "_csrf_token": token.group(1)},
            headers=HTML,
        )
        assert refused.status_code == 400


def test_load_demo_data_returns_the_sign_in_line(demo_app: Litestar) -> None:
    lines = demo_app.state.demo_lines
    sign_in = next(line for line in lines if line.startswith("Sign in as"))
    for email in ACCOUNTS:
        assert email in sign_in
    assert sign_in.endswith("password: intranet-demo")


# --- the organisation ----------------------------------------------------------------------------


async def test_the_organisation(demo_app: Litestar) -> None:
    intranet = demo_app.state.intranet
    await intranet.db.connect()
    try:
        units = await Unit.select(Unit.id, Unit.name, Unit.kind, Unit.parent, Unit.path).run()
        memberships = await Membership.select(
            Membership.person, Membership.unit, Membership.is_primary, Membership.is_manager
        ).run()
        people = await Person.select().run()
    finally:
        await intranet.db.close()

    by_kind: dict[str, set[str]] = {}
    for unit in units:
        by_kind.setdefault(unit["kind"], set()).add(unit["name"])
    assert len(by_kind["organisation"]) == 1
    assert len(by_kind["head office"]) == 1
    assert by_kind["department"] == DEPARTMENTS
    assert by_kind["district"] == DISTRICTS
    assert 5 <= len(by_kind["team"]) <= 20
    assert len(units) >= 11
    # Paths follow the parents; one root.
    ids = {unit["id"]: unit for unit in units}
    for unit in units:
        parent = ids.get(unit["parent"])
        assert unit["path"] == (parent["path"] if parent else "/") + f"{unit['id']}/"
    assert sum(1 for unit in units if unit["parent"] is None) == 1

    assert 190 <= len(people) <= 210
    primary = Counter(m["person"] for m in memberships if m["is_primary"])
    assert set(primary) == {p["id"] for p in people}
    assert set(primary.values()) == {1}
    managers = Counter(m["unit"] for m in memberships if m["is_manager"])
    assert managers == Counter({unit["id"]: 1 for unit in units})
    # Nobody is a member of a unit with no one in it: every unit has its staff (or, above, its leader).
    assert {m["unit"] for m in memberships} == set(ids)


async def test_the_people_look_real(demo_app: Litestar) -> None:
    intranet = demo_app.state.intranet
    await intranet.db.connect()
    try:
        people = await Person.select().run()
    finally:
        await intranet.db.close()
    emails = [p["email"] for p in people]
    phones = [p["phone"] for p in people] + [p["mobile"] for p in people]
    assert len(set(emails)) == len(emails)
    assert len(set(phones)) == len(phones)
    assert all(PHONE.fullmatch(phone) for phone in phones), phones
    for person in people:
        assert person["active"] and person["title"], person
        assert person["email"].isascii()
        if person["email"] in ACCOUNTS:
            continue
        first, last = person["name"].split()[0], person["name"].split()[-1]
        assert person["email"] == demo.email_for(first, last)
    assert any("ø" in p["name"] or "æ" in p["name"] or "å" in p["name"] for p in people)
    titles = Counter(p["title"] for p in people)
    for title in ("Faglig konsulent", "Forhandlingskonsulent", "Regionsformand", "Sekretær", "Jurist",
                  "Kommunikationsmedarbejder", "HR-partner", "Økonomimedarbejder", "IT-supporter"):
        assert titles[title] >= 1, title
    assert titles["Regionsformand"] == len(DISTRICTS)
    today = datetime.date.today()
    starts = [p["start_date"] for p in people]
    future = [start for start in starts if start > today]
    assert 1 <= len(future) <= 10
    assert all(start <= today + datetime.timedelta(days=90) for start in future)
    assert len({start.year for start in starts}) >= 10


async def test_editor_is_scoped_to_the_members_district(demo_app: Litestar) -> None:
    intranet = demo_app.state.intranet
    await intranet.db.connect()
    try:
        ids = {row["email"]: row["id"] for row in await Person.select(Person.id, Person.email).run()}
        units = await primary_units()
        assignments = await RoleAssignment.select(
            RoleAssignment.person, RoleAssignment.role.name, RoleAssignment.unit
        ).output(nested=True).run()
        editor_units = [a["unit"] for a in assignments
                        if a["person"] == ids[demo.EDITOR_EMAIL] and a["role"]["name"] == "editor"]
        assert len(editor_units) == 1
        district = editor_units[0]
        branch = await descendant_ids(district)
        assert await Role.exists().where(Role.name == "editor").run()

        # The admin holds everything, everywhere.
        assert [(a["role"]["name"], a["unit"]) for a in assignments if a["person"] == ids[demo.ADMIN_EMAIL]] == [
            (ADMIN_ROLE, None)
        ]
        assert await may(ids[demo.ADMIN_EMAIL], "anything.at_all")
        assert not await may(ids[demo.EDITOR_EMAIL], "anything.at_all")
    finally:
        await intranet.db.close()

    assert units[demo.EDITOR_EMAIL]["id"] == district
    assert units[demo.MEMBER_EMAIL]["id"] == district
    assert units[demo.MEMBER_EMAIL]["kind"] == "district"
    assert units[demo.MEMBER2_EMAIL]["kind"] == "district"
    assert units[demo.MEMBER2_EMAIL]["id"] not in branch
    # Only the admin and the editor hold roles.
    assert {a["person"] for a in assignments} == {ids[demo.ADMIN_EMAIL], ids[demo.EDITOR_EMAIL]}


# --- the plan, without a database --------------------------------------------------------------


def test_the_plan_is_the_same_every_time() -> None:
    day = datetime.date(2026, 1, 15)
    first, second = demo.build_organisation(day), demo.build_organisation(day)
    assert first == second
    # A month later, the same people; every start date has moved a month with today.
    month = datetime.timedelta(days=30)
    later = demo.build_organisation(day + month)
    assert [p.email for p in later.people] == [p.email for p in first.people]
    assert [p.start_date for p in later.people] == [p.start_date + month for p in first.people]


def test_ascii_e_mail_addresses() -> None:
    assert demo.ascii_fold("Søren Ærø-Åberg") == "Soeren Aeroe-Aaberg"
    assert demo.ascii_fold("René Müller") == "Rene Muller"
    assert demo.email_for("Lærke", "Østergaard") == "laerke.oestergaard@example.org"
    assert demo.email_for("Anne-Mette", "Bækgaard") == "anne-mette.baekgaard@example.org"
    assert demo.format_phone(33145012) == "+45 33 14 50 12"


async def test_person_created_is_announced_for_everyone(intranet_settings: Any) -> None:
    from intranet_core import hookimpl
    from intranet_core.testing import build_app

    seen: list[str] = []

    class Listener:
        @hookimpl
        def person_created(self, app: Any, person: Any) -> None:
            seen.append(person.email)

    app = await build_app(intranet_settings, [("listener", Listener())])
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        await load_demo(intranet)
        count = await Person.count().run()
    finally:
        await intranet.db.close()
    assert len(seen) == count and len(set(seen)) == count
    assert demo.ADMIN_EMAIL in seen
