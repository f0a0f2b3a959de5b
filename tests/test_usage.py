"""Usage for the temperature: device classes, what counts as a page view, sections, sums, retention, figures.

Nothing but counts per person, day, device class, hour and section is kept:
no address, query or content of a page.
"""

from __future__ import annotations

import datetime
import json
import re
import zoneinfo
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar, MediaType, Request, get

from intranet_core import hookimpl
from intranet_core.people.service import create_person
from intranet_core.people.tables import Person
from intranet_core.settings import Settings
from intranet_core.testing import build_app, client_for, database_url_for_tests, make_settings, sign_in
from intranet_core.usage import recorder as recorder_module
from intranet_core.usage.devices import classify_device
from intranet_core.usage.recorder import UsageRecorder, recorder_for, section_name
from intranet_core.usage.service import forget_old, usage_figures
from intranet_core.usage.tables import UsageDay

HTML = {"accept": "text/html"}
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
          "Version/17.5 Mobile/15E148 Safari/604.1")
WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0.0.0 Safari/537.36")
COPENHAGEN = zoneinfo.ZoneInfo("Europe/Copenhagen")
COLUMNS = {"id", "person", "day", "device", "hour", "section", "views"}


# --- the device classifier ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("user_agent", "expected"),
    [
        (IPHONE, "phone"),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Mobile Safari/537.36", "phone"),
        ("Mozilla/5.0 (Linux; Android 13; SM-S911B) AppleWebKit/537.36 (KHTML, like Gecko) "
         "SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36", "phone"),
        ("Mozilla/5.0 (Android 14; Mobile; rv:127.0) Gecko/127.0 Firefox/127.0", "phone"),
        ("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 "
         "(KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063", "phone"),
        ("Opera/9.80 (J2ME/MIDP; Opera Mini/9.80 (S60; SymbOS; Opera Mobi/23.348; U; en) Presto/2.5.25 "
         "Version/10.54", "phone"),
        ("Mozilla/5.0 (iPad; CPU OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 "
         "Mobile/15E148 Safari/604.1", "tablet"),
        ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36", "tablet"),
        ("Mozilla/5.0 (Android 13; Tablet; rv:127.0) Gecko/127.0 Firefox/127.0", "tablet"),
        ("Mozilla/5.0 (Linux; Android 11; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/126.3.1 "
         "like Chrome/126.0.6478.71 Safari/537.36", "tablet"),
        (WINDOWS, "desktop"),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
         "Version/17.5 Safari/605.1.15", "desktop"),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:127.0) Gecko/20100101 Firefox/127.0", "desktop"),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0.0.0 Safari/537.36", "desktop"),
        ("Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; Tablet PC 2.0)", "desktop"),
        ("", "desktop"),
        (None, "desktop"),
        ("curl/8.5.0", "desktop"),
    ],
)
def test_device_classes(user_agent: str | None, expected: str) -> None:
    assert classify_device(user_agent) == expected


def test_the_mobile_client_hint_marks_a_phone_with_a_reduced_user_agent() -> None:
    reduced = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36"
    assert classify_device(reduced) == "tablet"  # "Android" without "Mobile"
    assert classify_device(WINDOWS, mobile_hint="?1") == "phone"
    assert classify_device(WINDOWS, mobile_hint="?0") == "desktop"


# --- fixtures ------------------------------------------------------------------------------


