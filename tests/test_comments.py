"""The conversation on a post: comments, reactions and @mentions, with their access rules.

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import httpx
from litestar import Litestar
from test_feed import Calls, Site, audit_actions, calls_fixture, site_fixture, unit  # noqa: F401 - fixtures

from intranet_core.feed import mentions
from intranet_core.feed.tables import PostComment, PostReaction
from intranet_core.people.service import create_person, set_active

JSON = {"accept": "application/json"}


def comment_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article id="comment-(\d+)"', page)]


def reaction_button(page: str, post_id: int, kind: str) -> str:
    """The reaction button of one post's card."""
    card = page[page.index(f'<article id="post-{post_id}"'):]
    match = re.search(r'<button type="submit" name="kind" value="' + kind + r'"[^>]*>.*?</button>', card, re.S)
    assert match, f"no {kind} button"
    return match.group(0)


def main_of(page: str) -> str:
    """The page's own content, without the shell (menus, icons, scripts)."""
    return page[page.index("<main"):page.index("</main>")]


def count_of(button: str) -> int:
    match = re.search(r'<span class="count">(\d+)</span>', button)
    return int(match.group(1)) if match else 0


# --- comments ------------------------------------------------------------------------


async def test_comments_are_shown_on_the_permalink_newest_last(site: Site) -> None:
    post_id = await site.publish("ann", "What do you think?", audience=[unit(site.north)])
    first = await site.post("bob", f"/posts/{post_id}/comments", {"body": "First!"})
    assert first.status_code == 303
    assert re.fullmatch(rf"/posts/{post_id}#comment-\d+", first.headers["location"])
    await site.post("ann", f"/posts/{post_id}/comments", {"body": "Second, with **bold**"})
    page = (await site.get("bob", f"/posts/{post_id}")).text
    ids = comment_ids(page)
    assert len(ids) == 2 and ids == sorted(ids)
    assert page.index("First!") < page.index("<strong>bold</strong>")
    assert "Bob Berg" in page and "Ann Andersen" in page
    # The feed card counts them.
    assert "2 comments" in (await site.get("ann", "/")).text


async def test_an_empty_or_too_long_comment_is_refused(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    assert (await site.post("bob", f"/posts/{post_id}/comments", {"body": "   "})).status_code == 400
    assert (await site.post("bob", f"/posts/{post_id}/comments", {"body": "x" * 10_001})).status_code == 400
    assert (await site.post("bob", f"/posts/{post_id}/comments", {"body": "ok", "author": "1"})).status_code == 400
    assert await PostComment.count().run() == 0


async def test_the_author_edits_their_comment(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "Tyop"})
    [comment_id] = comment_ids((await site.get("bob", f"/posts/{post_id}")).text)
    path = f"/posts/{post_id}/comments/{comment_id}/edit"
    assert (await site.get("bob", path)).status_code == 200
    assert (await site.post("bob", path, {"body": "Typo"})).status_code == 303
    page = (await site.get("bob", f"/posts/{post_id}")).text
    comment = page[page.index(f'id="comment-{comment_id}"'):]
    assert "Typo" in comment and 'class="edited"' in comment and "Tyop" not in page
    assert await audit_actions(comment_id, "post_comment") == ["feed.comment_edit"]
    # Nobody else edits it, not even a moderator.
    assert (await site.get("ann", path)).status_code == 403
    assert (await site.post("ann", path, {"body": "Changed"})).status_code == 403


async def test_who_may_delete_a_comment(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    await site.person("tim", site.north_team)
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "Bob's"})
    await site.post("tim", f"/posts/{post_id}/comments", {"body": "Tim's"})
    bobs, tims = comment_ids((await site.get("bob", f"/posts/{post_id}")).text)
    # Another reader may not; the author may; a moderator of the post's units may.
    assert (await site.post("tim", f"/posts/{post_id}/comments/{bobs}/delete")).status_code == 403
    assert (await site.post("bob", f"/posts/{post_id}/comments/{bobs}/delete")).status_code == 303
    assert (await site.post("ann", f"/posts/{post_id}/comments/{tims}/delete")).status_code == 303
    page = (await site.get("bob", f"/posts/{post_id}")).text
    assert comment_ids(page) == [] and "Bob's" not in page and "Tim's" not in page
    assert "0 comments" in (await site.get("bob", "/")).text
    # Deleted: gone for editing and deleting again.
    assert (await site.get("bob", f"/posts/{post_id}/comments/{bobs}/edit")).status_code == 404
    assert (await site.post("bob", f"/posts/{post_id}/comments/{bobs}/delete")).status_code == 404
    assert await audit_actions(bobs, "post_comment") == ["feed.comment_delete"]
    assert await audit_actions(tims, "post_comment") == ["feed.comment_delete"]
    # A comment of one post cannot be reached through another.
    other = await site.publish("ann", "Other", audience=[unit(site.north)])
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "Again"})
    [again] = comment_ids((await site.get("bob", f"/posts/{post_id}")).text)
    assert (await site.get("bob", f"/posts/{other}/comments/{again}/edit")).status_code == 404


