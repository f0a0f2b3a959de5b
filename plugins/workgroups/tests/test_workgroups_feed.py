"""Group posts in the core feed: who sees them where, muting a group, notices, the composer, reach."""

from __future__ import annotations

import re

from intranet_workgroups.groups import service
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation

from intranet_core.account.tokens import create_api_token
from intranet_core.feed import service as feed
from intranet_core.notifications.tables import Notification


def post_id_of(location: str) -> int:
    found = re.search(r"#post-(\d+)$", location)
    assert found is not None, location
    return int(found.group(1))


async def test_group_posts_reach_members_and_followers_only(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        local_a = await org.group("District A", by="sam", kind="local", visibility="closed", unit="A")
        topic = await org.group("Topic", by="sam", visibility="open")
        await org.add(topic, "carol")
        erin = await org.client("erin")
        assert (await form_post(erin, f"/groups/{topic}/follow", {"on": "1"})).status_code == 303

        bob = await org.client("bob")  # in team A1: a member of district A's group through the unit
        answer = await form_post(bob, f"/groups/{local_a}/posts", {"title": "Keys", "body": "Who has the key?"})
        assert answer.status_code == 303
        local_post = post_id_of(answer.headers["location"])
        carol = await org.client("carol")
        answer = await form_post(carol, f"/groups/{topic}/posts", {"title": "", "body": "Topic news"})
        topic_post = post_id_of(answer.headers["location"])

        def shows(page: str, post_id: int) -> bool:
            return f'id="post-{post_id}"' in page

        alice = await org.client("alice")  # district A, member through the unit
        front = (await alice.get("/", headers=HTML)).text
        assert shows(front, local_post) and not shows(front, topic_post)
        assert shows((await alice.get(f"/groups/{local_a}", headers=HTML)).text, local_post)
        # A follower of the open group reads its posts in the feed, without being a member.
        front = (await erin.get("/", headers=HTML)).text
        assert shows(front, topic_post) and not shows(front, local_post)
        assert (await erin.get(f"/posts/{topic_post}", headers=HTML)).status_code == 200
        assert (await erin.get(f"/posts/{local_post}", headers=HTML)).status_code == 404
        # An outsider of the closed group: neither on the permalink nor on the group's page.
        frank = await org.client("frank")
        assert (await frank.get(f"/posts/{local_post}", headers=HTML)).status_code == 404
        assert not shows((await frank.get(f"/groups/{local_a}", headers=HTML)).text, local_post)
        # An outsider of the open group is told to follow or join to read its posts.
        page = (await frank.get(f"/groups/{topic}", headers=HTML)).text
        assert not shows(page, topic_post) and "Follow or join the group to read its posts" in page
        # Search finds a group post for those who may read it only.
        assert f"/posts/{local_post}" in (await alice.get("/search?q=key", headers=HTML)).text
        assert f"/posts/{local_post}" not in (await frank.get("/search?q=key", headers=HTML)).text


async def test_new_post_notifies_members_but_not_the_author_nor_those_who_muted(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic", visibility="open")
        for name in ("bob", "carol", "erin"):
            await org.add(group_id, name)
        erin = await org.client("erin")
        assert (await form_post(erin, f"/groups/{group_id}/mute", {"on": "1"})).status_code == 303
        bob = await org.client("bob")
        answer = await form_post(bob, f"/groups/{group_id}/posts", {"title": "Hello", "body": "Hi all"})
        post_id = post_id_of(answer.headers["location"])
        rows = await Notification.select(Notification.person, Notification.title, Notification.url).where(
            Notification.kind == "workgroups.post"
        ).run()
        assert sorted(r["person"] for r in rows) == sorted([org.people["alice"], org.people["carol"]])
        assert all(r["url"] == f"/posts/{post_id}" and r["title"] == "Bob in Topic: Hello" for r in rows)


async def test_muting_keeps_a_group_out_of_the_main_feed_only(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic", visibility="open")
        await org.add(group_id, "carol")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/posts", {"title": "Muted news", "body": "Quiet"})
        post_id = post_id_of(answer.headers["location"])
        # A post to the group and to district B as well.
        both = await feed.create_post(org.intranet, author_id=org.people["alice"], title="Both", body="Twice",
                                      audience=[f"group:{group_id}", f"unit:{org.units['B']}"])
        carol = await org.client("carol")
        assert f'id="post-{post_id}"' in (await carol.get("/", headers=HTML)).text
        assert (await form_post(carol, f"/groups/{group_id}/mute", {"on": "1"})).status_code == 303
        front = (await carol.get("/", headers=HTML)).text
        assert f'id="post-{post_id}"' not in front
        # Still addressed to her unit: it reaches her that way.
        assert f'id="post-{both}"' in front
        token = await create_api_token(org.intranet, org.people["carol"], name="test", read_only=True)
        api = await carol.get("/api/v1/feed", headers={"authorization": f"Bearer {token}"})
        assert api.status_code == 200
        ids = [item["id"] for item in api.json()["items"]]
        assert post_id not in ids and both in ids
        # Muting changes the feed, never what she may read.
        assert (await carol.get(f"/posts/{post_id}", headers=HTML)).status_code == 200
        group_page = (await carol.get(f"/groups/{group_id}", headers=HTML)).text
        assert f'id="post-{post_id}"' in group_page and "Show in my news feed" in group_page
        assert f"/posts/{post_id}" in (await carol.get("/search?q=muted", headers=HTML)).text
        assert (await form_post(carol, f"/groups/{group_id}/mute", {"on": "0"})).status_code == 303
        assert f'id="post-{post_id}"' in (await carol.get("/", headers=HTML)).text
        # Someone who neither reads nor follows has nothing to mute.
        frank = await org.client("frank")
        assert (await form_post(frank, f"/groups/{group_id}/mute", {"on": "1"})).status_code == 403


async def test_posting_form_errors_and_who_may_post(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic", visibility="open")
        secret = await org.group("Secret", visibility="secret")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/posts", {"title": "", "body": "  "})
        assert answer.status_code == 400 and "Write something in the post." in answer.text
        answer = await form_post(alice, f"/groups/{group_id}/posts", {"title": "T" * 201, "body": "x"})
        assert answer.status_code == 400 and "at most 200 characters" in answer.text
        frank = await org.client("frank")
        assert (await form_post(frank, f"/groups/{group_id}/posts", {"body": "Hi"})).status_code == 403
        assert (await form_post(frank, f"/groups/{secret}/posts", {"body": "Hi"})).status_code == 404
        # The core's composer offers the groups one is a member of, and refuses the others.
        composer = (await alice.get("/posts/new", headers=HTML)).text
        assert f'value="group:{group_id}"' in composer and f'value="group:{secret}"' in composer
        answer = await form_post(frank, "/posts", {"body": "Sneaky", "audience": f"group:{secret}"})
        assert answer.status_code in (400, 403)
        assert await feed.visible_post_ids([f"group:{secret}"], before=None) == []
        answer = await form_post(alice, "/posts", {"body": "Through the composer", "audience": f"group:{secret}"})
        assert answer.status_code == 303


async def test_reach_counts_members_and_followers(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Safety", visibility="open")
        await service.bind_unit(org.intranet, group_id, org.units["B"], actor_id=org.people["sam"])
        await service.follow(org.intranet, group_id, org.people["dave"], True)
        members = await feed.audience_member_ids(org.intranet, [f"group:{group_id}"])
        assert members == {org.people[n] for n in ("alice", "carol", "erin", "frank", "dave")}


async def test_closing_a_group_ends_its_followers(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Topic", visibility="open")
        await service.follow(org.intranet, group_id, org.people["dave"], True)
        assert f"group:{group_id}" in await service.audience_keys_of(org.people["dave"])
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/settings",
                                 {"name": "Topic", "description": "", "visibility": "closed"})
        assert answer.status_code == 303
        assert f"group:{group_id}" not in await service.audience_keys_of(org.people["dave"])


async def test_mentions_in_a_group_post_reach_members_only(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Board", visibility="secret")
        await org.add(group_id, "bob")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/posts", {"title": "", "body": "@bob and @carol: look"})
        assert answer.status_code == 303
        mentioned = await Notification.select(Notification.person).where(Notification.kind == "feed.mention").run()
        # Carol is not in the secret group: the core tells only those who may read the post.
        assert [row["person"] for row in mentioned] == [org.people["bob"]]


async def test_the_group_page_shows_posts_as_the_feed_does(intranet_app: Litestar) -> None:
    from intranet_core.testing import csrf_token_of

    async with organisation(intranet_app) as org:
        group_id = await org.group("Drift", by="sam", visibility="closed")
        await org.add(group_id, "carol")
        carol = await org.client("carol")
        # A post with a file, written in the core's composer to the group.
        token = csrf_token_of((await carol.get("/posts/new", headers=HTML)).text)
        answer = await carol.post("/posts", headers=HTML, data={
            "title": "Vagtplan", "body": "Se planen", "audience": f"group:{group_id}", "_csrf_token": token},
            files=[("attachments", ("vagtplan.txt", b"Mandag: Carol\n"))])
        assert answer.status_code == 303, answer.text
        post_id = int(answer.headers["location"].rsplit("/", 1)[1])
        page = (await carol.get(f"/groups/{group_id}", headers=HTML)).text
        assert f'id="post-{post_id}"' in page and "vagtplan.txt" in page
        assert f'action="/posts/{post_id}/reactions"' in page
        # A reaction from the group's page leads back to it, and is shown there.
        answer = await form_post(carol, f"/posts/{post_id}/reactions", {"kind": "like", "next": f"/groups/{group_id}"})
        assert answer.status_code == 303 and answer.headers["location"] == f"/groups/{group_id}#post-{post_id}"
        page = (await carol.get(f"/groups/{group_id}", headers=HTML)).text
        like = re.search(r'<button[^>]*value="like"[^>]*>.*?</button>', page, re.S)
        assert like is not None and 'aria-pressed="true"' in like.group(0)