class SectionPlugin:
    """A plugin with a page of its own, and the usage_section answers a plugin could give."""

    @hookimpl
    def register_routes(self, app: Any) -> list[Any]:
        @get("/phonebook", media_type=MediaType.HTML, include_in_schema=False)
        async def phonebook() -> str:
            return "<p>The phonebook</p>"

        @get("/phonebook/data.json", include_in_schema=False)
        async def phonebook_data() -> dict[str, Any]:
            return {"people": []}

        @get("/odd", media_type=MediaType.HTML, include_in_schema=False)
        async def odd() -> str:
            return "<p>Odd</p>"

        @get("/broken", media_type=MediaType.HTML, include_in_schema=False)
        async def broken() -> str:
            return "<p>Broken</p>"

        @get("/unclaimed", media_type=MediaType.HTML, include_in_schema=False)
        async def unclaimed() -> str:
            return "<p>Nobody's</p>"

        return [phonebook, phonebook_data, odd, broken, unclaimed]

    @hookimpl
    def usage_section(self, request: Request[Any, Any, Any]) -> str | None:
        path = request.url.path
        if path.startswith("/phonebook"):
            return "phonebook"
        if path == "/odd":
            return "https://example.org/odd?who=secret"  # not a name: counted as "other"
        if path == "/broken":
            raise RuntimeError("a plugin's bug")
        return None


@pytest.fixture
def intranet_plugins() -> list[Any]:
    return [("phonebook", SectionPlugin())]


@pytest.fixture
def intranet_settings(tmp_path: Path) -> Settings:
    return make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"})


@pytest.fixture
async def recorder(intranet_app: Litestar, intranet_client: httpx.AsyncClient) -> UsageRecorder:
    found = recorder_for(intranet_app)
    assert found is not None, "the recorder starts with the site"
    return found


@pytest.fixture
async def started(intranet_app: Litestar) -> AsyncIterator[Litestar]:
    """The app, started (database connected) for tests that do not need a client."""
    async with client_for(intranet_app):
        yield intranet_app


async def rows() -> list[dict[str, Any]]:
    return await UsageDay.select(
        UsageDay.person, UsageDay.day, UsageDay.device, UsageDay.hour, UsageDay.section, UsageDay.views
    ).order_by(UsageDay.id).run()


