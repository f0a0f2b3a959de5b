"""Site search: groups and their pages are found only by those who may see them."""

from __future__ import annotations

from intranet_workgroups.pages import service as pages
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation

from intranet_core.search.service import index_document


async def hits(client: object, query: str) -> str:
    answer = await client.get(f"/search?q={query}", headers=HTML)  # type: ignore[attr-defined]
    assert answer.status_code == 200
    return str(answer.text)


async def test_pages_and_groups_follow_visibility(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        open_group = await org.group("Privacy", by="sam", visibility="open")
        closed = await org.group("Closed circle", by="sam", visibility="closed")
        secret = await org.group("Hidden board", by="sam", visibility="secret")
        await org.add(secret, "bob")
        await org.add(closed, "bob")
        breach = await pages.create_page(org.intranet, open_group, author_id=org.people["sam"],
                                         title="Data breach", body="Call the breach line at once.")
        minutes = await pages.create_page(org.intranet, closed, author_id=org.people["sam"], title="Minutes",
                                          body="Breach of the budget discussed.")
        plans = await pages.create_page(org.intranet, secret, author_id=org.people["sam"], title="Plans",
                                        body="The breach strategy.")
        carol, bob = await org.client("carol"), await org.client("bob")
        outsider = await hits(carol, "breach")
        assert f"/groups/{open_group}/pages/{breach}" in outsider
        assert f"/groups/{closed}/pages/{minutes}" not in outsider
        assert f"/groups/{secret}/pages/{plans}" not in outsider
        member = await hits(bob, "breach")
        for url in (f"/groups/{open_group}/pages/{breach}", f"/groups/{closed}/pages/{minutes}",
                    f"/groups/{secret}/pages/{plans}"):
            assert url in member
        # Groups: open and closed ones are found by all, the secret one by its members.
        assert f'"/groups/{closed}"' in await hits(carol, "closed")
        assert f'"/groups/{secret}"' not in await hits(carol, "hidden")
        assert f'"/groups/{secret}"' in await hits(bob, "hidden")
        # Closing the open group takes its pages away from non-members at once.
        sam = await org.client("sam")
        answer = await form_post(sam, f"/groups/{open_group}/settings",
                                 {"name": "Privacy", "description": "", "visibility": "closed"})
        assert answer.status_code == 303
        assert f"/groups/{open_group}/pages/{breach}" not in await hits(carol, "breach")


async def test_the_group_tables_have_the_last_word(intranet_app: Litestar) -> None:
    """Even an index entry that says "all" finds nothing the searcher may not read."""
    async with organisation(intranet_app) as org:
        secret = await org.group("Hidden board", by="sam", visibility="secret")
        plans = await pages.create_page(org.intranet, secret, author_id=org.people["sam"], title="Plans",
                                        body="The zebra strategy.")
        await index_document(kind=pages.KIND_PAGE, ref_id=plans, title="Plans", body="The zebra strategy.",
                             audience=["all"], url=f"/groups/{secret}/pages/{plans}")
        carol = await org.client("carol")
        assert f"/groups/{secret}/pages/{plans}" not in await hits(carol, "zebra")
        await org.add(secret, "carol")
        assert f"/groups/{secret}/pages/{plans}" in await hits(carol, "zebra")


async def test_a_former_member_no_longer_finds_anything(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        secret = await org.group("Hidden board", by="sam", visibility="secret")
        await org.add(secret, "frank")
        await pages.create_page(org.intranet, secret, author_id=org.people["sam"], title="Plans",
                                body="The quokka strategy.")
        frank = await org.client("frank")
        assert "quokka" in (await hits(frank, "quokka")).lower()
        sam = await org.client("sam")
        assert (await form_post(sam, f"/groups/{secret}/members/{org.people['frank']}/remove")).status_code == 303
        found = await hits(frank, "quokka")
        assert f"/groups/{secret}/" not in found and "Hidden board" not in found
