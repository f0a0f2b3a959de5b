"""The administration pages: people, units, roles and CSV import, with their access rules.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from intranet_core import hookimpl
from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.passwords import hash_password_async, verify_password
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import add_membership, create_person, create_unit, update_membership
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission

HTML = {"accept": "text/html", "accept-language": "en"}
PASSWORD = "correct horse battery staple"


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def token_for(client: httpx.AsyncClient, path: str = "/signin") -> str:
    page = await client.get(path, headers=HTML)
    return csrf_token(page.text)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    client.cookies.clear()
    token = await token_for(client, "/signin")
    response = await client.post("/signin", data={"email": email, "password": password, "next": "/",
                                                  "_csrf_token": token}, headers=HTML)
    assert response.status_code == 303, response.text


async def post(client: httpx.AsyncClient, path: str, data: dict[str, Any], **kwargs: Any) -> httpx.Response:
    token = await token_for(client, "/admin") if "_csrf_token" not in data else data["_csrf_token"]
    return await client.post(path, data={**data, "_csrf_token": token}, headers=HTML, **kwargs)


async def add_person(intranet: Any, email: str, name: str, unit_id: int | None = None,
                     password: str | None = PASSWORD) -> int:
    password_hash = await hash_password_async(password) if password else None
    person = await create_person(intranet, actor_id=None, fields={"email": email, "name": name},
                                 password_hash=password_hash, unit_id=unit_id)
    return person.id


async def make_role(name: str, permissions: list[str]) -> int:
    await Role.insert(Role(name=name, label=name.replace("-", " ").title(), builtin=False)).run()
    row = await Role.select(Role.id).where(Role.name == name).first().run()
    assert row is not None
    for permission in permissions:
        await RolePermission.insert(RolePermission(role=row["id"], permission=permission)).run()
    return int(row["id"])


async def role_id(name: str) -> int:
    row = await Role.select(Role.id).where(Role.name == name).first().run()
    assert row is not None
    return int(row["id"])


async def assign(person_id: int, role: int, unit_id: int | None = None) -> None:
    await RoleAssignment.insert(RoleAssignment(person=person_id, role=role, unit=unit_id)).run()


async def person_row(email: str) -> dict[str, Any] | None:
    return await Person.select().where(Person.email == email).first().run()


async def audit_actions() -> list[str]:
    return [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id).run()]


@dataclass
class Site:
    intranet: Any
    client: httpx.AsyncClient
    org: int
    district_a: int
    team_a1: int
    district_b: int
    admin: int
    manager_a: int
    outsider: int
    ann: int  # in team A1
    bob: int  # in district B
    unit_manager_role: int


@pytest.fixture
async def site(intranet_app: Any, intranet_client: httpx.AsyncClient) -> Site:
    intranet = intranet_app.state.intranet
    org = await create_unit(intranet, name="Union", kind="organisation", parent_id=None, actor_id=None)
    district_a = await create_unit(intranet, name="District A", kind="district", parent_id=org, actor_id=None)
    team_a1 = await create_unit(intranet, name="Team A1", kind="team", parent_id=district_a, actor_id=None)
    district_b = await create_unit(intranet, name="District B", kind="district", parent_id=org, actor_id=None)
    admin = await add_person(intranet, "admin@example.org", "Ada Admin", org)
    await assign(admin, await role_id("admin"))
    manager_a = await add_person(intranet, "manager.a@example.org", "Mona Manager", district_a)
    unit_manager_role = await make_role("unit-manager", ["people.manage", "roles.manage", "site.admin"])
    await assign(manager_a, unit_manager_role, district_a)
    outsider = await add_person(intranet, "outsider@example.org", "Otto Outsider", district_b)
    ann = await add_person(intranet, "ann@example.org", "Ann Andersen", team_a1, password=None)
    bob = await add_person(intranet, "bob@example.org", "Bob Berg", district_b, password=None)
    return Site(intranet, intranet_client, org, district_a, team_a1, district_b, admin, manager_a, outsider, ann,
                bob, unit_manager_role)


def new_person_form(**overrides: str) -> dict[str, str]:
    form = {"email": "Carl.Clausen@Example.org", "name": "Carl Clausen", "title": "Organiser",
            "phone": "+45 11 22 33 44", "mobile": "", "language": "da", "start_date": "2026-02-01",
            "unit_title": "", "password": ""}
    form.update(overrides)
    return form


# --- access ---------------------------------------------------------------------


ADMIN_PAGES = ["/admin", "/admin/people", "/admin/people/new", "/admin/units", "/admin/units/new", "/admin/roles",
               "/admin/import"]


async def test_anonymous_visitors_are_sent_to_sign_in(site: Site) -> None:
    for path in [*ADMIN_PAGES, f"/admin/people/{site.ann}", f"/admin/units/{site.org}"]:
        response = await site.client.get(path, headers=HTML)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin?next=/admin"), path
    # Posting is refused too (without a token by CSRF, the rest by sign-in).
    token = await token_for(site.client, "/signin")
    response = await site.client.post("/admin/people/new", data={**new_person_form(), "_csrf_token": token},
                                      headers=HTML)
    assert response.status_code == 303
    assert await person_row("carl.clausen@example.org") is None


async def test_outsider_gets_403_everywhere_and_no_nav_item(site: Site) -> None:
    await sign_in(site.client, "outsider@example.org")
    home = await site.client.get("/", headers=HTML)
    assert 'href="/admin"' not in home.text
    for path in [*ADMIN_PAGES, f"/admin/people/{site.bob}", f"/admin/units/{site.org}"]:
        response = await site.client.get(path, headers=HTML)
        assert response.status_code == 403, path
    response = await post(site.client, "/admin/people/new", new_person_form())
    assert response.status_code == 403
    assert await person_row("carl.clausen@example.org") is None
    assert "admin.denied" in await audit_actions()  # refusals are logged


async def test_admin_sees_nav_item_and_overview(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    home = await site.client.get("/", headers=HTML)
    assert '<a href="/admin">Administration</a>' in home.text
    overview = await site.client.get("/admin", headers=HTML)
    assert overview.status_code == 200
    for link in ("/admin/people", "/admin/units", "/admin/roles", "/admin/import"):
        assert f'href="{link}"' in overview.text
    assert overview.headers["cache-control"] == "no-store"
    danish = await site.client.get("/admin", headers={**HTML, "accept-language": "da"})
    # The person's profile language (none set) falls back to the browser's.
    assert "Administration" in danish.text
    assert "Personer" in danish.text


async def test_post_without_csrf_token_is_refused(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    response = await site.client.post("/admin/people/new", data=new_person_form(), headers=HTML)
    assert response.status_code == 403
    wrong = await site.client.post("/admin/people/new", data={**new_person_form(), "_csrf_token": "0" * 80},
                                   headers=HTML)
    assert wrong.status_code == 403
    for path in (f"/admin/people/{site.ann}/active", f"/admin/units/{site.team_a1}", "/admin/import",
                 f"/admin/people/{site.ann}/roles"):
        assert (await site.client.post(path, data={"active": "0", "name": "X"}, headers=HTML)).status_code == 403
    assert await person_row("carl.clausen@example.org") is None
    ann = await person_row("ann@example.org")
    assert ann is not None and ann["active"]


# --- people ---------------------------------------------------------------------


async def test_create_person_with_unit_and_password(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    page = await site.client.get("/admin/people/new", headers=HTML)
    assert page.status_code == 200
    assert 'name="_csrf_token"' in page.text
    response = await post(site.client, "/admin/people/new",
                          {**new_person_form(unit_id=str(site.team_a1), unit_title="Shop steward",
                                             password="a long enough pass phrase"),
                           # Not in the form: never written.
                           "active": "false", "password_hash": "x", "photo": "x.svg"})
    assert response.status_code == 303, response.text
    row = await person_row("carl.clausen@example.org")
    assert row is not None
    assert response.headers["location"] == f"/admin/people/{row['id']}?done=created"
    assert row["name"] == "Carl Clausen"
    assert row["language"] == "da"
    assert str(row["start_date"]) == "2026-02-01"
    assert await verify_password(row["password_hash"], "a long enough pass phrase")
    assert row["active"] is True and row["leaving_date"] is None and row["photo"] is None
    membership = await Membership.select().where(Membership.person == row["id"]).first().run()
    assert membership is not None
    assert membership["unit"] == site.team_a1 and membership["is_primary"]
    assert membership["title"] == "Shop steward"
    assert "person.create" in await audit_actions()
    detail = await site.client.get(response.headers["location"], headers=HTML)
    assert detail.status_code == 200
    assert "Carl Clausen" in detail.text and "Created." in detail.text
    assert "Union \u203a District A \u203a Team A1" in detail.text


async def test_bad_input_shows_the_form_again_and_writes_nothing(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    before = await Person.count().run()
    response = await post(site.client, "/admin/people/new", new_person_form(
        email="not-an-address", name="", title="x" * 201, start_date="2026-02-30", language="xx",
        password="short", unit_id="abc",
    ))
    assert response.status_code == 400
    text = response.text
    assert "Nothing was saved" in text
    assert "Enter an e-mail address such as name@example.org." in text
    assert "This field is required." in text
    assert "Use at most 200 characters." in text
    assert "Enter a date as YYYY-MM-DD." in text
    assert 'value="not-an-address"' in text  # what was typed is kept
    assert "short" not in re.findall(r'type="password"[^>]*>', text)[0]
    assert await Person.count().run() == before
    weak = await post(site.client, "/admin/people/new", new_person_form(password="short"))
    assert weak.status_code == 400
    assert "at least 8 characters" in weak.text
    assert await Person.count().run() == before


async def test_duplicate_email_is_refused_whatever_the_case(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    before = await Person.count().run()
    audit_before = await AuditEntry.count().where(AuditEntry.action == "person.create").run()
    response = await post(site.client, "/admin/people/new", new_person_form(email="ANN@Example.ORG", name="Other Ann"))
    assert response.status_code == 400
    assert "Someone already has this e-mail address." in response.text
    assert 'value="Other Ann"' in response.text
    assert await Person.count().run() == before
    assert await AuditEntry.count().where(AuditEntry.action == "person.create").run() == audit_before
    # Changing someone's address to another's is refused the same way.
    edit = await post(site.client, f"/admin/people/{site.bob}", {"email": "Ann@example.org", "name": "Bob Berg"})
    assert edit.status_code == 400
    assert "Someone already has this e-mail address." in edit.text
    bob = await person_row("bob@example.org")
    assert bob is not None and bob["name"] == "Bob Berg"


async def test_edit_person_ignores_fields_not_in_the_form(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    before = await person_row("ann@example.org")
    assert before is not None
    response = await post(site.client, f"/admin/people/{site.ann}", {
        "email": " Ann.Andersen@Example.org ", "name": "Ann Andersen-Holm", "title": "Lawyer", "phone": "",
        "mobile": "+45 20 30 40 50", "language": "en", "start_date": "",
        # Not in the form: never written.
        "active": "false", "password_hash": "x", "id": "999", "created_at": "2000-01-01T00:00:00Z",
        "photo": "evil.svg", "is_admin": "1",
    })
    assert response.status_code == 303, response.text
    after = await Person.select().where(Person.id == site.ann).first().run()
    assert after is not None
    assert after["email"] == "ann.andersen@example.org"
    assert after["name"] == "Ann Andersen-Holm" and after["title"] == "Lawyer" and after["language"] == "en"
    assert after["active"] is True
    assert after["password_hash"] is None
    assert after["photo"] is None and after["leaving_date"] is None
    assert after["created_at"] == before["created_at"]
    assert await RoleAssignment.count().where(RoleAssignment.person == site.ann).run() == 0
    entries = await AuditEntry.select().where(AuditEntry.action == "person.update").run()
    assert entries and "title" in json.loads(entries[-1]["details"])["fields"]


async def test_leaving_date_is_set_shown_and_checked_against_the_start_date(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    form = await site.client.get("/admin/people/new", headers=HTML)
    assert 'name="leaving_date"' in form.text and "Leaving date" in form.text
    response = await post(site.client, "/admin/people/new", new_person_form(leaving_date="2026-12-31"))
    assert response.status_code == 303, response.text
    row = await person_row("carl.clausen@example.org")
    assert row is not None and str(row["leaving_date"]) == "2026-12-31"
    page = await site.client.get(f"/admin/people/{row['id']}", headers=HTML)
    assert re.search(r'name="leaving_date" type="date" value="2026-12-31"', page.text)

    # Before the start date: the form again, the field marked, nothing written.
    before = await Person.count().run()
    early = await post(site.client, "/admin/people/new", new_person_form(
        email="dina@example.org", name="Dina", start_date="2026-02-01", leaving_date="2026-01-31"))
    assert early.status_code == 400
    assert "Nothing was saved" in early.text
    assert "The leaving date cannot be before the start date." in early.text
    assert 'value="2026-01-31"' in early.text
    assert await Person.count().run() == before
    fields = {"email": "ann@example.org", "name": "Ann Andersen", "start_date": "2026-05-01"}
    edit = await post(site.client, f"/admin/people/{site.ann}", {**fields, "leaving_date": "2026-04-30"})
    assert edit.status_code == 400
    assert re.search(r'id="f-leaving_date-error">The leaving date cannot be before the start date\.', edit.text)
    ann = await person_row("ann@example.org")
    assert ann is not None and ann["start_date"] is None and ann["leaving_date"] is None

    # On the start date itself is fine; emptying the field clears it.
    same_day = await post(site.client, f"/admin/people/{site.ann}", {**fields, "leaving_date": "2026-05-01"})
    assert same_day.status_code == 303, same_day.text
    ann = await person_row("ann@example.org")
    assert ann is not None and str(ann["leaving_date"]) == "2026-05-01"
    cleared = await post(site.client, f"/admin/people/{site.ann}", {**fields, "leaving_date": ""})
    assert cleared.status_code == 303
    ann = await person_row("ann@example.org")
    assert ann is not None and ann["leaving_date"] is None
    page = await site.client.get(f"/admin/people/{site.ann}", headers=HTML)
    assert re.search(r'name="leaving_date" type="date" value=""', page.text)
    entries = await AuditEntry.select().where(AuditEntry.action == "person.update").run()
    assert "leaving_date" in json.loads(entries[-1]["details"])["fields"]


async def test_deactivate_and_reactivate(site: Site) -> None:
    # The outsider signs in on another client: deactivation ends that session.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=site.intranet.litestar),
                                 base_url=str(site.client.base_url)) as other:
        await sign_in(other, "outsider@example.org")
        assert (await other.get("/", headers=HTML)).status_code == 200
        await sign_in(site.client, "admin@example.org")
        response = await post(site.client, f"/admin/people/{site.outsider}/active", {"active": "0"})
        assert response.status_code == 303
        assert response.headers["location"].endswith("done=deactivated")
        row = await person_row("outsider@example.org")
        assert row is not None and row["active"] is False
        home = await other.get("/admin", headers=HTML)
        assert home.status_code == 303 and home.headers["location"].startswith("/signin")
    page = await site.client.get(f"/admin/people/{site.outsider}", headers=HTML)
    assert "Deactivated" in page.text and "Reactivate" in page.text
    response = await post(site.client, f"/admin/people/{site.outsider}/active", {"active": "1"})
    assert response.status_code == 303
    row = await person_row("outsider@example.org")
    assert row is not None and row["active"] is True
    actions = await audit_actions()
    assert "person.deactivate" in actions and "person.reactivate" in actions
    # Nobody deactivates themselves by mistake.
    self_off = await post(site.client, f"/admin/people/{site.admin}/active", {"active": "0"})
    assert self_off.status_code == 400
    assert "You cannot deactivate yourself." in self_off.text


async def test_erase_a_deactivated_person_after_confirming(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    # Active people are deactivated first: that step can be undone, this one cannot.
    page = await site.client.get(f"/admin/people/{site.outsider}", headers=HTML)
    assert f'action="/admin/people/{site.outsider}/erase"' not in page.text
    early = await post(site.client, f"/admin/people/{site.outsider}/erase", {"mode": "anonymise", "confirm": "1"})
    assert early.status_code == 400 and "Deactivate the person first." in early.text
    await post(site.client, f"/admin/people/{site.outsider}/active", {"active": "0"})
    page = await site.client.get(f"/admin/people/{site.outsider}", headers=HTML)
    assert f'action="/admin/people/{site.outsider}/erase"' in page.text
    unconfirmed = await post(site.client, f"/admin/people/{site.outsider}/erase", {"mode": "anonymise"})
    assert unconfirmed.status_code == 400 and "cannot be undone" in unconfirmed.text
    bad_mode = await post(site.client, f"/admin/people/{site.outsider}/erase", {"mode": "shred", "confirm": "1"})
    assert bad_mode.status_code == 400
    assert (await person_row("outsider@example.org")) is not None  # nothing happened yet

    done = await post(site.client, f"/admin/people/{site.outsider}/erase", {"mode": "anonymise", "confirm": "1"})
    assert done.status_code == 303 and done.headers["location"].endswith("done=erased")
    assert await person_row("outsider@example.org") is None
    row = await Person.select(Person.name, Person.email).where(Person.id == site.outsider).first().run()
    assert row == {"name": "Tidligere medarbejder", "email": f"erased-{site.outsider}@invalid"}
    assert "person.erase" in await audit_actions()
    page = await site.client.get(f"/admin/people/{site.outsider}?done=erased", headers=HTML)
    assert "The person is erased." in page.text and "/erase" not in page.text


async def test_erasing_needs_the_right_to_manage_the_person(site: Site) -> None:
    await Person.update({Person.active: False}).where(Person.id == site.bob).run()
    # The manager of district A manages people there only; Bob is in district B.
    await sign_in(site.client, "manager.a@example.org")
    refused = await post(site.client, f"/admin/people/{site.bob}/erase", {"mode": "anonymise", "confirm": "1"})
    assert refused.status_code == 403
    assert await person_row("bob@example.org") is not None


async def test_memberships_add_primary_manager_remove(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    response = await post(site.client, f"/admin/people/{site.ann}/memberships",
                          {"unit_id": str(site.district_b), "title": "Helper", "is_manager": "1"})
    assert response.status_code == 303, response.text
    rows = {r["unit"]: r for r in await Membership.select().where(Membership.person == site.ann).run()}
    assert rows[site.district_b]["is_manager"] and not rows[site.district_b]["is_primary"]
    assert rows[site.team_a1]["is_primary"]
    twice = await post(site.client, f"/admin/people/{site.ann}/memberships", {"unit_id": str(site.district_b)})
    assert twice.status_code == 400
    assert "already a member" in twice.text

    b_id = rows[site.district_b]["id"]
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "primary"})
            ).status_code == 303
    rows = {r["unit"]: r for r in await Membership.select().where(Membership.person == site.ann).run()}
    assert rows[site.district_b]["is_primary"] and not rows[site.team_a1]["is_primary"]
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "not_manager"})
            ).status_code == 303
    assert not (await Membership.select().where(Membership.id == b_id).first().run())["is_manager"]
    # A membership of someone else is not reachable through this person's page.
    bob_membership = await Membership.select().where(Membership.person == site.bob).first().run()
    assert bob_membership is not None
    other = await post(site.client, f"/admin/people/{site.ann}/memberships/{bob_membership['id']}",
                       {"action": "remove"})
    assert other.status_code == 404
    assert await Membership.exists().where(Membership.id == bob_membership["id"]).run()
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "remove"})
            ).status_code == 303
    assert not await Membership.exists().where(Membership.id == b_id).run()
    actions = await audit_actions()
    assert {"membership.add", "membership.update", "membership.remove"} <= set(actions)


class _MembershipListener:
    def __init__(self) -> None:
        self.calls: list[tuple[PersonInfo, list[int]]] = []

    @hookimpl
    async def memberships_changed(self, app: Any, person: PersonInfo, unit_ids: list[int]) -> None:
        self.calls.append((person, unit_ids))

    def take(self) -> list[tuple[int, list[int]]]:
        calls, self.calls = self.calls, []
        return [(person.id, unit_ids) for person, unit_ids in calls]


@pytest.fixture
def membership_listener(site: Site) -> Any:
    listener = _MembershipListener()
    site.intranet.pm.register(listener, name="test-memberships")
    yield listener
    site.intranet.pm.unregister(name="test-memberships")


async def test_plugins_hear_when_memberships_change(site: Site, membership_listener: _MembershipListener) -> None:
    await sign_in(site.client, "admin@example.org")
    # A new person's first membership is person_created's news, not this hook's.
    await add_person(site.intranet, "dan@example.org", "Dan", site.district_a)
    assert membership_listener.take() == []

    added = await post(site.client, f"/admin/people/{site.ann}/memberships", {"unit_id": str(site.district_b)})
    assert added.status_code == 303, added.text
    calls = list(membership_listener.calls)
    assert membership_listener.take() == [(site.ann, [site.district_b])]
    assert calls[0][0].name == "Ann Andersen" and calls[0][0].email == "ann@example.org"
    b_id = (await Membership.select(Membership.id).where(
        (Membership.person == site.ann) & (Membership.unit == site.district_b)).first().run())["id"]

    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "manager"})
            ).status_code == 303
    assert membership_listener.take() == [(site.ann, [site.district_b])]
    # Making B primary also changes team A1, which was primary until now.
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "primary"})
            ).status_code == 303
    assert membership_listener.take() == [(site.ann, [site.district_b, site.team_a1])]

    # Nothing changes: nothing to hear of.
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "manager"})
            ).status_code == 303
    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "primary"})
            ).status_code == 303
    await update_membership(site.intranet, site.ann, b_id, is_primary=True, is_manager=True, title="",
                            actor_id=None)
    assert membership_listener.take() == []
    await update_membership(site.intranet, site.ann, b_id, title="Helper", actor_id=None)
    assert membership_listener.take() == [(site.ann, [site.district_b])]

    # Refused changes are not announced either.
    twice = await post(site.client, f"/admin/people/{site.ann}/memberships", {"unit_id": str(site.district_b)})
    assert twice.status_code == 400
    assert membership_listener.take() == []

    assert (await post(site.client, f"/admin/people/{site.ann}/memberships/{b_id}", {"action": "remove"})
            ).status_code == 303
    assert membership_listener.take() == [(site.ann, [site.district_b])]

    # Through the service, as a plugin changes memberships: added as primary, with the old primary.
    await add_membership(site.intranet, site.bob, site.team_a1, is_primary=True, actor_id=None)
    assert membership_listener.take() == [(site.bob, [site.team_a1, site.district_b])]


async def test_people_list_search_and_keyset_pages(site: Site) -> None:
    for number in range(60):
        await add_person(site.intranet, f"member{number:02d}@example.org", f"Member {number:02d}", site.district_b,
                         password=None)
    await add_person(site.intranet, "oeystein@example.org", "Øystein Østergaard", site.district_b, password=None)
    await sign_in(site.client, "admin@example.org")
    first = await site.client.get("/admin/people", headers=HTML)
    assert first.status_code == 200
    names = re.findall(r'class="admin-list-title" href="/admin/people/\d+">([^<]+)<', first.text)
    assert len(names) == 50
    in_order = [r["name"] for r in await Person.select(Person.name).order_by(Person.name, Person.id).run()]
    match = re.search(r'href="/admin/people\?after=(\d+)"', first.text)
    assert match
    second = await site.client.get(f"/admin/people?after={match.group(1)}", headers=HTML)
    more = re.findall(r'class="admin-list-title" href="/admin/people/\d+">([^<]+)<', second.text)
    assert names + more == in_order  # everyone once, in the database's own order
    assert "?after=" not in second.text

    found = await site.client.get("/admin/people", params={"q": "MEMBER 0"}, headers=HTML)
    assert len(re.findall(r'class="admin-list-title"', found.text)) == 10
    by_email = await site.client.get("/admin/people", params={"q": "Ann@EXAMPLE"}, headers=HTML)
    assert "Ann Andersen" in by_email.text and "Bob Berg" not in by_email.text
    danish = await site.client.get("/admin/people", params={"q": "østergaard"}, headers=HTML)
    assert "Øystein Østergaard" in danish.text
    nothing = await site.client.get("/admin/people", params={"q": "%"}, headers=HTML)
    assert nothing.status_code == 200
    assert "admin.people_search" in await audit_actions()


# --- scoped managers ----------------------------------------------------------------


async def test_scoped_manager_manages_only_their_branch(site: Site) -> None:
    await sign_in(site.client, "manager.a@example.org")
    listing = await site.client.get("/admin/people", headers=HTML)
    assert listing.status_code == 200
    assert "Ann Andersen" in listing.text and "Mona Manager" in listing.text
    assert "Bob Berg" not in listing.text and "Ada Admin" not in listing.text
    assert (await site.client.get(f"/admin/people/{site.ann}", headers=HTML)).status_code == 200
    assert (await site.client.get(f"/admin/people/{site.bob}", headers=HTML)).status_code == 403
    assert (await site.client.get("/admin/people/999999", headers=HTML)).status_code == 403

    refused = await post(site.client, f"/admin/people/{site.bob}", {"email": "bob@example.org", "name": "Hacked"})
    assert refused.status_code == 403
    bob = await person_row("bob@example.org")
    assert bob is not None and bob["name"] == "Bob Berg"
    assert (await post(site.client, f"/admin/people/{site.bob}/active", {"active": "0"})).status_code == 403
    assert (await person_row("bob@example.org") or {}).get("active") is True

    edited = await post(site.client, f"/admin/people/{site.ann}", {"email": "ann@example.org", "name": "Ann A."})
    assert edited.status_code == 303
    # New people only in the branch.
    outside = await post(site.client, "/admin/people/new", new_person_form(unit_id=str(site.district_b)))
    assert outside.status_code == 400
    assert "You cannot add people to that unit." in outside.text
    no_unit = await post(site.client, "/admin/people/new", new_person_form())
    assert no_unit.status_code == 400
    assert await person_row("carl.clausen@example.org") is None
    inside = await post(site.client, "/admin/people/new", new_person_form(unit_id=str(site.team_a1)))
    assert inside.status_code == 303
    # Memberships only of the branch's units.
    moved_out = await post(site.client, f"/admin/people/{site.ann}/memberships", {"unit_id": str(site.district_b)})
    assert moved_out.status_code == 403
    assert not await Membership.exists().where(
        (Membership.person == site.ann) & (Membership.unit == site.district_b)
    ).run()
    # Units: only in the branch.
    assert (await site.client.get(f"/admin/units/{site.team_a1}", headers=HTML)).status_code == 200
    assert (await site.client.get(f"/admin/units/{site.district_b}", headers=HTML)).status_code == 403
    top = await post(site.client, "/admin/units/new", {"name": "Rogue", "kind": "team", "parent_id": ""})
    assert top.status_code == 403
    assert not await Unit.exists().where(Unit.name == "Rogue").run()
    assert (await site.client.get("/admin/import", headers=HTML)).status_code == 403


async def test_scoped_manager_cannot_take_over_an_administrator(site: Site) -> None:
    # An administrator whose unit is in the manager's branch.
    boss = await add_person(site.intranet, "boss@example.org", "Bo Boss", site.team_a1)
    await assign(boss, await role_id("admin"))
    await sign_in(site.client, "manager.a@example.org")
    page = await site.client.get(f"/admin/people/{boss}", headers=HTML)
    assert page.status_code == 200
    assert "holds a role you do not hold" in page.text
    response = await post(site.client, f"/admin/people/{boss}", {"email": "mine@example.org", "name": "Bo Boss"})
    assert response.status_code == 403
    assert await person_row("boss@example.org") is not None
    assert (await post(site.client, f"/admin/people/{boss}/active", {"active": "0"})).status_code == 403


# --- roles ----------------------------------------------------------------------


async def test_roles_page_lists_permissions(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    page = await site.client.get("/admin/roles", headers=HTML)
    assert page.status_code == 200
    assert "Administrator" in page.text
    assert "Create, edit and deactivate people; edit units" in page.text
    assert "people.manage" in page.text and "Unit Manager" in page.text
    assert "Given 1 time" in page.text


async def test_granting_a_role_you_do_not_hold_is_refused(site: Site) -> None:
    await sign_in(site.client, "manager.a@example.org")
    admin_role = await role_id("admin")
    refused = await post(site.client, f"/admin/people/{site.ann}/roles",
                         {"role_id": str(admin_role), "unit_id": str(site.district_a)})
    assert refused.status_code == 403
    assert "you do not hold every permission of the role there yourself" in refused.text
    everywhere = await post(site.client, f"/admin/people/{site.ann}/roles",
                            {"role_id": str(site.unit_manager_role), "unit_id": ""})
    assert everywhere.status_code == 403
    assert await RoleAssignment.count().where(RoleAssignment.person == site.ann).run() == 0
    assert "role.grant_refused" in await audit_actions()

    granted = await post(site.client, f"/admin/people/{site.ann}/roles",
                         {"role_id": str(site.unit_manager_role), "unit_id": str(site.team_a1),
                          "person": str(site.bob)})
    assert granted.status_code == 303, granted.text
    rows = await RoleAssignment.select().where(RoleAssignment.person == site.ann).run()
    assert [(r["role"], r["unit"]) for r in rows] == [(site.unit_manager_role, site.team_a1)]
    assert await RoleAssignment.count().where(RoleAssignment.person == site.bob).run() == 0
    assert "role.grant" in await audit_actions()
    revoked = await post(site.client, f"/admin/people/{site.ann}/roles/{rows[0]['id']}/revoke", {})
    assert revoked.status_code == 303
    assert await RoleAssignment.count().where(RoleAssignment.person == site.ann).run() == 0
    assert "role.revoke" in await audit_actions()
    # The administrator's own role cannot be taken back by the unit manager.
    admin_assignment = await RoleAssignment.select().where(RoleAssignment.person == site.admin).first().run()
    assert admin_assignment is not None
    response = await post(site.client, f"/admin/people/{site.admin}/roles/{admin_assignment['id']}/revoke", {})
    assert response.status_code == 403


async def test_the_last_administrator_keeps_the_role(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    assignment = await RoleAssignment.select().where(RoleAssignment.person == site.admin).first().run()
    assert assignment is not None
    response = await post(site.client, f"/admin/people/{site.admin}/roles/{assignment['id']}/revoke", {})
    assert response.status_code == 400
    assert "at least one administrator" in response.text
    assert await RoleAssignment.exists().where(RoleAssignment.id == assignment["id"]).run()


# --- units ------------------------------------------------------------------------


async def test_units_tree_create_rename_move_and_cycle(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    tree = await site.client.get("/admin/units", headers=HTML)
    assert tree.status_code == 200
    # District A's list holds Team A1: the tree is nested.
    assert re.search(rf'id="unit-{site.district_a}".*?<ul>.*?id="unit-{site.team_a1}"', tree.text, re.S)

    created = await post(site.client, "/admin/units/new", {"name": "Team B1", "kind": "team",
                                                           "parent_id": str(site.district_b), "path": "/1/"})
    assert created.status_code == 303, created.text
    team_b1 = await Unit.select().where(Unit.name == "Team B1").first().run()
    assert team_b1 is not None
    assert team_b1["path"] == f"/{site.org}/{site.district_b}/{team_b1['id']}/"

    # Move District B (with Team B1) under District A.
    moved = await post(site.client, f"/admin/units/{site.district_b}",
                       {"name": "District B (North)", "kind": "district", "parent_id": str(site.district_a)})
    assert moved.status_code == 303, moved.text
    b = await Unit.select().where(Unit.id == site.district_b).first().run()
    assert b is not None and b["parent"] == site.district_a and b["name"] == "District B (North)"
    b1 = await Unit.select(Unit.path).where(Unit.id == team_b1["id"]).first().run()
    assert b1 is not None
    assert b1["path"] == f"/{site.org}/{site.district_a}/{site.district_b}/{team_b1['id']}/"

    # District A under its own grandchild: refused, and nothing changes (not even the name).
    cycle = await post(site.client, f"/admin/units/{site.district_a}",
                       {"name": "Renamed", "kind": "district", "parent_id": str(team_b1["id"])})
    assert cycle.status_code == 400
    assert "cannot be placed under itself" in cycle.text
    a = await Unit.select().where(Unit.id == site.district_a).first().run()
    assert a is not None and a["name"] == "District A" and a["parent"] == site.org
    itself = await post(site.client, f"/admin/units/{site.district_a}",
                        {"name": "District A", "kind": "district", "parent_id": str(site.district_a)})
    assert itself.status_code == 400
    bad = await post(site.client, "/admin/units/new", {"name": "", "kind": "x" * 60})
    assert bad.status_code == 400
    assert "This field is required." in bad.text and "Use at most 50 characters." in bad.text
    actions = await audit_actions()
    assert {"unit.create", "unit.move", "unit.update"} <= set(actions)


# --- CSV import ----------------------------------------------------------------------


UNITS_CSV = "key;name;kind;parent_key\nnorth;North district;district;Union\nnorth-it;IT support;team;north\n"
PEOPLE_CSV = (
    "email,name,title,phone,mobile,language,start_date,unit_key,unit_title,manager\n"
    "eve@example.org,Eve Eriksen,IT supporter,,+45 12 34 56 78,da,2026-03-01,north-it,Lead,yes\n"
    '"frank@example.org","Frank, Jr.",,,,,,District A,,no\n'
    "gry@example.org,Gry Gram,,,,,,,,\n"
)


async def upload(client: httpx.AsyncClient, action: str, units: str | bytes | None = None,
                 people: str | bytes | None = None) -> httpx.Response:
    token = await token_for(client, "/admin/import")
    files = {}
    if units is not None:
        files["units_file"] = ("units.csv", units.encode() if isinstance(units, str) else units, "text/csv")
    if people is not None:
        files["people_file"] = ("people.csv", people.encode() if isinstance(people, str) else people, "text/csv")
    return await client.post("/admin/import", data={"_csrf_token": token, "action": action}, files=files,
                             headers=HTML)


async def test_csv_dry_run_lists_problems_by_line_and_writes_nothing(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    people_before, units_before = await Person.count().run(), await Unit.count().run()
    audit_before = await AuditEntry.count().run()
    units = ("key,name,kind,parent_key\nnorth,North,district,\nnorth,Again,district,\nsouth,,district,\n"
             "x,X,team,nowhere\n")
    people = (
        "email;name;start_date;unit_key;manager\n"
        "eve@example.org;Eve;2026-03-01;north;yes\n"
        "EVE@example.org;Eve again;;north;no\n"
        "ann@example.org;Ann the second;;;\n"
        "not-an-email;Nobody;;;\n"
        "hal@example.org;Hal;2026-13-01;;\n"
        "ida@example.org;;;;\n"
        "jon@example.org;Jon;;atlantis;\n"
        "kim@example.org;Kim;;north;maybe\n"
    )
    response = await upload(site.client, "check", units, people)
    assert response.status_code == 200
    problems = re.findall(r"<li>\s*(.*?)\s*</li>", response.text.split('class="admin-problems"')[1].split("</ul>")[0],
                          re.S)
    text = "\n".join(re.sub(r"\s+", " ", p) for p in problems)
    assert "Units file, line 3: The key &#34;north&#34; is also on line 2." in text
    assert "Units file, line 4: name: This field is required." in text
    assert "Units file, line 5: parent_key: Unknown unit &#34;nowhere&#34;." in text
    assert "People file, line 3: The e-mail address eve@example.org is also on line 2." in text
    assert "People file, line 4: Someone already has the e-mail address ann@example.org." in text
    assert "People file, line 5: email: Enter an e-mail address such as name@example.org." in text
    assert "People file, line 6: start_date: Enter a date as YYYY-MM-DD." in text
    assert "People file, line 7: name: This field is required." in text
    assert "People file, line 8: unit_key: Unknown unit &#34;atlantis&#34;." in text
    assert "People file, line 9: manager: write yes or no." in text
    assert "nothing was imported" in response.text
    assert await Person.count().run() == people_before
    assert await Unit.count().run() == units_before
    assert await AuditEntry.count().run() == audit_before

    # The real run refuses the same files, writing nothing.
    real = await upload(site.client, "import", units, people)
    assert real.status_code == 400
    assert await Person.count().run() == people_before
    assert await Unit.count().run() == units_before

    header = await upload(site.client, "check", people="mail,name\nx@example.org,X\n")
    assert "Unknown columns: mail" in header.text and "Missing columns: email" in header.text
    latin1 = await upload(site.client, "check", people="email,name\nø@example.org,Søren\n".encode("latin-1"))
    assert "not UTF-8" in latin1.text
    cycle = await upload(site.client, "check", units="key,name,parent_key\na,A,b\nb,B,a\n")
    assert "would end up below itself" in cycle.text
    assert await Unit.count().run() == units_before


async def test_good_csv_import_writes_everything_in_one_go(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    check = await upload(site.client, "check", UNITS_CSV, PEOPLE_CSV)
    assert check.status_code == 200
    assert "would create 2 units and 3 people" in check.text
    assert await person_row("eve@example.org") is None

    response = await upload(site.client, "import", "\ufeff" + UNITS_CSV, PEOPLE_CSV)
    assert response.status_code == 200, response.text
    assert "Created 2 units and 3 people." in response.text
    north = await Unit.select().where(Unit.name == "North district").first().run()
    it = await Unit.select().where(Unit.name == "IT support").first().run()
    assert north is not None and it is not None
    assert north["parent"] == site.org and north["kind"] == "district"
    assert it["path"] == f"/{site.org}/{north['id']}/{it['id']}/"
    eve = await person_row("eve@example.org")
    assert eve is not None and eve["language"] == "da" and str(eve["start_date"]) == "2026-03-01"
    assert eve["password_hash"] is None
    membership = await Membership.select().where(Membership.person == eve["id"]).first().run()
    assert membership is not None
    assert membership["unit"] == it["id"] and membership["is_manager"] and membership["is_primary"]
    assert membership["title"] == "Lead"
    frank = await person_row("frank@example.org")
    assert frank is not None and frank["name"] == "Frank, Jr."
    frank_unit = await Membership.select(Membership.unit).where(Membership.person == frank["id"]).first().run()
    assert frank_unit is not None and frank_unit["unit"] == site.district_a
    gry = await person_row("gry@example.org")
    assert gry is not None
    assert not await Membership.exists().where(Membership.person == gry["id"]).run()
    actions = await audit_actions()
    assert "admin.import" in actions
    assert actions.count("person.create") >= 3

    # Importing the same people again: all refused, nothing half-written.
    again = await upload(site.client, "import", people=PEOPLE_CSV)
    assert again.status_code == 400
    assert await Person.count().where(Person.email == "eve@example.org").run() == 1


async def test_import_upload_size_is_limited(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    big = "email,name\n" + "x@example.org,X\n" * 300_000  # ~5 MB
    response = await upload(site.client, "check", people=big)
    assert response.status_code == 413
    assert await person_row("x@example.org") is None


async def test_csv_import_reads_an_optional_leaving_date(site: Site) -> None:
    await sign_in(site.client, "admin@example.org")
    page = await site.client.get("/admin/import", headers=HTML)
    assert "<code>leaving_date</code>" in page.text
    assert "start_date;leaving_date;unit_key" in page.text
    people = (
        "email;name;start_date;leaving_date\n"
        "hal@example.org;Hal;2026-03-01;2026-02-28\n"
        "ida@example.org;Ida;;2026-13-01\n"
        "jon@example.org;Jon;2026-03-01;2026-09-30\n"
    )
    check = await upload(site.client, "check", people=people)
    assert "People file, line 2: leaving_date: The leaving date cannot be before the start date." in check.text
    assert "People file, line 3: leaving_date: Enter a date as YYYY-MM-DD." in check.text
    assert "line 4" not in check.text
    refused = await upload(site.client, "import", people=people)
    assert refused.status_code == 400
    assert await person_row("jon@example.org") is None

    good = (
        "email;name;start_date;leaving_date\n"
        "hal@example.org;Hal;2026-03-01;2026-03-01\n"
        "ida@example.org;Ida;;2026-12-31\n"
        "jon@example.org;Jon;2026-03-01;\n"
    )
    response = await upload(site.client, "import", people=good)
    assert response.status_code == 200, response.text
    assert "Created 0 units and 3 people." in response.text
    leaving = {}
    for email in ("hal@example.org", "ida@example.org", "jon@example.org"):
        row = await person_row(email)
        assert row is not None
        leaving[email] = None if row["leaving_date"] is None else str(row["leaving_date"])
    assert leaving == {"hal@example.org": "2026-03-01", "ida@example.org": "2026-12-31", "jon@example.org": None}

    # A file from before the column existed still imports; the leaving date stays empty.
    old = ("email,name,title,phone,mobile,language,start_date,unit_key,unit_title,manager\n"
           "kim@example.org,Kim,,,,,2026-04-01,District A,,no\n")
    response = await upload(site.client, "import", people=old)
    assert response.status_code == 200, response.text
    kim = await person_row("kim@example.org")
    assert kim is not None and str(kim["start_date"]) == "2026-04-01" and kim["leaving_date"] is None


async def test_the_people_service_refuses_unknown_units_and_people(intranet_app: Any) -> None:
    from intranet_core.audit.tables import AuditEntry
    from intranet_core.people.service import PersonError, create_person, set_active
    from intranet_core.testing import client_for

    async with client_for(intranet_app):
        intranet = intranet_app.state.intranet
        with pytest.raises(PersonError, match="unit_not_found"):
            await create_person(intranet, actor_id=None, fields={"email": "x@example.org", "name": "X"},
                                unit_id=999_999)
        with pytest.raises(PersonError, match="not_found"):
            await set_active(intranet, 999_999, False, actor_id=None)
        assert await AuditEntry.count().run() == 0  # nothing half-written