def by_section(found: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """``(device, section) -> views``, summed (an hour may turn while the test runs)."""
    sums: dict[tuple[str, str], int] = {}
    for row in found:
        key = (row["device"], row["section"])
        sums[key] = sums.get(key, 0) + row["views"]
    return sums


async def person(app: Litestar, email: str, name: str = "Someone") -> int:
    created = await create_person(app.state.intranet, actor_id=None, fields={"email": email, "name": name})
    return created.id


# --- what is counted -----------------------------------------------------------------------


async def test_page_views_are_counted_per_device_and_section(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, recorder: UsageRecorder
) -> None:
    me = await sign_in(intranet_client, intranet_app, "ann@example.org", name="Ann Andersen")
    for _ in range(2):
        assert (await intranet_client.get("/", headers={**HTML, "user-agent": IPHONE})).status_code == 200
    assert (await intranet_client.get("/account", headers={**HTML, "user-agent": WINDOWS})).status_code == 200
    assert (await intranet_client.get("/phonebook", headers={"user-agent": WINDOWS})).status_code == 200
    assert recorder.pending == 4
    assert await recorder.flush() >= 3
    assert recorder.pending == 0
    found = await rows()
    assert {row["person"] for row in found} == {me.id}
    assert by_section(found) == {("phone", "feed"): 2, ("desktop", "account"): 1, ("desktop", "phonebook"): 1}
    today = datetime.datetime.now(COPENHAGEN).date()
    assert all(row["day"] in (today, today - datetime.timedelta(days=1)) for row in found)
    assert all(0 <= row["hour"] <= 23 for row in found)


async def test_what_is_not_a_page_view(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, recorder: UsageRecorder
) -> None:
    # Signed out: the sign-in page is not counted.
    assert (await intranet_client.get("/signin", headers=HTML)).status_code == 200
    await sign_in(intranet_client, intranet_app, "ann@example.org", name="Ann Andersen")
    recorder._counts.clear()  # whatever signing in did
    not_pages = [
        ("/static/core/shell.js", {}),  # static files
        ("/api/v1/me", {"accept": "application/json"}),  # the API
        ("/healthz", {}),
        ("/phonebook/data.json", {}),  # JSON, not a page
        ("/no-such-page", HTML),  # 404
        ("/", {**HTML, "sec-fetch-dest": "empty"}),  # fetched by a script
        ("/", {**HTML, "sec-purpose": "prefetch"}),  # a prefetch nobody may look at
        ("/feed/card/1", HTML),  # a fragment for the live feed (404 here anyway)
    ]
    for path, headers in not_pages:
        await intranet_client.get(path, headers=headers)
    assert (await intranet_client.post("/language", data={"language": "en"})).status_code in (303, 403)
    assert recorder.pending == 0
    # A browser's real navigation is.
    await intranet_client.get("/", headers={**HTML, "sec-fetch-dest": "document", "sec-fetch-mode": "navigate"})
    assert recorder.pending == 1


async def test_sections_come_from_plugins_or_are_other(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, recorder: UsageRecorder
) -> None:
    await sign_in(intranet_client, intranet_app, "ann@example.org", name="Ann Andersen")
    recorder._counts.clear()
    for path in ["/odd", "/broken", "/unclaimed", "/phonebook", "/posts/12345"]:
        await intranet_client.get(path, headers=HTML)
    await recorder.flush()
    sections = by_section(await rows())
    # /posts/12345 is a 404 here: not counted. The rest are counted, none under its address.
    assert sections == {("desktop", "other"): 3, ("desktop", "phonebook"): 1}


def test_section_names_are_plain_names_only() -> None:
    assert section_name("feed") == "feed"
    assert section_name("core.admin") == "core.admin"
    for bad in ["/account", "Feed", "https://x", "a b", "", None, 3, "x" * 41, "feed?x=1"]:
        assert section_name(bad) == "other"


async def test_no_address_query_or_content_is_stored(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, recorder: UsageRecorder
) -> None:
    await sign_in(intranet_client, intranet_app, "ann@example.org", name="Ann Andersen")
    await intranet_client.get("/?unit=999&secret=abc", headers=HTML)
    await intranet_client.get("/account?token=secret-token", headers=HTML)
    await recorder.flush()
    # The table has no column that could hold one ...
    if intranet_app.state.intranet.db.is_sqlite:
        columns = {row["name"] for row in await UsageDay.raw("PRAGMA table_info(usage_day)").run()}
    else:
        columns = {row["column_name"] for row in await UsageDay.raw(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'usage_day'"
        ).run()}
    assert columns == COLUMNS
    # ... and no value is more than a name.
    found = await rows()
    assert found
    for row in found:
        assert re.fullmatch(r"[a-z0-9][a-z0-9._-]{0,39}", row["section"])
        assert row["device"] in ("phone", "tablet", "desktop")
        assert "secret" not in repr(row) and "/" not in repr(row)


# --- sums, time zone, several processes, failures --------------------------------------------


async def test_counts_add_up_across_flushes_and_processes(intranet_app: Litestar, recorder: UsageRecorder) -> None:
    intranet = intranet_app.state.intranet
    ann = await person(intranet_app, "ann@example.org")
    at = datetime.datetime(2026, 6, 1, 8, 15, tzinfo=datetime.UTC)  # 10:15 in Copenhagen (summer time)
    other_process = UsageRecorder(intranet, timezone="Europe/Copenhagen")
    recorder.record(ann, "phone", "feed", at)
    recorder.record(ann, "phone", "feed", at + datetime.timedelta(minutes=20))
    other_process.record(ann, "phone", "feed", at)
    await recorder.flush()
    await other_process.flush()
    recorder.record(ann, "phone", "feed", at)
    await recorder.flush()
    assert await rows() == [
        {"person": ann, "day": datetime.date(2026, 6, 1), "device": "phone", "hour": 10, "section": "feed", "views": 4}
    ]


async def test_days_and_hours_are_local(intranet_app: Litestar, recorder: UsageRecorder) -> None:
    ann = await person(intranet_app, "ann@example.org")
    # 23:30 UTC on 28 March is 00:30 on 29 March in Copenhagen.
    recorder.record(ann, "desktop", "feed", datetime.datetime(2026, 3, 28, 23, 30, tzinfo=datetime.UTC))
    await recorder.flush()
    [row] = await rows()
    assert (row["day"], row["hour"]) == (datetime.date(2026, 3, 29), 0)
    utc = UsageRecorder(intranet_app.state.intranet, timezone="UTC")
    utc.record(ann, "desktop", "feed", datetime.datetime(2026, 3, 28, 23, 30, tzinfo=datetime.UTC))
    assert next(iter(utc._counts))[1:4] == (datetime.date(2026, 3, 28), "desktop", 23)


async def test_a_person_erased_before_the_counts_are_written_is_left_out(
    intranet_app: Litestar, recorder: UsageRecorder
) -> None:
    ann = await person(intranet_app, "ann@example.org")
    bo = await person(intranet_app, "bo@example.org")
    recorder.record(ann, "phone", "feed")
    recorder.record(bo, "phone", "feed")
    await Person.delete().where(Person.id == bo).run()
    assert await recorder.flush() == 1
    assert [row["person"] for row in await rows()] == [ann]


async def test_counts_survive_a_failed_write_but_not_forever(
    intranet_app: Litestar, recorder: UsageRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await person(intranet_app, "ann@example.org")
    recorder.record(ann, "phone", "feed")

    async def failing(intranet: Any, counts: Any) -> int:
        raise OSError("the database is away")

    monkeypatch.setattr(recorder_module, "write_counts", failing)
    assert await recorder.flush() == 0
    assert recorder.pending == 1  # kept for the next try
    await recorder.flush()
    await recorder.flush()
    assert recorder.pending == 0  # given up after three failures
    monkeypatch.undo()
    recorder.record(ann, "phone", "feed")
    assert await recorder.flush() == 1


# --- retention, erasure, settings ------------------------------------------------------------


async def add_row(person_id: int, day: datetime.date, views: int = 1, device: str = "phone", hour: int = 9,
                  section: str = "feed") -> None:
    await UsageDay.insert(
        UsageDay(person=person_id, day=day, device=device, hour=hour, section=section, views=views)
    ).run()


async def test_retention_deletes_what_is_older(started: Litestar) -> None:
    ann = await person(started, "ann@example.org")
    today = datetime.date(2026, 11, 27)
    await add_row(ann, today - datetime.timedelta(days=401))
    await add_row(ann, today - datetime.timedelta(days=400), hour=10)
    await add_row(ann, today, hour=11)
    assert await forget_old(400, "Europe/Copenhagen", today=today) == 1
    assert sorted(row["hour"] for row in await rows()) == [10, 11]
    assert await forget_old(400, "Europe/Copenhagen", today=today) == 0


async def test_retention_runs_at_start_up(tmp_path: Path) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), usage={"retention_days": 30})
    app = await build_app(settings)
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        ann = await person(app, "ann@example.org")
        today = datetime.datetime.now(COPENHAGEN).date()
        await add_row(ann, today - datetime.timedelta(days=45))
        await add_row(ann, today - datetime.timedelta(days=3), hour=10)
    finally:
        await intranet.db.close()
    async with client_for(app):
        assert [row["hour"] for row in await rows()] == [10]


