"""The feed issue's "done means", as a new user would try it with the demo accounts, over real HTTP.

`editor@example.org` posts an important notice with a file to their district
(Østjylland); `member@example.org`, with the feed open, gets it live and
acknowledges it; `member2@example.org` (Fyn) never sees it: not in the feed,
the permalink, the API, search, or the file's URL; the editor's reach page
says "1 of N"; the notice's mail reaches a real SMTP server.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from test_live import EventStream, served
from upload_samples import pdf

from intranet_core.account.tokens import create_api_token
from intranet_core.demo import load_demo
from intranet_core.feed.tables import PostAudience
from intranet_core.people import demo as people_demo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.testing import Mailbox, database_url_for_tests, log_in, mail_settings, make_settings

HTML = {"accept": "text/html", "accept-language": "en"}
TITLE = "Fire drill on Thursday"


@pytest.fixture
def intranet_settings(tmp_path: Path, mailbox: Mailbox) -> Any:
    return make_settings(database_url_for_tests(tmp_path), mail=mail_settings(mailbox),
                         uploads={"directory": str(tmp_path / "uploads")})


async def sign_in(client: httpx.AsyncClient, email: str) -> None:
    await log_in(client, email, people_demo.DEMO_PASSWORD)


def csrf(html: str) -> str:
    token = re.search(r'name="_csrf_token" value="([^"]+)"', html)
    assert token is not None
    return token.group(1)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


async def test_an_important_notice_to_one_district(intranet_app: Litestar, mailbox: Mailbox) -> None:
    intranet = intranet_app.state.intranet
    await intranet.db.connect()
    try:
        await load_demo(intranet)
        district = await Unit.select(Unit.id).where(Unit.name == people_demo.EDITOR_DISTRICT).first().run()
        assert district is not None
        district_key = f"unit:{district['id']}"
        member2 = await Person.select(Person.id).where(Person.email == people_demo.MEMBER2_EMAIL).first().run()
        assert member2 is not None
        token = await create_api_token(intranet, int(member2["id"]), name="phone", read_only=True)
        in_district = await Membership.count().where(Membership.unit.path.like(
            (await Unit.select(Unit.path).where(Unit.id == district["id"]).first().run())["path"] + "%"  # type: ignore[index]
        )).run()
    finally:
        await intranet.db.close()

    async with served(intranet_app) as url, \
            httpx.AsyncClient(base_url=url, timeout=10) as editor, \
            httpx.AsyncClient(base_url=url, timeout=10) as member, \
            httpx.AsyncClient(base_url=url, timeout=10) as member2_client:
        await sign_in(editor, people_demo.EDITOR_EMAIL)
        await sign_in(member, people_demo.MEMBER_EMAIL)
        await sign_in(member2_client, people_demo.MEMBER2_EMAIL)
        async with EventStream(member) as member_stream, EventStream(member2_client) as member2_stream:
            compose = await editor.get("/posts/new", headers=HTML)
            assert compose.status_code == 200 and f'value="{district_key}"' in compose.text
            # The editor may publish to their district only, not to everyone.
            assert 'value="all"' not in compose.text
            published = await editor.post("/posts", headers=HTML, data={
                "_csrf_token": csrf(compose.text), "title": TITLE, "important": "on", "audience": district_key,
                "body": "Meet in the car park at **10:00**. The plan is attached.",
            }, files={"attachments": ("evacuation-plan.pdf", pdf("Plan"), "application/pdf")})
            assert published.status_code == 303, published.text[:500]
            post_id = int(published.headers["location"].rsplit("/", 1)[-1])

            # Live: the member's open feed gets it; member2's does not.
            assert await member_stream.next_post() == post_id
            await member2_stream.nothing_within(1.0)

        card = await member.get(f"/feed/card/{post_id}", headers=HTML)
        assert card.status_code == 200 and TITLE in card.text
        file_url = re.search(rf'href="(/posts/{post_id}/files/\d+)[^"]*"', card.text)
        assert file_url is not None
        download = await member.get(file_url.group(1))
        assert download.status_code == 200 and download.content.startswith(b"%PDF")
        assert "attachment" in download.headers["content-disposition"]

        # The member reads and acknowledges it.
        acknowledged = await member.post(f"/posts/{post_id}/acknowledge", headers=HTML,
                                         data={"_csrf_token": csrf(card.text)})
        assert acknowledged.status_code == 303
        page = await member.get(f"/posts/{post_id}", headers=HTML)
        assert "You have read and understood this." in page.text

        # member2, in another district, never sees it anywhere.
        feed = await member2_client.get("/", headers=HTML)
        assert feed.status_code == 200 and TITLE not in feed.text
        assert (await member2_client.get(f"/posts/{post_id}", headers=HTML)).status_code == 404
        assert (await member2_client.get(f"/feed/card/{post_id}", headers=HTML)).status_code == 404
        assert (await member2_client.get(file_url.group(1))).status_code == 404
        search = await member2_client.get("/search", params={"q": "fire drill"}, headers=HTML)
        assert search.status_code == 200 and "Fire drill" not in text_of(search.text.split("<main", 1)[1])
        api = {"authorization": f"Bearer {token}"}
        assert (await member2_client.get(f"/api/v1/posts/{post_id}", headers=api)).status_code == 404
        api_feed = await member2_client.get("/api/v1/feed", headers=api)
        assert api_feed.status_code == 200 and TITLE not in api_feed.text
        api_search = await member2_client.get("/api/v1/search", params={"q": "fire drill"}, headers=api)
        assert api_search.status_code == 200 and TITLE not in api_search.text
        # ... while the member finds it.
        found = await member.get("/search", params={"q": "fire drill"}, headers=HTML)
        assert TITLE in text_of(found.text)

        # The editor's reach page: one of the district's people has acknowledged it.
        reach = await editor.get(f"/posts/{post_id}/reach", headers=HTML)
        assert reach.status_code == 200
        acknowledged_line = re.search(r'id="reach-acknowledged">([^<]*)<', reach.text)
        assert acknowledged_line is not None
        figures = re.findall(r"\d+", acknowledged_line.group(1))
        assert figures[0] == "1" and int(figures[1]) >= 2
        assert int(figures[1]) <= in_district
        assert (await member2_client.get(f"/posts/{post_id}/reach", headers=HTML)).status_code == 404

    # The notice went by mail to the district (important posts: immediately), not to member2.
    for _ in range(100):  # sent after the request's transaction: give it up to 10 s
        if mailbox.to(people_demo.MEMBER_EMAIL):
            break
        await asyncio.sleep(0.1)
    [mail] = mailbox.to(people_demo.MEMBER_EMAIL)
    assert TITLE in str(mail["Subject"]) or TITLE in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert not mailbox.to(people_demo.MEMBER2_EMAIL)
    await intranet.db.connect()
    try:
        assert await PostAudience.select(PostAudience.key).where(PostAudience.post == post_id).run() == [
            {"key": district_key}
        ]
    finally:
        await intranet.db.close()
