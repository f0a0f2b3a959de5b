"""Groups: creating, joining, leaving; closed and secret groups; local groups following their unit; mandatory groups."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from intranet_workgroups.groups import service
from intranet_workgroups.groups.tables import Group, JoinRequest, Member
from litestar import Litestar
from workgroups_support import HTML, form_post, give_role, organisation

from intranet_core.notifications.tables import Notification
from intranet_core.people.service import add_membership, remove_membership
from intranet_core.people.tables import Membership
from intranet_core.testing import Mailbox


async def test_creating_a_group_makes_its_creator_admin(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        alice = await org.client("alice")
        answer = await form_post(alice, "/groups", {"name": "Book club", "description": "We read.",
                                                    "kind": "topic", "visibility": "open", "unit": ""})
        assert answer.status_code == 303, answer.text[:500]
        group_id = int(answer.headers["location"].rsplit("/", 1)[1])
        page = await alice.get(f"/groups/{group_id}", headers=HTML)
        assert page.status_code == 200
        assert "Book club" in page.text and "You are an admin of this group." in page.text
        assert await Member.select(Member.role).where(Member.workgroup == group_id).run() == [{"role": "admin"}]
        directory = await (await org.client("carol")).get("/groups", headers=HTML)
        assert f'href="/groups/{group_id}"' in directory.text


async def test_bad_input_gets_the_form_back_and_writes_nothing(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        alice = await org.client("alice")
        answer = await form_post(alice, "/groups", {"name": "  ", "kind": "topic", "visibility": "open"})
        assert answer.status_code == 400
        assert "Give the group a name." in answer.text
        answer = await form_post(alice, "/groups", {"name": "X" * 121, "kind": "topic", "visibility": "public"})
        assert answer.status_code == 400
        assert "at most 120 characters" in answer.text and "Choose open, closed or secret." in answer.text
        # A field the form does not have is refused: no mass assignment of the creator or the unit.
        answer = await form_post(alice, "/groups", {"name": "Sneaky", "kind": "topic", "visibility": "open",
                                                    "created_by": "1"})
        assert answer.status_code == 400
        # A local group needs the permission for its unit.
        answer = await form_post(alice, "/groups", {"name": "Mine", "kind": "local", "visibility": "open",
                                                    "unit": str(org.units["A"])})
        assert answer.status_code == 400
        assert "may not create groups of that kind" in answer.text
        assert await Group.count().run() == 0


async def test_unsafe_requests_need_the_csrf_token(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Open")
        carol = await org.client("carol")
        assert (await carol.post(f"/groups/{group_id}/join", headers=HTML)).status_code == 403
        assert (await carol.post(f"/groups/{group_id}/join", headers=HTML,
                                 data={"_csrf_token": "wrong"})).status_code == 403
        assert not await service.is_member(group_id, org.people["carol"])


async def test_open_group_join_leave_and_follow(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Open")
        carol = await org.client("carol")
        assert (await form_post(carol, f"/groups/{group_id}/follow", {"on": "1"})).status_code == 303
        assert f"group:{group_id}" in await service.audience_keys_of(org.people["carol"])
        assert not await service.is_member(group_id, org.people["carol"])
        assert (await form_post(carol, f"/groups/{group_id}/join")).status_code == 303
        assert await service.is_member(group_id, org.people["carol"])
        page = await carol.get(f"/groups/{group_id}", headers=HTML)
        assert "You are a member." in page.text
        assert (await form_post(carol, f"/groups/{group_id}/leave")).status_code == 303
        assert not await service.is_member(group_id, org.people["carol"])
        assert f"group:{group_id}" not in await service.audience_keys_of(org.people["carol"])


async def test_the_last_admin_cannot_leave(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Open")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/leave")
        assert answer.status_code == 400
        assert "at least one admin" in answer.text
        await org.add(group_id, "carol", role="admin")
        assert (await form_post(alice, f"/groups/{group_id}/leave")).status_code == 303
        assert await service.admin_ids(group_id) == [org.people["carol"]]


async def mail_to(mailbox: Mailbox, address: str) -> list[Any]:
    """Messages to ``address``, waiting a little for the SMTP server to receive them."""
    for _ in range(50):
        if mailbox.to(address):
            break
        await asyncio.sleep(0.1)
    return mailbox.to(address)


async def test_closed_group_join_request_is_approved_by_an_admin(intranet_app: Litestar, mailbox: Mailbox) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Closed", visibility="closed")
        carol = await org.client("carol")
        page = await carol.get(f"/groups/{group_id}", headers=HTML)
        assert page.status_code == 200 and "Ask to join" in page.text
        # The content is for members: the member list and pages answer 404.
        assert (await carol.get(f"/groups/{group_id}/members", headers=HTML)).status_code == 404
        assert (await form_post(carol, f"/groups/{group_id}/join", {"message": "Please"})).status_code == 303
        assert not await service.is_member(group_id, org.people["carol"])
        assert await JoinRequest.count().where(JoinRequest.workgroup == group_id).run() == 1
        # The admin is told, and sees the request.
        notices = await Notification.select(Notification.kind, Notification.url).where(
            Notification.person == org.people["alice"]
        ).run()
        assert notices == [{"kind": "workgroups.join_request", "url": f"/groups/{group_id}/members"}]
        # Join requests are e-mailed at once by default.
        [mail] = await mail_to(mailbox, "alice@example.org")
        assert "Carol asks to join Closed" in mail["Subject"]
        alice = await org.client("alice")
        members = await alice.get(f"/groups/{group_id}/members", headers=HTML)
        assert "Carol" in members.text and "“Please”" in members.text
        request_id = (await JoinRequest.select(JoinRequest.id).first().run())["id"]
        # A member who is not admin may not decide.
        await org.add(group_id, "erin")
        erin = await org.client("erin")
        assert (await form_post(erin, f"/groups/{group_id}/requests/{request_id}/approve")).status_code == 403
        assert (await form_post(alice, f"/groups/{group_id}/requests/{request_id}/approve")).status_code == 303
        assert await service.is_member(group_id, org.people["carol"])
        assert await Notification.exists().where(
            (Notification.person == org.people["carol"]) & (Notification.kind == "workgroups.join_approved")
        ).run()
        assert "You are now a member of Closed" in (await mail_to(mailbox, "carol@example.org"))[0]["Subject"]
        assert (await carol.get(f"/groups/{group_id}/members", headers=HTML)).status_code == 200


async def test_declined_request_makes_no_member(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Closed", visibility="closed")
        carol = await org.client("carol")
        await form_post(carol, f"/groups/{group_id}/join")
        request_id = (await JoinRequest.select(JoinRequest.id).first().run())["id"]
        alice = await org.client("alice")
        assert (await form_post(alice, f"/groups/{group_id}/requests/{request_id}/decline")).status_code == 303
        assert not await service.is_member(group_id, org.people["carol"])
        assert await JoinRequest.count().run() == 0
        # The same request cannot be decided twice.
        assert (await form_post(alice, f"/groups/{group_id}/requests/{request_id}/approve")).status_code == 404


async def test_secret_group_is_invisible_to_outsiders(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Board", visibility="secret")
        await org.add(group_id, "bob")
        carol = await org.client("carol")
        assert (await carol.get(f"/groups/{group_id}", headers=HTML)).status_code == 404
        assert "Board" not in (await carol.get("/groups", headers=HTML)).text
        assert f'href="/groups/{group_id}"' not in (await carol.get("/groups?q=Board", headers=HTML)).text
        assert (await form_post(carol, f"/groups/{group_id}/join")).status_code == 404
        bob = await org.client("bob")
        assert "Board" in (await bob.get("/groups", headers=HTML)).text
        assert f'href="/groups/{group_id}"' in (await bob.get("/groups?q=Board", headers=HTML)).text
        # The site administrator sees every group.
        sam = await org.client("sam")
        assert (await sam.get(f"/groups/{group_id}", headers=HTML)).status_code == 200


async def test_admin_adds_and_removes_members(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Board", visibility="secret")
        alice = await org.client("alice")
        answer = await form_post(alice, f"/groups/{group_id}/members",
                                 {"email": "nobody@example.org", "role": "member"})
        assert answer.status_code == 400 and "No active person has that e-mail address." in answer.text
        answer = await form_post(alice, f"/groups/{group_id}/members", {"email": "CAROL@example.org", "role": "member"})
        assert answer.status_code == 303
        assert await service.is_member(group_id, org.people["carol"])
        assert await Notification.exists().where(
            (Notification.person == org.people["carol"]) & (Notification.kind == "workgroups.added")
        ).run()
        carol_id = org.people["carol"]
        answer = await form_post(alice, f"/groups/{group_id}/members/{carol_id}/role", {"role": "admin"})
        assert answer.status_code == 303
        assert sorted(await service.admin_ids(group_id)) == sorted([org.people["alice"], carol_id])
        assert (await form_post(alice, f"/groups/{group_id}/members/{carol_id}/remove")).status_code == 303
        assert not await service.is_member(group_id, carol_id)
        # Once out of a secret group, it is gone for them.
        carol = await org.client("carol")
        assert (await carol.get(f"/groups/{group_id}", headers=HTML)).status_code == 404


async def test_local_group_membership_follows_the_unit(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await give_role(org.people["alice"], "editor", org.units["A"])
        alice = await org.client("alice")
        answer = await form_post(alice, "/groups", {"name": "District A", "description": "", "kind": "local",
                                                    "visibility": "closed", "unit": str(org.units["A"])})
        assert answer.status_code == 303, answer.text[:400]
        local_a = int(answer.headers["location"].rsplit("/", 1)[1])
        # Alice may not make one for district B.
        answer = await form_post(alice, "/groups", {"name": "District B", "description": "", "kind": "local",
                                                    "visibility": "closed", "unit": str(org.units["B"])})
        assert answer.status_code == 400
        local_b = await org.group("District B", by="sam", kind="local", visibility="closed", unit="B")
        bob = org.people["bob"]
        # Bob is in team A1, below district A: a member of A's group, not B's.
        assert await service.is_member(local_a, bob)
        assert not await service.is_member(local_b, bob)
        bob_client = await org.client("bob")
        page = await bob_client.get(f"/groups/{local_a}", headers=HTML)
        assert "You are a member through District A." in page.text
        assert "Leave group" not in page.text
        assert (await form_post(bob_client, f"/groups/{local_a}/leave")).status_code == 400
        members = await bob_client.get(f"/groups/{local_a}/members", headers=HTML)
        assert "Bob" in members.text and "Through unit" in members.text
        # An administrator moves Bob to district B: the groups follow at once.
        membership = await Membership.select(Membership.id).where(Membership.person == bob).first().run()
        await remove_membership(org.intranet, bob, membership["id"], actor_id=org.people["sam"])
        await add_membership(org.intranet, bob, org.units["B"], actor_id=org.people["sam"], is_primary=True)
        assert not await service.is_member(local_a, bob)
        assert await service.is_member(local_b, bob)
        keys = await service.audience_keys_of(bob)
        assert f"group:{local_b}" in keys and f"group:{local_a}" not in keys
        assert (await bob_client.get(f"/groups/{local_a}/members", headers=HTML)).status_code == 404
        counts = await service.member_counts([local_a, local_b])
        assert counts == {local_a: 1, local_b: 5}  # alice; sam (its creator), carol, erin, frank and now bob


async def test_mandatory_group_for_a_unit(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Safety", visibility="open")
        alice = await org.client("alice")
        # Making a group mandatory takes workgroups.manage for the unit, not only being the group's admin.
        answer = await form_post(alice, f"/groups/{group_id}/units", {"unit": str(org.units["B"])})
        assert answer.status_code == 403
        sam = await org.client("sam")
        assert (await form_post(sam, f"/groups/{group_id}/units", {"unit": str(org.units["B"])})).status_code == 303
        carol = org.people["carol"]
        assert await service.is_member(group_id, carol)
        carol_client = await org.client("carol")
        answer = await form_post(carol_client, f"/groups/{group_id}/leave")
        assert answer.status_code == 400
        assert "You are a member through your unit and cannot leave this group." in answer.text
        # Joining explicitly changes nothing about leaving: the unit keeps her in.
        assert (await form_post(carol_client, f"/groups/{group_id}/join")).status_code == 303
        assert (await form_post(carol_client, f"/groups/{group_id}/leave")).status_code == 400
        assert (await form_post(sam, f"/groups/{group_id}/units/{org.units['B']}/remove")).status_code == 303
        assert (await form_post(carol_client, f"/groups/{group_id}/leave")).status_code == 303
        assert not await service.is_member(group_id, carol)


async def test_directory_pages_and_search(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        ids = [await org.group(f"Group {n:02d}") for n in range(35)]
        dave = await org.client("dave")
        first = await dave.get("/groups", headers=HTML)
        assert "Group 00" in first.text and "Group 29" in first.text and "Group 30" not in first.text
        after = re.search(r'href="/groups\?after=(\d+)', first.text)
        assert after is not None
        second = await dave.get(f"/groups?after={after.group(1)}", headers=HTML)
        assert "Group 30" in second.text and "Group 34" in second.text and "Group 29" not in second.text
        found = await dave.get("/groups?q=group+07", headers=HTML)
        assert f'href="/groups/{ids[7]}"' in found.text
        assert "Group 08" not in found.text
