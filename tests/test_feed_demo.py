"""The feed's demo data: a living month of news in the union, loaded by `intranet demo`.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import datetime
import html
import time

from litestar import Litestar

from intranet_core.demo import load_demo
from intranet_core.feed import service as feed
from intranet_core.feed.demo import BREACH_NOTICE, DAYS
from intranet_core.feed.tables import Acknowledgement, Post, PostAudience, PostComment, PostReaction
from intranet_core.people import demo as people_demo
from intranet_core.people.service import person_id_by_email
from intranet_core.search.service import search_documents
from intranet_core.testing import client_for, csrf_token_of

DA = {"accept": "text/html", "accept-language": "da"}


async def loaded(app: Litestar) -> tuple[list[str], float]:
    intranet = app.state.intranet
    await intranet.db.connect()
    try:
        started = time.perf_counter()
        lines = await load_demo(intranet)
        return lines, time.perf_counter() - started
    finally:
        await intranet.db.close()


async def test_a_month_of_news_that_everyone_can_read(intranet_app: Litestar) -> None:
    lines, _seconds = await loaded(intranet_app)
    line = next(line for line in lines if line.startswith("The feed:"))
    assert BREACH_NOTICE.title in line

    now = datetime.datetime.now(datetime.UTC)
    posts = await Post.select(Post.id, Post.title, Post.published_at, Post.announced_at, Post.important,
                              Post.pinned_until).run()
    assert 40 <= len(posts) <= 120
    assert all(now - datetime.timedelta(days=DAYS + 1) <= p["published_at"] <= now for p in posts)
    # Published posts count as announced, so starting the site does not notify anyone about old news.
    assert all(p["announced_at"] == p["published_at"] for p in posts)
    [notice] = [p for p in posts if p["title"] == BREACH_NOTICE.title]
    assert notice["important"] and notice["pinned_until"] > now
    keys = {row["key"] for row in await PostAudience.select(PostAudience.key).run()}
    assert "all" in keys and len({k for k in keys if k.startswith("unit:")}) >= 10  # every district has news
    assert await PostComment.count().run() > 20 and await PostReaction.count().run() > 50
    reach = await feed.reach(intranet_app.state.intranet, int(notice["id"]))
    assert 0 < reach["acknowledged"] < reach["audience"] and reach["seen"] >= reach["acknowledged"]

    # The demo accounts have seen nothing: the notice waits for their acknowledgement.
    member = await person_id_by_email(people_demo.MEMBER_EMAIL)
    assert member is not None
    assert not await Acknowledgement.exists().where(Acknowledgement.person == member).run()

    # Search finds the news at once (the index is written with the posts).
    found = await search_documents(kind=feed.SEARCH_KIND, query="databrud", keys=["all"])
    assert [f.title for f in found][:1] == [BREACH_NOTICE.title]


async def test_the_member_sees_the_notice_first_and_their_district(intranet_app: Litestar) -> None:
    await loaded(intranet_app)
    async with client_for(intranet_app) as client:
        form = await client.get("/signin")
        signed_in = await client.post("/signin", data={
            "email": people_demo.MEMBER_EMAIL, "password": people_demo.DEMO_PASSWORD,
            "_csrf_token": csrf_token_of(form.text),
        })
        assert signed_in.status_code == 303
        page = await client.get("/", headers=DA)
        assert page.status_code == 200
        text = html.unescape(page.text)
        main = text.split("<main", 1)[1]
        assert main.index(BREACH_NOTICE.title) < main.index("Resultatet af urafstemningen")
        notice = main.split(BREACH_NOTICE.title, 1)[1].split("</article>", 1)[0]
        assert "Jeg har læst og forstået" in notice  # their acknowledgement is still asked for

