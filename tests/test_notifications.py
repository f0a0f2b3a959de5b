"""Notifications: the list under the bell, e-mail now or in a daily digest, and other channels.

Mail goes through a real SMTP server (aiosmtpd) on a free local port; the
same tests run on SQLite and, with ``$INTRANET_TEST_DATABASE_URL``, PostgreSQL.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from support import run_cli

from intranet_core import hookimpl
from intranet_core.auth.passwords import hash_password
from intranet_core.contributions import NotificationKind
from intranet_core.notifications import service
from intranet_core.notifications.models import NotificationInfo
from intranet_core.notifications.service import notify, send_daily_digests
from intranet_core.notifications.tables import Notification, NotificationDigest, NotificationPreference
from intranet_core.people.service import create_person, set_active
from intranet_core.testing import (
    TEST_PASSWORD,
    Mailbox,
    body_of,
    client_for,
    csrf_token_of,
    database_url_for_tests,
    free_port,
    log_in,
    mail_settings,
    make_settings,
)

BASE_URL = "https://intranet.example.org"
HTML = {"accept": "text/html", "accept-language": "en"}
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


# --- a plugin with kinds and channels of its own ----------------------------------------------


class ChannelPlugin:
    """Declares a kind, and records what reaches its channel."""

    def __init__(self) -> None:
        self.delivered: list[tuple[list[int], NotificationInfo]] = []

    @hookimpl
    def register_notification_kinds(self, app: Any) -> list[NotificationKind]:
        return [NotificationKind(name="test.event", label="Test events", default_delivery="daily", order=50)]

    @hookimpl
    async def deliver_notification(self, person_ids: list[int], notification: NotificationInfo) -> None:
        self.delivered.append((person_ids, notification))


class BrokenChannel:
    @hookimpl
    def deliver_notification(self, app: Any) -> None:
        raise RuntimeError("channel down: someone@example.org")


@pytest.fixture
def channel() -> ChannelPlugin:
    return ChannelPlugin()


@pytest.fixture
def intranet_plugins(channel: ChannelPlugin) -> list[Any]:
    # The broken channel is registered last, so pluggy calls it first.
    return [("channel", channel), ("broken", BrokenChannel())]


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    return make_settings(
        database_url_for_tests(tmp_path),
        site={"name": "Forbundets intranet", "base_url": BASE_URL},
        mail=mail_settings(mailbox),
    )


@pytest.fixture
async def client(intranet_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(intranet_app, base_url=BASE_URL) as started:
        yield started


def intranet_of(app: Any) -> Any:
    return app.state.intranet


async def person(app: Any, address: str, name: str, language: str | None = None) -> int:
    fields: dict[str, Any] = {"email": address, "name": name}
    if language:
        fields["language"] = language
    created = await create_person(intranet_of(app), actor_id=None, fields=fields,
                                  password_hash=hash_password(TEST_PASSWORD))
    return created.id


async def rows_of(person_id: int) -> list[dict[str, Any]]:
    return await Notification.select().where(Notification.person == person_id).order_by(Notification.id).run()


def bell_of(html: str) -> str:
    match = re.search(r'<div class="topbar-bell">(.*?)</div>', html, re.S)
    assert match, "no bell on the page"
    return match.group(1)


# --- notify ---------------------------------------------------------------------------------


async def test_notify_stores_one_row_per_recipient_skipping_the_actor_and_inactive_people(
    intranet_app: Any, client: httpx.AsyncClient, channel: ChannelPlugin, mailbox: Mailbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    intranet = intranet_of(intranet_app)
    actor = await person(intranet_app, "actor@example.org", "Anne Actor")
    bo = await person(intranet_app, "bo@example.org", "Bo Berg")
    gone = await person(intranet_app, "gone@example.org", "Gitte Gone")
    dan = await person(intranet_app, "dan@example.org", "Dan Dahl")
    await set_active(intranet, gone, False, actor_id=None)

    await notify(intranet, recipients=[actor, bo, gone, dan, bo, 999_999], kind="test.event",
                 title="Anne posted in Test", url="/posts/7", text="A line\nand another", actor_id=actor)

    assert await rows_of(actor) == [] and await rows_of(gone) == []
    for recipient in (bo, dan):
        [row] = await rows_of(recipient)
        assert (row["kind"], row["title"], row["url"], row["text"], row["actor_id"]) == (
            "test.event", "Anne posted in Test", "/posts/7", "A line\nand another", actor)
        assert row["read_at"] is None and row["created_at"] is not None
    # The other channels got the same recipients, although one channel failed.
    [(ids, notice)] = channel.delivered
    assert sorted(ids) == [bo, dan]
    assert "plugin=broken" in caplog.text and "someone@example.org" not in caplog.text
    assert (notice.kind, notice.title, notice.url, notice.actor_id) == ("test.event", "Anne posted in Test",
                                                                        "/posts/7", actor)
    # test.event is "daily" by default: no mail now.
    assert mailbox.messages == []


async def test_notify_refuses_links_off_the_site_and_bad_kinds(intranet_app: Any, client: httpx.AsyncClient) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg")
    for url in ("https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/\\evil.example",
                "posts/7", "/posts/7\nLocation: x", "", "/a b"):
        with pytest.raises(ValueError):
            await notify(intranet, recipients=[bo], kind="test.event", title="t", url=url)
    for kind in ("nodot", "Upper.case", "", "a." + "b" * 200):
        with pytest.raises(ValueError):
            await notify(intranet, recipients=[bo], kind=kind, title="t", url="/posts/1")
    assert await rows_of(bo) == []


async def test_immediate_mail_in_each_recipients_language_with_an_absolute_link(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    actor = await person(intranet_app, "actor@example.org", "Anne Actor", "en")
    dansk = await person(intranet_app, "dansk@example.org", "Dorte Dansk", "da")
    english = await person(intranet_app, "english@example.org", "Eric English", "en")
    nobody = await person(intranet_app, "nobody@example.org", "Nils Nolanguage")

    await notify(intranet, recipients=[actor, dansk, english, nobody], kind="feed.mention",
                 title="Anne Actor mentioned you", url="/posts/12", text="Can you look at this?", actor_id=actor)

    assert mailbox.to("actor@example.org") == []
    [da_mail] = mailbox.to("dansk@example.org")
    [en_mail] = mailbox.to("english@example.org")
    [default_mail] = mailbox.to("nobody@example.org")  # the site's language: Danish
    assert da_mail["Subject"] == "Anne Actor mentioned you"
    assert "Forbundets intranet" in da_mail["From"]
    for message in (da_mail, en_mail, default_mail):
        body = body_of(message)
        assert f"{BASE_URL}/posts/12" in body
        assert f"{BASE_URL}/notifications/settings" in body
        assert "Can you look at this?" in body
        assert message.get_body(("html",)) is None  # plain text only
    assert "Åbn den på Forbundets intranet" in body_of(da_mail)
    assert "Nogen nævner mig" in body_of(da_mail)
    assert "Åbn den på" in body_of(default_mail)
    assert "Open it on Forbundets intranet" in body_of(en_mail)
    assert "Someone mentions me" in body_of(en_mail)


async def test_words_written_by_a_function_reach_each_person_in_their_own_language(
    intranet_app: Any, client: httpx.AsyncClient, channel: ChannelPlugin, mailbox: Mailbox
) -> None:
    from intranet_core.i18n import gettext as _

    intranet = intranet_of(intranet_app)
    dansk = await person(intranet_app, "dansk@example.org", "Dorte Dansk", "da")
    english = await person(intranet_app, "english@example.org", "Eric English", "en")
    nobody = await person(intranet_app, "nobody@example.org", "Nils Nolanguage")
    written: list[str] = []

    def title() -> str:
        written.append("title")
        # A message the core's catalog translates.
        return _("New notification") + ": Budget"

    await notify(intranet, recipients=[dansk, english, nobody], kind="feed.mention", title=title,
                 url="/posts/12", text=lambda: _("Open it on %(site)s:") % {"site": "X"})

    assert written == ["title", "title"]  # once per language, not once per person
    [da_row], [en_row], [default_row] = await rows_of(dansk), await rows_of(english), await rows_of(nobody)
    assert (da_row["title"], da_row["text"]) == ("Ny notifikation: Budget", "Åbn den på X:")
    assert (en_row["title"], en_row["text"]) == ("New notification: Budget", "Open it on X:")
    assert default_row["title"] == da_row["title"]  # the site's language: Danish
    assert mailbox.to("dansk@example.org")[0]["Subject"] == "Ny notifikation: Budget"
    assert mailbox.to("english@example.org")[0]["Subject"] == "New notification: Budget"
    # Each channel call carries the words its people read.
    delivered = {notice.title: sorted(ids) for ids, notice in channel.delivered}
    assert delivered == {"Ny notifikation: Budget": sorted([dansk, nobody]), "New notification: Budget": [english]}


async def test_never_sends_no_mail_and_daily_waits_for_the_digest(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    await service.save_preferences(intranet, bo, {"feed.mention": "never", "feed.important": "daily"})

    await notify(intranet, recipients=[bo], kind="feed.mention", title="Mentioned", url="/posts/1")
    await notify(intranet, recipients=[bo], kind="feed.important", title="Important", url="/posts/2")

    assert [r["title"] for r in await rows_of(bo)] == ["Mentioned", "Important"]  # always in the list
    assert mailbox.messages == []
    assert await service.deliveries(intranet, "feed.mention", [bo]) == {bo: "never"}


async def test_a_mail_server_that_fails_is_logged_without_addresses_and_never_raised(
    tmp_path: Path, mailbox: Mailbox, caplog: pytest.LogCaptureFixture
) -> None:
    from intranet_core.testing import build_app

    closed = free_port()
    settings = make_settings(database_url_for_tests(tmp_path), site={"base_url": BASE_URL},
                             mail={"host": "127.0.0.1", "port": closed, "timeout_seconds": 2})
    app = await build_app(settings)
    async with client_for(app, base_url=BASE_URL):
        bo = await person(app, "bo.secret@example.org", "Bo Berg")
        with caplog.at_level(logging.INFO):
            await notify(intranet_of(app), recipients=[bo], kind="feed.mention", title="Hi", url="/posts/1")
        assert len(await rows_of(bo)) == 1
        failures = [r for r in caplog.records if r.name == "intranet.notifications"]
        assert failures and "ConnectionRefusedError" in failures[0].getMessage()
        assert "bo.secret" not in caplog.text


# --- the daily digest ---------------------------------------------------------------------------


async def test_digest_sends_each_daily_notification_once_in_one_mail(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    dorte = await person(intranet_app, "dorte@example.org", "Dorte Dansk", "da")
    eric = await person(intranet_app, "eric@example.org", "Eric English", "en")
    never = await person(intranet_app, "never@example.org", "Nina Never", "en")
    await service.save_preferences(intranet, never, {"test.event": "never"})

    for number in (1, 2, 3):
        await notify(intranet, recipients=[dorte, eric, never], kind="test.event", title=f"Event {number}",
                     url=f"/events/{number}", text=f"About event {number}")
    await notify(intranet, recipients=[dorte], kind="feed.mention", title="Mentioned now", url="/posts/5")
    # Eric reads event 2 before the digest.
    event_2 = next(r for r in await rows_of(eric) if r["title"] == "Event 2")
    await service.open_notification(eric, event_2["id"])
    mailbox.messages.clear()  # the immediate mention

    first = datetime.datetime.now(datetime.UTC)
    assert await send_daily_digests(intranet, first) == 2
    [da_digest] = mailbox.to("dorte@example.org")
    [en_digest] = mailbox.to("eric@example.org")
    assert mailbox.to("never@example.org") == []
    da_body, en_body = body_of(da_digest), body_of(en_digest)
    assert da_digest["Subject"] == "3 nye notifikationer på Forbundets intranet"
    assert "Hej Dorte Dansk" in da_body
    for number in (1, 2, 3):
        assert f"Event {number}" in da_body and f"{BASE_URL}/events/{number}" in da_body
    assert "Mentioned now" not in da_body  # mailed immediately, not again
    assert en_digest["Subject"] == "2 new notifications on Forbundets intranet"
    assert "Event 1" in en_body and "Event 3" in en_body and "Event 2" not in en_body
    assert da_digest.get_body(("html",)) is None

    # The same moment again, and a later one with nothing new: nothing is sent twice.
    assert await send_daily_digests(intranet, first) == 0
    assert await send_daily_digests(intranet, first + datetime.timedelta(days=1)) == 0
    assert len(mailbox.messages) == 2

    # Something new: the next digest holds only that.
    await notify(intranet, recipients=[dorte], kind="test.event", title="Event 4", url="/events/4")
    second = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    assert await send_daily_digests(intranet, second) == 1
    latest = body_of(mailbox.to("dorte@example.org")[-1])
    assert "Event 4" in latest and "Event 1" not in latest
    assert mailbox.to("dorte@example.org")[-1]["Subject"] == "1 ny notifikation på Forbundets intranet"


async def test_digests_run_twice_at_once_send_one_mail_per_person(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    people = [await person(intranet_app, f"p{n}@example.org", f"Person {n}") for n in range(5)]
    await notify(intranet, recipients=people, kind="test.event", title="Event", url="/events/1")
    moment = datetime.datetime.now(datetime.UTC)
    results = await asyncio.gather(send_daily_digests(intranet, moment), send_daily_digests(intranet, moment))
    assert sum(results) == 5
    assert sorted(m["To"] for m in mailbox.messages) == sorted(f"p{n}@example.org" for n in range(5))
    assert await NotificationDigest.count().run() == 5


async def test_a_failed_digest_mail_is_tried_again_next_time(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg")
    await notify(intranet, recipients=[bo], kind="test.event", title="Event", url="/events/1")
    moment = datetime.datetime.now(datetime.UTC)

    original = intranet.settings.mail
    intranet.settings.mail = type(original)(host="127.0.0.1", port=free_port(), timeout_seconds=2)
    try:
        assert await send_daily_digests(intranet, moment) == 0
    finally:
        intranet.settings.mail = original
    assert await NotificationDigest.count().run() == 0  # the claim was given back
    assert await send_daily_digests(intranet, moment) == 1
    assert "Event" in body_of(mailbox.to("bo@example.org")[0])


async def test_the_digest_command_is_documented_for_cron_and_sends(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox, tmp_path: Path
) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg")
    await notify(intranet, recipients=[bo], kind="test.event", title="From cron", url="/events/1")
    config = tmp_path / "intranet.toml"
    config.write_text(
        f'secret_key = "{"k" * 40}"\n'
        f'[database]\nurl = "{intranet.settings.database.url}"\n'
        f'[mail]\nhost = "127.0.0.1"\nport = {mailbox.port}\nfrom_address = "intranet@example.org"\n'
        # Only the core: the database was migrated for exactly that.
        '[plugins]\nenabled = []\n'
    )
    help_text = await asyncio.to_thread(run_cli, "notifications", "send-digests", "--help", cwd=tmp_path)
    assert help_text.returncode == 0, help_text.stderr
    assert "cron" in help_text.stdout and "0 7 * * *" in help_text.stdout

    result = await asyncio.to_thread(run_cli, "notifications", "send-digests", "-c", str(config), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "1 digest(s) sent." in result.stdout
    [message] = mailbox.to("bo@example.org")
    assert "From cron" in body_of(message)


# --- pages: the bell, the list, opening, settings ------------------------------------------------


async def test_the_bell_shows_the_unread_count_and_it_drops_when_one_is_opened(
    intranet_app: Any, client: httpx.AsyncClient
) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    anonymous = await client.get("/signin", headers=HTML)
    assert bell_of(anonymous.text) == ""  # no bell when signed out

    await log_in(client, "bo@example.org")
    page = await client.get("/account", headers=HTML)
    assert 'href="/notifications"' in bell_of(page.text)
    assert "bell-count" not in bell_of(page.text)

    await notify(intranet, recipients=[bo], kind="test.event", title="First", url="/events/1")
    await notify(intranet, recipients=[bo], kind="test.event", title="Second", url="/events/2")
    page = await client.get("/account", headers=HTML)
    bell = bell_of(page.text)
    assert '<span class="bell-count" aria-hidden="true">2</span>' in bell
    assert "Notifications: 2 unread" in bell

    listing = await client.get("/notifications", headers=HTML)
    assert listing.status_code == 200
    assert listing.headers["cache-control"] == "no-store"
    assert listing.text.index("Second") < listing.text.index("First")  # newest first
    assert listing.text.count('class="notification unread"') == 2
    first_id = next(r["id"] for r in await rows_of(bo) if r["title"] == "First")

    opened = await client.post(f"/notifications/{first_id}/open", data={"_csrf_token": csrf_token_of(listing.text)},
                               headers=HTML)
    assert opened.status_code == 303
    assert opened.headers["location"] == "/events/1"
    page = await client.get("/account", headers=HTML)
    assert '<span class="bell-count" aria-hidden="true">1</span>' in bell_of(page.text)
    listing = await client.get("/notifications", headers=HTML)
    assert listing.text.count('class="notification unread"') == 1

    # Many unread: the count is capped, the label says so.
    await notify(intranet, recipients=[bo], kind="test.event", title="Many", url="/events/3")
    for _ in range(110):
        await Notification.insert(Notification(person=bo, kind="test.event", title="Bulk", url="/events/4",
                                               created_at=datetime.datetime.now(datetime.UTC))).run()
    page = await client.get("/account", headers=HTML)
    assert '<span class="bell-count" aria-hidden="true">99+</span>' in bell_of(page.text)
    assert "more than 99 unread" in bell_of(page.text)


async def test_mark_all_read_touches_only_ones_own(intranet_app: Any, client: httpx.AsyncClient) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    dan = await person(intranet_app, "dan@example.org", "Dan Dahl", "en")
    for number in range(3):
        await notify(intranet, recipients=[bo, dan], kind="test.event", title=f"Event {number}", url="/events/1")
    await log_in(client, "bo@example.org")
    listing = await client.get("/notifications", headers=HTML)
    assert "Mark all as read" in listing.text

    done = await client.post("/notifications/read-all", data={"_csrf_token": csrf_token_of(listing.text)},
                             headers=HTML)
    assert done.status_code == 303
    listing = await client.get(done.headers["location"], headers=HTML)
    assert "Everything is marked as read." in listing.text
    assert "Mark all as read" not in listing.text
    assert 'class="notification unread"' not in listing.text
    assert "bell-count" not in bell_of(listing.text)
    assert all(r["read_at"] is not None for r in await rows_of(bo))
    assert all(r["read_at"] is None for r in await rows_of(dan))


async def test_other_peoples_notifications_are_not_found(intranet_app: Any, client: httpx.AsyncClient) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    await person(intranet_app, "dan@example.org", "Dan Dahl", "en")
    await notify(intranet, recipients=[bo], kind="test.event", title="Only for Bo", url="/events/1")
    [row] = await rows_of(bo)

    await log_in(client, "dan@example.org")
    listing = await client.get("/notifications", headers=HTML)
    assert "Only for Bo" not in listing.text
    token = csrf_token_of(listing.text)
    for target in (row["id"], row["id"] + 1000):
        response = await client.post(f"/notifications/{target}/open", data={"_csrf_token": token}, headers=HTML)
        assert response.status_code == 404
        assert "Only for Bo" not in response.text
    assert (await rows_of(bo))[0]["read_at"] is None
    # Reading is never a GET.
    assert (await client.get(f"/notifications/{row['id']}/open", headers=HTML)).status_code == 405


async def test_a_stored_link_off_the_site_never_redirects_there(intranet_app: Any, client: httpx.AsyncClient) -> None:
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    # Written around notify(), as a bug or an old row might be.
    await Notification.insert(Notification(person=bo, kind="test.event", title="Odd", url="//evil.example/",
                                           created_at=datetime.datetime.now(datetime.UTC))).run()
    [row] = await rows_of(bo)
    await log_in(client, "bo@example.org")
    listing = await client.get("/notifications", headers=HTML)
    opened = await client.post(f"/notifications/{row['id']}/open", data={"_csrf_token": csrf_token_of(listing.text)},
                               headers=HTML)
    assert opened.status_code == 303 and opened.headers["location"] == "/notifications"


async def test_the_list_is_paged_by_keyset(intranet_app: Any, client: httpx.AsyncClient) -> None:
    intranet = intranet_of(intranet_app)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    for number in range(service.PAGE_SIZE + 5):
        await notify(intranet, recipients=[bo], kind="test.event", title=f"Item {number:02d}", url="/events/1")
    await log_in(client, "bo@example.org")
    first = await client.get("/notifications", headers=HTML)
    titles = re.findall(r"Item (\d\d)", first.text)
    assert titles == [f"{n:02d}" for n in range(service.PAGE_SIZE + 4, 4, -1)]
    match = re.search(r'href="(/notifications\?before=\d+)" rel="next"', first.text)
    assert match
    second = await client.get(match.group(1), headers=HTML)
    assert re.findall(r"Item (\d\d)", second.text) == ["04", "03", "02", "01", "00"]
    assert 'rel="next"' not in second.text
    assert (await client.get("/notifications?before=x", headers=HTML)).status_code == 400


async def test_settings_list_every_kind_and_save_only_known_choices(
    intranet_app: Any, client: httpx.AsyncClient
) -> None:
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "da")
    await log_in(client, "bo@example.org")
    page = await client.get("/notifications/settings", headers=HTML)
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    # In Bo's language, core kinds first, then the plugin's.
    assert "Indstillinger for notifikationer" in page.text
    assert page.text.index("Nogen nævner mig") < page.text.index("Vigtige opslag") < page.text.index("Test events")
    assert re.search(r'name="feed.mention" value="immediately" checked', page.text)
    assert re.search(r'name="test.event" value="daily" checked', page.text)
    token = csrf_token_of(page.text)

    for extra in ({"feed.mention": "never", "admin.everything": "never"},  # not a kind
                  {"feed.mention": "sometimes"},  # not a choice
                  {"feed.mention": ["never", "daily"]}):  # two choices
        refused = await client.post("/notifications/settings", data={**extra, "_csrf_token": token}, headers=HTML)
        assert refused.status_code == 400
        assert "Intet blev gemt" in refused.text
    assert await NotificationPreference.count().run() == 0

    saved = await client.post("/notifications/settings", headers=HTML, data={
        "feed.mention": "never", "feed.important": "immediately", "test.event": "immediately",
        "_csrf_token": token})
    assert saved.status_code == 303
    page = await client.get(saved.headers["location"], headers=HTML)
    assert "Dine valg er gemt." in page.text
    assert re.search(r'name="feed.mention" value="never" checked', page.text)
    assert re.search(r'name="test.event" value="immediately" checked', page.text)
    # Only choices that differ from the default are stored.
    stored = await NotificationPreference.select(NotificationPreference.kind, NotificationPreference.delivery).where(
        NotificationPreference.person == bo).order_by(NotificationPreference.kind).run()
    assert stored == [{"kind": "feed.mention", "delivery": "never"}, {"kind": "test.event", "delivery": "immediately"}]


# --- no user content is ever markup -----------------------------------------------------------


async def test_a_script_in_a_title_or_text_is_inert_in_the_page_and_the_mail(
    intranet_app: Any, client: httpx.AsyncClient, mailbox: Mailbox
) -> None:
    intranet = intranet_of(intranet_app)
    actor = await person(intranet_app, "actor@example.org", XSS)
    bo = await person(intranet_app, "bo@example.org", "Bo Berg", "en")
    await notify(intranet, recipients=[bo], kind="feed.mention", title=f"{XSS}\r\nBcc: all@example.org",
                 text=XSS, url="/posts/1", actor_id=actor)
    await notify(intranet, recipients=[bo], kind="test.event", title=XSS, text=XSS, url="/posts/2")

    await log_in(client, "bo@example.org")
    for path in ("/notifications", "/account"):
        page = await client.get(path, headers=HTML)
        assert "<script>alert" not in page.text
        assert "<img src=x" not in page.text
    listing = await client.get("/notifications", headers=HTML)
    assert "&lt;script&gt;alert(" in listing.text

    [immediate] = mailbox.to("bo@example.org")
    assert immediate["Bcc"] is None  # a line break in the title cannot add a header
    assert immediate.get_content_type() == "text/plain"
    assert immediate.get_body(("html",)) is None
    assert XSS in body_of(immediate)  # shown as the text it is, in a plain-text mail
    await send_daily_digests(intranet, datetime.datetime.now(datetime.UTC))
    digest = mailbox.to("bo@example.org")[-1]
    assert digest.get_content_type() == "text/plain" and XSS in body_of(digest)