async def test_usage_can_be_switched_off(tmp_path: Path) -> None:
    app = await build_app(make_settings(database_url_for_tests(tmp_path), usage={"enabled": False}))
    async with client_for(app) as client:
        assert recorder_for(app) is None
        await sign_in(client, app, "ann@example.org", name="Ann Andersen")
        assert (await client.get("/", headers=HTML)).status_code == 200
        assert await rows() == []


async def test_a_persons_rows_are_in_their_export_and_go_when_they_are_erased(intranet_app: Litestar) -> None:
    from intranet_core.personal_data.service import erase_person, export_person, leftover_references

    intranet = intranet_app.state.intranet
    async with client_for(intranet_app):
        ann = await person(intranet_app, "ann@example.org")
        bo = await person(intranet_app, "bo@example.org")
        await add_row(ann, datetime.date(2026, 5, 2), views=3)
        await add_row(bo, datetime.date(2026, 5, 1))
        exported = json.dumps(await export_person(intranet, ann, actor_id=None), default=str)
        assert '"usage_day"' in exported and '"2026-05-02"' in exported and '"2026-05-01"' not in exported
        recorder = recorder_for(intranet_app)
        assert recorder is not None
        recorder.record(ann, "phone", "feed")  # counted before the erasure, written after it
        await erase_person(intranet, ann, actor_id=None, mode="anonymise")
        await recorder.flush()
        assert [row["person"] for row in await rows()] == [bo]
        assert "usage_day.person" not in await leftover_references(intranet, ann)