async def test_a_person_outside_the_audience_gets_404_for_everything_about_the_post(site: Site) -> None:
    post_id = await site.publish("ann", "North only", audience=[unit(site.north)])
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "Inside"})
    [comment_id] = comment_ids((await site.get("bob", f"/posts/{post_id}")).text)
    for key in ("cat", "dan"):
        for path in (f"/posts/{post_id}", f"/posts/{post_id}/comments", f"/posts/{post_id}/reactions",
                     f"/posts/{post_id}/comments/{comment_id}/edit", f"/posts/{post_id}/reach",
                     f"/posts/{post_id}/edit"):
            response = await site.get(key, path)
            assert response.status_code == 404, (key, path)
            assert "Inside" not in response.text and "North only" not in response.text
        for path, data in ((f"/posts/{post_id}/comments", {"body": "Let me in"}),
                           (f"/posts/{post_id}/reactions", {"kind": "like"}),
                           (f"/posts/{post_id}/comments/{comment_id}/edit", {"body": "x"}),
                           (f"/posts/{post_id}/comments/{comment_id}/delete", {}),
                           (f"/posts/{post_id}/delete", {})):
            assert (await site.post(key, path, data)).status_code == 404, (key, path)
    assert await PostComment.count().run() == 1
    assert await PostReaction.count().run() == 0


async def test_anonymous_visitors_are_sent_to_sign_in(site: Site, intranet_client: httpx.AsyncClient) -> None:
    post_id = await site.publish("ann", "Post", audience=["all"])
    response = await intranet_client.get(f"/posts/{post_id}", headers={"accept": "text/html"})
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
    response = await intranet_client.post(f"/posts/{post_id}/comments", data={"body": "hi"})
    assert response.status_code in (401, 403)
    assert await PostComment.count().run() == 0


