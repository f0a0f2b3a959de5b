"""The audit log page: who may read it, what it shows, filters and keyset pages."""

from __future__ import annotations

import datetime
import html
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from test_auth import HTML, add_person, auth_test_settings, browser, give_role, sign_in

from intranet_core.audit.routes import PAGE_SIZE, AuditFilters, fetch_page
from intranet_core.audit.service import record
from intranet_core.audit.tables import AuditEntry
from intranet_core.people import service as people
from intranet_core.people.models import PersonInfo
from intranet_core.permissions.tables import Role, RolePermission
from intranet_core.settings import Settings

UTC = datetime.UTC
ROW = re.compile(r'<tr id="entry-(\d+)">')


@pytest.fixture
def intranet_settings(tmp_path: Path) -> Settings:
    return auth_test_settings(tmp_path)


@pytest.fixture
async def auditor(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> PersonInfo:
    """A person holding audit.view (and nothing else), signed in on ``intranet_client``."""
    rows = await Role.insert(Role(name="auditor", label="Auditor")).returning(Role.id).run()
    await RolePermission.insert(RolePermission(role=rows[0]["id"], permission="audit.view")).run()
    person = await add_person(intranet_app, email="aud@example.org", name="Aud Itor")
    await give_role(person.id, "auditor")
    response = await sign_in(intranet_client, "aud@example.org")
    assert response.status_code == 303
    return person


def entry_ids(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


def href(page: str, label: str) -> str | None:
    match = re.search(r'<a href="([^"]+)"[^>]*>' + re.escape(label) + "</a>", page)
    return html.unescape(match.group(1)) if match else None


async def add_entry(action: str, at: datetime.datetime, **fields: Any) -> int:
    rows = await AuditEntry.insert(AuditEntry(action=action, at=at, **fields)).returning(AuditEntry.id).run()
    return int(rows[0]["id"])


async def get_log(client: httpx.AsyncClient, path: str = "/audit", **params: Any) -> str:
    response = await client.get(path, params=params or None, headers=HTML)
    assert response.status_code == 200, response.text[:300]
    return response.text


# --- who may read it ---------------------------------------------------------------


async def test_anonymous_visitors_are_sent_to_sign_in(intranet_client: httpx.AsyncClient) -> None:
    response = await intranet_client.get("/audit", headers=HTML)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/audit"
    api_style = await intranet_client.get("/audit", headers={"accept": "application/json"})
    assert api_style.status_code == 401


async def test_people_without_audit_view_get_403(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient
) -> None:
    intranet = intranet_app.state.intranet
    # Other permissions are not enough ...
    manager = await add_person(intranet_app)
    rows = await Role.insert(Role(name="people admin", label="People")).returning(Role.id).run()
    await RolePermission.insert(RolePermission(role=rows[0]["id"], permission="people.manage")).run()
    await give_role(manager.id, "people admin")
    # ... nor is audit.view for one unit: the log is the whole site's.
    local = await add_person(intranet_app, email="local@example.org", name="Local")
    rows = await Role.insert(Role(name="auditor", label="Auditor")).returning(Role.id).run()
    await RolePermission.insert(RolePermission(role=rows[0]["id"], permission="audit.view")).run()
    unit = await people.create_unit(intranet, name="District North", kind="district", parent_id=None, actor_id=None)
    await give_role(local.id, "auditor", unit)

    async with browser(intranet_app, "192.0.2.5") as elsewhere:
        for client, email in ((intranet_client, manager.email), (elsewhere, local.email)):
            assert (await sign_in(client, email)).status_code == 303
            response = await client.get("/audit", headers=HTML)
            assert response.status_code == 403
            assert 'id="entry-' not in response.text
    assert not await AuditEntry.exists().where(AuditEntry.action == "audit.view").run()


async def test_the_admin_role_reads_the_log(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> None:
    person = await add_person(intranet_app)
    await give_role(person.id, "admin")
    await sign_in(intranet_client)
    page = await get_log(intranet_client)
    assert "auth.sign_in" in page


# --- what it shows -------------------------------------------------------------------


async def test_sign_ins_and_failures_appear_newest_first(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, auditor: PersonInfo
) -> None:
    async with browser(intranet_app, "198.51.100.23") as other:
        assert (await sign_in(other, "aud@example.org", "wrong password")).status_code == 400
        assert (await sign_in(other, "nobody@example.org", "whatever")).status_code == 400

    response = await intranet_client.get("/audit", headers=HTML)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    ids = entry_ids(page)
    assert ids == sorted(ids, reverse=True), "newest first"

    rows = {row["id"]: row for row in await AuditEntry.select().run()}
    actions = [rows[i]["action"] for i in ids]
    assert actions[:2] == ["auth.sign_in_failed", "auth.sign_in_failed"]
    assert "auth.sign_in" in actions
    success = rows[ids[actions.index("auth.sign_in")]]
    assert success["actor_id"] == auditor.id
    # The row names the actor, the target and the address.
    assert f'<a href="/audit?actor={auditor.id}">Aud Itor</a>' in page
    assert "email nobody@example.org" in page
    assert "198.51.100.23" in page
    assert "Anonymous or the system" in page
    times = re.findall(r'<time datetime="([^"]+)">([^<]+)</time>', page)
    assert times and all(iso.endswith("+00:00") for iso, _text in times)


async def test_times_are_shown_in_utc(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    copenhagen_summer = datetime.timezone(datetime.timedelta(hours=2))
    await add_entry("test.zone", datetime.datetime(2026, 6, 1, 1, 30, tzinfo=copenhagen_summer))
    page = await get_log(intranet_client, action="test.zone")
    assert '<time datetime="2026-05-31T23:30:00+00:00">2026-05-31 23:30:00</time>' in page
    assert "Time (UTC)" in page


async def test_names_and_details_are_escaped(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, auditor: PersonInfo
) -> None:
    eve = await add_person(intranet_app, email="eve@example.org", name='<img src=x onerror="alert(1)">')
    await record("test.xss", actor_id=eve.id, target_type="person", target_id=eve.id,
                 details={"note": "<script>alert(2)</script>", "<b>key</b>": ["</td>"]})
    page = await get_log(intranet_client, action="test.xss")
    assert "<script>alert(2)" not in page
    assert "<img src=x" not in page
    assert "<b>key</b>" not in page
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "&lt;b&gt;key&lt;/b&gt;" in page
    assert "[&#34;&lt;/td&gt;&#34;]" in page


async def test_secrets_never_reach_the_page(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    await record("test.secret", actor_id=None, details={"password": "hunter2hunter2", "token": "abc123secret"})
    page = await get_log(intranet_client, action="test.secret")
    assert "hunter2hunter2" not in page
    assert "abc123secret" not in page


async def test_the_page_is_in_danish(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    for number in range(PAGE_SIZE + 1):
        await add_entry("test.many", datetime.datetime(2026, 1, 1, tzinfo=UTC), target_id=str(number))
    response = await intranet_client.get("/audit", params={"action": "test.many"},
                                         headers={**HTML, "accept-language": "da"})
    page = response.text
    for danish in ("Revisionslog", "Tidspunkt (UTC)", "Udført af", "Handling", "Genstand", "Oplysninger",
                   "Filtrér", "Nulstil filtre", "Ældre poster"):
        assert danish in page, danish
    empty = await intranet_client.get("/audit", params={"action": "no.such"},
                                      headers={**HTML, "accept-language": "da"})
    assert "Ingen poster fundet." in empty.text
    bad = await intranet_client.get("/audit", params={"actor": "x"}, headers={**HTML, "accept-language": "da"})
    assert "Person-id skal være et helt tal." in bad.text


async def test_reading_the_log_is_logged_with_the_criteria(
    intranet_client: httpx.AsyncClient, auditor: PersonInfo
) -> None:
    await get_log(intranet_client, actor="7", action="person.update")
    row = await AuditEntry.select().where(AuditEntry.action == "audit.view").first().run()
    assert row is not None
    assert row["actor_id"] == auditor.id
    assert (row["target_type"], row["target_id"]) == ("person", "7")
    assert '"action": "person.update"' in row["details"]


# --- filters ------------------------------------------------------------------------------


async def test_filter_by_action_is_exact(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    at = datetime.datetime(2026, 3, 1, 12, tzinfo=UTC)
    exact = await add_entry("auth.sign_in", at, target_type="person", target_id="1")
    longer = await add_entry("auth.sign_in_failed", at)
    page = await get_log(intranet_client, action="auth.sign_in")
    ids = entry_ids(page)
    assert exact in ids
    assert longer not in ids
    assert all(row["action"] == "auth.sign_in" for row in await AuditEntry.select().where(
        AuditEntry.id.is_in(ids)).run())
    # Wildcards are not wildcards.
    assert entry_ids(await get_log(intranet_client, action="auth.%")) == []
    assert entry_ids(await get_log(intranet_client, action="auth.sign_in_")) == []


async def test_filter_by_actor_and_target(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, auditor: PersonInfo
) -> None:
    bo = await add_person(intranet_app, email="bo@example.org", name="Bo")
    at = datetime.datetime(2026, 3, 1, 12, tzinfo=UTC)
    by_bo = await add_entry("person.update", at, actor_id=bo.id, target_type="person", target_id=str(auditor.id))
    by_bo_unit = await add_entry("unit.create", at, actor_id=bo.id, target_type="unit", target_id=str(auditor.id))
    by_other = await add_entry("person.update", at, actor_id=auditor.id, target_type="person", target_id=str(bo.id))

    assert set(entry_ids(await get_log(intranet_client, actor=bo.id))) == {by_bo, by_bo_unit}
    # Type and id together: the same id of another type is another thing.
    target = entry_ids(await get_log(intranet_client, target_type="person", target_id=str(auditor.id)))
    assert by_bo in target
    assert by_bo_unit not in target
    assert by_other not in target
    both = entry_ids(await get_log(intranet_client, actor=bo.id, target_type="unit"))
    assert both == [by_bo_unit]
    # The target person's name is shown next to the id.
    page = await get_log(intranet_client, actor=bo.id, action="person.update")
    assert f"person {auditor.id}</a> <span class=\"small\">(Aud Itor)</span>" in page


async def test_filter_by_date_range_in_utc(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    def at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
        return datetime.datetime(2026, 4, day, hour, minute, tzinfo=UTC)

    before = await add_entry("test.date", at(9, 23, 59))
    first = await add_entry("test.date", at(10, 0, 0))
    middle = await add_entry("test.date", at(11, 12))
    last = await add_entry("test.date", datetime.datetime(2026, 4, 12, 23, 59, 59, 999000, tzinfo=UTC))
    after = await add_entry("test.date", at(13, 0))
    # 00:30 on the 13th in Copenhagen is still the 12th in UTC.
    local = await add_entry("test.date", datetime.datetime(
        2026, 4, 13, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=2))))

    page = await get_log(intranet_client, action="test.date", since="2026-04-10", until="2026-04-12")
    assert entry_ids(page) == [local, last, middle, first]
    assert entry_ids(await get_log(intranet_client, action="test.date", since="2026-04-13")) == [after]
    assert entry_ids(await get_log(intranet_client, action="test.date", until="2026-04-09")) == [before]
    assert entry_ids(await get_log(intranet_client, action="test.date", since="2026-04-11",
                                   until="2026-04-11")) == [middle]
    # The form shows what was asked.
    assert 'name="since" type="date" value="2026-04-10"' in page
    assert 'name="until" type="date" value="2026-04-12"' in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"actor": "seven"}, "The person id must be a whole number."),
        ({"actor": "-1"}, "The person id must be a whole number."),
        ({"since": "1/4/2026"}, "Dates must be written as YYYY-MM-DD."),
        ({"since": "2026-04-12", "until": "2026-04-10"}, "The start date is after the end date."),
        ({"before": "1 OR 1=1"}, "The page link is not valid."),
    ],
)
async def test_invalid_filters_are_explained(
    intranet_client: httpx.AsyncClient, auditor: PersonInfo, params: dict[str, str], message: str
) -> None:
    response = await intranet_client.get("/audit", params=params, headers=HTML)
    assert response.status_code == 400
    assert message in response.text
    assert entry_ids(response.text) == []


async def test_empty_fields_of_the_form_mean_any(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    response = await intranet_client.get(
        "/audit?action=&actor=&target_type=&target_id=&since=&until=", headers=HTML
    )
    assert response.status_code == 200
    assert entry_ids(response.text)


# --- pages ------------------------------------------------------------------------------------


async def test_keyset_pages_with_links_that_work_without_javascript(
    intranet_client: httpx.AsyncClient, auditor: PersonInfo
) -> None:
    total = 2 * PAGE_SIZE + 7
    start = datetime.datetime(2026, 2, 1, tzinfo=UTC)
    made = [await add_entry("test.page", start + datetime.timedelta(minutes=n), target_id=str(n))
            for n in range(total)]
    await add_entry("test.other", start)
    newest_first = sorted(made, reverse=True)

    first = await get_log(intranet_client, action="test.page")
    assert entry_ids(first) == newest_first[:PAGE_SIZE]
    assert href(first, "Newer entries") is None
    older = href(first, "Older entries")
    assert older is not None
    assert older.startswith("/audit?")
    assert "action=test.page" in older, "the link keeps the filters"
    assert f"before={newest_first[PAGE_SIZE - 1]}" in older
    assert "offset" not in older.lower()

    second = await get_log(intranet_client, older)
    assert entry_ids(second) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]
    third_link = href(second, "Older entries")
    assert third_link is not None
    third = await get_log(intranet_client, third_link)
    assert entry_ids(third) == newest_first[2 * PAGE_SIZE:]
    assert href(third, "Older entries") is None

    # Back up again, page by page.
    back = href(third, "Newer entries")
    assert back is not None
    assert entry_ids(await get_log(intranet_client, back)) == newest_first[PAGE_SIZE:2 * PAGE_SIZE]
    newest = href(third, "Newest entries")
    assert newest == "/audit?action=test.page"


async def test_new_entries_do_not_shift_the_pages(intranet_client: httpx.AsyncClient, auditor: PersonInfo) -> None:
    start = datetime.datetime(2026, 2, 1, tzinfo=UTC)
    made = [await add_entry("test.shift", start, target_id=str(n)) for n in range(PAGE_SIZE + 5)]
    first = await get_log(intranet_client, action="test.shift")
    older = href(first, "Older entries")
    assert older is not None
    for n in range(10):  # written while the reader looks at page one
        await add_entry("test.shift", start, target_id=f"new {n}")
    assert entry_ids(await get_log(intranet_client, older)) == sorted(made, reverse=True)[PAGE_SIZE:]


async def test_pages_are_fetched_by_keyset_never_offset(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    start = datetime.datetime(2026, 2, 1, tzinfo=UTC)
    made = [await add_entry("test.sql", start) for _ in range(12)]
    engine_class = type(AuditEntry._meta.db)
    seen: list[str] = []
    original = engine_class.run_querystring

    async def spy(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(str(querystring))
        return await original(self, querystring, *args, **kwargs)

    monkeypatch.setattr(engine_class, "run_querystring", spy)
    filters = AuditFilters(action="test.sql")
    rows, has_older, has_newer = await fetch_page(filters, before=made[6], page_size=3)
    assert [r["id"] for r in rows] == [made[5], made[4], made[3]]
    assert has_older and has_newer
    rows, has_older, has_newer = await fetch_page(filters, after=made[8], page_size=3)
    assert [r["id"] for r in rows] == [made[11], made[10], made[9]]
    assert has_older and not has_newer
    assert seen
    assert not any("OFFSET" in sql.upper() for sql in seen), seen