def test_usage_settings_are_checked() -> None:
    from intranet_core.errors import ConfigError
    from intranet_core.settings import settings_from_dict

    settings = settings_from_dict({})
    assert (settings.usage.enabled, settings.usage.retention_days, settings.usage.timezone) == (
        True, 400, "Europe/Copenhagen"
    )
    with pytest.raises(ConfigError, match=r"^intranet.toml: usage: timezone: expected a time zone"):
        settings_from_dict({"usage": {"timezone": "Europe/Copenhgen"}}, source="intranet.toml")
    with pytest.raises(ConfigError, match=r"usage: retention_days: expected at least 1, got 0"):
        settings_from_dict({"usage": {"retention_days": 0}}, source="intranet.toml")
    with pytest.raises(ConfigError, match=r"usage.retention_days: expected integer"):
        settings_from_dict({"usage": {"retention_days": "a year"}}, source="intranet.toml")


# --- the figures plugins read ----------------------------------------------------------------


async def test_usage_figures(started: Litestar) -> None:
    ann = await person(started, "ann@example.org")
    bo = await person(started, "bo@example.org")
    await person(started, "cy@example.org")  # staff who never came
    day1, day2, day3 = datetime.date(2026, 9, 1), datetime.date(2026, 9, 2), datetime.date(2026, 9, 3)
    await add_row(ann, day1, views=3, device="phone", hour=8, section="feed")
    await add_row(ann, day1, views=1, device="desktop", hour=13, section="phonebook")
    await add_row(bo, day1, views=2, device="desktop", hour=8, section="feed")
    await add_row(ann, day3, views=4, device="tablet", hour=20, section="feed")
    await add_row(bo, datetime.date(2026, 8, 31), views=9)  # outside the period

    figures = await usage_figures(day1, day3)
    assert (figures.start, figures.end, figures.staff) == (day1, day3, 3)
    assert (figures.total.people, figures.total.views) == (2, 10)
    assert [(d.day, d.people, d.views) for d in figures.daily] == [(day1, 2, 6), (day2, 0, 0), (day3, 1, 4)]
    assert {k: (f.people, f.views) for k, f in figures.by_device.items()} == {
        "phone": (1, 3), "tablet": (1, 4), "desktop": (2, 3)
    }
    assert len(figures.by_hour) == 24
    assert (figures.by_hour[8].people, figures.by_hour[8].views) == (2, 5)
    assert (figures.by_hour[13].views, figures.by_hour[20].views, figures.by_hour[0].views) == (1, 4, 0)
    assert list(figures.by_section) == ["feed", "phonebook"]  # most people first
    assert (figures.by_section["feed"].people, figures.by_section["feed"].views) == (2, 9)

    empty = await usage_figures(datetime.date(2020, 1, 1), datetime.date(2020, 1, 1))
    assert empty.total.people == 0 and empty.by_device["phone"].views == 0 and empty.by_section == {}
    with pytest.raises(ValueError, match="end is before start"):
        await usage_figures(day3, day1)