async def test_a_comment_post_without_the_csrf_token_is_refused(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    response = await site.clients["bob"].post(f"/posts/{post_id}/comments", data={"body": "no token"})
    assert response.status_code == 403
    response = await site.clients["bob"].post(f"/posts/{post_id}/reactions", data={"kind": "like"})
    assert response.status_code == 403
    assert await PostComment.count().run() == 0 and await PostReaction.count().run() == 0


class _Tags(HTMLParser):
    """Every tag and attribute of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))


PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    '"><svg onload=alert(1)>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![x](https://tracker.example/pixel.png)",
    '<a href="javascript:alert(1)">x</a>',
    "[@x](javascript:alert(1))",
    '[@x" onmouseover="alert(1)](mention:1)',
    "<iframe src=https://example.org></iframe>",
    "{{ 7*7 }} {% raw %}",
    "<style>body{display:none}</style>",
]


async def test_script_in_comments_stays_inert(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    for payload in PAYLOADS:
        assert (await site.post("bob", f"/posts/{post_id}/comments", {"body": payload})).status_code == 303
    page = (await site.get("bob", f"/posts/{post_id}")).text
    assert len(comment_ids(page)) == len(PAYLOADS)
    parser = _Tags()
    parser.feed(main_of(page))
    for tag, attrs in parser.tags:
        assert tag not in ("iframe", "svg", "style", "object", "embed"), tag
        if tag == "script":
            assert attrs.get("src", "").startswith("/static/"), attrs
        if tag == "img":  # only our own files, never another site's
            src = attrs.get("src", "")
            assert not src or (src.startswith("/") and not src.startswith("//")), attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            assert not value.strip().lower().startswith(("javascript:", "data:", "vbscript:")), (tag, name, value)
    assert "{{ 7*7 }} {% raw %}" in page  # no template evaluation
    # What was written is shown as text.
    assert html.escape("<script>alert(1)</script>", quote=False) in page
    # The same holds in the edit form, where the text goes back into a textarea.
    [first, *_rest] = comment_ids(page)
    form = (await site.get("bob", f"/posts/{post_id}/comments/{first}/edit")).text
    assert "<script>alert(1)</script>" not in form and "&lt;script&gt;alert(1)&lt;/script&gt;" in form


# --- reactions -----------------------------------------------------------------------


async def test_a_reaction_toggles_and_is_counted(site: Site) -> None:
    post_id = await site.publish("ann", "React to me", audience=[unit(site.north)])
    response = await site.post("bob", f"/posts/{post_id}/reactions", {"kind": "like", "next": "/"})
    assert response.status_code == 303 and response.headers["location"] == f"/#post-{post_id}"
    await site.post("ann", f"/posts/{post_id}/reactions", {"kind": "like"})
    await site.post("ann", f"/posts/{post_id}/reactions", {"kind": "celebrate"})

    page = (await site.get("bob", "/")).text
    like = reaction_button(page, post_id, "like")
    assert count_of(like) == 2 and 'aria-pressed="true"' in like
    celebrate = reaction_button(page, post_id, "celebrate")
    assert count_of(celebrate) == 1 and 'aria-pressed="false"' in celebrate
    assert count_of(reaction_button(page, post_id, "thanks")) == 0
    # The permalink shows the same.
    page = (await site.get("ann", f"/posts/{post_id}")).text
    assert 'aria-pressed="true"' in reaction_button(page, post_id, "celebrate")

    # Again: taken back.
    await site.post("bob", f"/posts/{post_id}/reactions", {"kind": "like"})
    page = (await site.get("bob", "/")).text
    like = reaction_button(page, post_id, "like")
    assert count_of(like) == 1 and 'aria-pressed="false"' in like
    # Who reacted.
    who = main_of((await site.get("bob", f"/posts/{post_id}/reactions")).text)
    assert "Ann Andersen" in who and "Bob Berg" not in who


async def test_only_the_fixed_reactions_exist(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    for kind in ("", "angry", "like ", "<b>"):
        assert (await site.post("bob", f"/posts/{post_id}/reactions", {"kind": kind})).status_code == 400
    assert await PostReaction.count().run() == 0


async def test_a_reaction_only_sends_the_reader_back_to_this_site(site: Site) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)",
                   "/ok\r\nSet-Cookie: x=1"):
        response = await site.post("bob", f"/posts/{post_id}/reactions", {"kind": "thanks", "next": target})
        assert response.headers["location"] == f"/posts/{post_id}#post-{post_id}", target
    response = await site.post("bob", f"/posts/{post_id}/reactions", {"kind": "thanks", "next": f"/?unit={site.north}"})
    assert response.headers["location"] == f"/?unit={site.north}#post-{post_id}"


# --- the mention autocomplete ----------------------------------------------------------------


async def test_the_autocomplete_needs_a_signed_in_person(site: Site, intranet_client: httpx.AsyncClient) -> None:
    response = await intranet_client.get("/people/autocomplete", params={"q": "bo"}, headers=JSON)
    assert response.status_code == 401
    assert "Bob" not in response.text


async def test_the_autocomplete_finds_active_people_by_name_or_email(site: Site) -> None:
    intranet = site.intranet
    await create_person(intranet, actor_id=None, fields={"email": "soren.ostergaard@example.org",
                                                         "name": "Søren Østergaard"})
    gone = await create_person(intranet, actor_id=None, fields={"email": "bo.gone@example.org", "name": "Bo Gone"})
    await set_active(intranet, gone.id, False, actor_id=None)

    async def names(q: str) -> list[str]:
        response = await site.clients["cat"].get("/people/autocomplete", params={"q": q}, headers=JSON)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        return [p["name"] for p in response.json()["people"]]

    assert await names("bo") == ["Bob Berg"]  # not the deactivated Bo Gone
    assert await names("BOB") == ["Bob Berg"]
    assert await names("berg") == ["Bob Berg"]  # a later word of the name
    assert await names("ann@") == ["Ann Andersen"]  # the e-mail
    assert await names("søren") == ["Søren Østergaard"]
    assert await names("ØSTER") == ["Søren Østergaard"]
    assert await names("") == []
    assert await names("%") == []
    assert await names("zzz") == []
    [bob] = (await site.clients["cat"].get("/people/autocomplete", params={"q": "bob"}, headers=JSON)).json()["people"]
    assert bob == {"id": site.people["bob"].id, "name": "Bob Berg", "title": "", "handle": "bob"}


async def test_the_autocomplete_answers_at_most_ten(site: Site) -> None:
    for number in range(12):
        await create_person(site.intranet, actor_id=None, fields={"email": f"many{number}@example.org",
                                                                  "name": f"Many Person {number:02}"})
    response = await site.clients["bob"].get("/people/autocomplete", params={"q": "many"}, headers=JSON)
    people = response.json()["people"]
    assert len(people) == 10
    assert [p["name"] for p in people] == sorted(p["name"] for p in people)


async def test_person_lookups_agree_on_who_is_visible(site: Site) -> None:
    """The autocomplete and mention resolution follow the one rule."""
    gone = await create_person(site.intranet, actor_id=None, fields={"email": "ghost@example.org", "name": "Ghost"})
    await set_active(site.intranet, gone.id, False, actor_id=None)
    viewer = site.people["bob"].id
    visible = {r["id"] for r in await mentions.visible_people_query(viewer).run()}
    assert gone.id not in visible and viewer in visible
    assert await mentions.visible_people_query(None).run() == []
    assert await mentions.autocomplete(viewer, "ghost") == []
    text, ids = await mentions.resolve(f"@ghost and [@Ghost](mention:{gone.id})", viewer)
    assert ids == [] and "mention:" not in text


# --- mentions ---------------------------------------------------------------------------


async def test_a_mention_in_a_post_is_a_link_and_notifies_who_may_see_it(site: Site, calls: Calls) -> None:
    response = await site.post("ann", "/posts", {"title": "Thanks", "body": "Thanks @bob and @cat and @ann!",
                                                  "audience": unit(site.north)})
    post_id = int(response.headers["location"].rsplit("/", 1)[1])
    bob, cat = site.people["bob"].id, site.people["cat"].id
    page = (await site.get("bob", f"/posts/{post_id}")).text
    assert f'<a href="/people/{bob}" rel="noopener noreferrer">@Bob Berg</a>' in page
    assert f'<a href="/people/{cat}" rel="noopener noreferrer">@Cat Christensen</a>' in page
    [notice] = calls.notices_of("feed.mention")
    # Cat is mentioned but outside the audience; Ann mentioned herself.
    assert notice["recipients"] == [bob]
    assert notice["url"] == f"/posts/{post_id}" and notice["actor_id"] == site.people["ann"].id
    assert "Ann Andersen" in notice["title"]


async def test_editing_a_post_notifies_only_the_newly_mentioned(site: Site, calls: Calls) -> None:
    tim = await site.person("tim", site.north, name="Tim Thomsen")
    post_id = await site.publish("ann", "Hello @bob", audience=[unit(site.north)])
    assert calls.recipients("feed.mention") == {site.people["bob"].id}
    await site.post("ann", f"/posts/{post_id}/edit", {"body": "Hello @bob and @tim"})
    assert [n["recipients"] for n in calls.notices_of("feed.mention")] == [[site.people["bob"].id], [tim.id]]


async def test_a_mention_in_a_comment_notifies_who_may_see_the_post(site: Site, calls: Calls) -> None:
    post_id = await site.publish("ann", "Post", audience=[unit(site.north)])
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "@ann.andersen? no: @ann, and @cat"})
    [comment_id] = comment_ids((await site.get("bob", f"/posts/{post_id}")).text)
    [notice] = calls.notices_of("feed.mention")
    assert notice["recipients"] == [site.people["ann"].id]
    assert notice["url"] == f"/posts/{post_id}#comment-{comment_id}"
    page = (await site.get("ann", f"/posts/{post_id}")).text
    assert f'href="/people/{site.people["ann"].id}"' in page
    # Editing the comment does not notify Ann again.
    await site.post("bob", f"/posts/{post_id}/comments/{comment_id}/edit", {"body": "Thanks @ann"})
    assert len(calls.notices_of("feed.mention")) == 1


async def test_a_notice_is_stored_for_the_mentioned_person(site: Site) -> None:
    """Through the real notification service, when it stores notices."""
    from intranet_core.notifications import tables as notification_tables

    table = getattr(notification_tables, "Notification", None)
    post_id = await site.publish("ann", "Ping @bob", audience=[unit(site.north)])
    if table is None or not await table.table_exists().run():
        return  # the notification service keeps no table in this build
    rows = await table.select(table.person, table.kind, table.url).run()
    assert {"person": site.people["bob"].id, "kind": "feed.mention", "url": f"/posts/{post_id}"} in rows


async def test_mention_resolution(site: Site, intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    writer = site.people["ann"].id
    bob, cat = site.people["bob"].id, site.people["cat"].id
    twin = await create_person(intranet, actor_id=None, fields={"email": "bob@other.example", "name": "Other Bob"})
    await create_person(intranet, actor_id=None, fields={"email": "dina.x@example.org", "name": "Dina O'Hara"})

    async def resolved(text: str) -> tuple[str, list[int]]:
        return await mentions.resolve(text, writer)

    # By e-mail local part, case-insensitively; a trailing full stop is not part of it.
    assert await resolved("Hi @Cat.") == (f"Hi [@Cat Christensen](mention:{cat}).", [cat])
    # Two people share "bob" as local part: ambiguous, left as text.
    assert await resolved("Hi @bob") == ("Hi @bob", [])
    # A word of the name, when exactly one person has it.
    assert await resolved("@Christensen") == (f"[@Cat Christensen](mention:{cat})", [cat])
    assert (await resolved("@dina.x"))[1] == [(await mentions.autocomplete(writer, "dina"))[0]["id"]]
    # E-mail addresses, code and escaped @ are not mentions.
    for text in ("mail cat@example.org", "`@cat`", "```\n@cat\n```", "\\@cat"):
        assert await resolved(text) == (text, []), text
    # A stored mention keeps its person, and gets their real name back.
    text, ids = await resolved(f"[@The Boss](mention:{bob}) and [@x](mention:{twin.id})")
    assert ids == [bob, twin.id]
    assert text == f"[@Bob Berg](mention:{bob}) and [@Other Bob](mention:{twin.id})"
    # Nobody by that id: plain text, no link.
    text, ids = await resolved("[@Nobody](mention:999999)")
    assert ids == [] and str(mentions.render_text(text)) == "<p>@Nobody</p>\n"
    # Names that look like markdown stay text.
    odd = await create_person(intranet, actor_id=None, fields={"email": "odd@example.org",
                                                               "name": "Odd *[Name]*(x) <b>"})
    text, ids = await resolved("@odd")
    assert ids == [odd.id]
    assert str(mentions.render_text(text)) == (
        f'<p><a href="/people/{odd.id}" rel="noopener noreferrer">@Odd *[Name]*(x) &lt;b&gt;</a></p>\n'
    )


async def test_forgetting_a_person_takes_their_mentions_out_of_the_texts(site: Site) -> None:
    from intranet_core.feed import service

    bob = site.people["bob"].id
    post_id = await site.publish("ann", "Thanks @bob! `@bob` stays code.", audience=[unit(site.north)])
    await site.post("ann", f"/posts/{post_id}/comments", {"body": "And @bob again, and @ann"})
    async with site.intranet.db.transaction(write=True):
        assert await service.forget_mentions(bob, "Former colleague") == 2
    page = (await site.get("ann", f"/posts/{post_id}")).text
    assert f"/people/{bob}" not in page and "Bob Berg" not in main_of(page)
    assert "@Former colleague" in page and f'href="/people/{site.people["ann"].id}"' in page
    rows = await PostComment.select(PostComment.body).run()
    assert f"mention:{bob}" not in rows[0]["body"]


async def test_the_conversation_in_danish(site: Site) -> None:
    post_id = await site.publish("ann", "Hej", audience=[unit(site.north)])
    await site.post("bob", f"/posts/{post_id}/comments", {"body": "Tak"})
    page = (await site.clients["bob"].get("/", headers={"accept": "text/html", "accept-language": "da"})).text
    assert "1 kommentar<" in page and 'title="Synes godt om"' in page
    page = (await site.clients["bob"].get(f"/posts/{post_id}",
                                          headers={"accept": "text/html", "accept-language": "da"})).text
    assert "Kommentarer" in page and "Skriv en kommentar" in page
