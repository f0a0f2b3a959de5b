"""A person's data in the groups: the export holds it, erasure leaves no reference behind."""

from __future__ import annotations

import json

import pytest
from intranet_workgroups.files import service as files
from intranet_workgroups.files.tables import GroupFile
from intranet_workgroups.groups import service
from intranet_workgroups.groups.tables import Group, JoinRequest
from intranet_workgroups.pages import service as pages
from intranet_workgroups.pages.tables import Page, PageRevision
from litestar import Litestar
from litestar.datastructures import UploadFile
from workgroups_support import Org, organisation

from intranet_core.feed.service import audience_keys
from intranet_core.people.service import get_person
from intranet_core.personal_data.service import erase_person, export_person, leftover_references


async def frank_everywhere(org: Org) -> dict[str, int]:
    """Frank creates a group, joins, follows, mutes, asks to join, and writes pages."""
    intranet, frank, alice = org.intranet, org.people["frank"], org.people["alice"]
    own = await org.group("Frank's club", by="frank")
    await org.add(own, "alice", role="admin")
    topic = await org.group("Topic", by="alice")
    await org.add(topic, "frank")
    await service.mute(intranet, topic, frank, True)
    followed = await org.group("Followed", by="alice")
    await service.follow(intranet, followed, frank, True)
    closed = await org.group("Closed", by="alice", visibility="closed")
    await service.join(intranet, closed, frank, message="Let me in")
    only_his = await pages.create_page(intranet, topic, author_id=frank, title="Frank's guide", body="By Frank")
    shared = await pages.create_page(intranet, topic, author_id=alice, title="Shared", body="Alice's words")
    await pages.edit_page(intranet, topic, shared, author_id=frank, title="Shared", body="Frank's words",
                          base_revision=1)
    folder = await files.create_folder(intranet, topic, None, "Frank's folder", actor_id=frank)
    his_file, _v = await files.add_file(intranet, topic, folder, UploadFile(
        content_type="text/plain", filename="his.txt", file_data=b"His file"), actor_id=frank)
    shared_file, _v = await files.add_file(intranet, topic, None, UploadFile(
        content_type="text/plain", filename="shared.txt", file_data=b"Alice's file"), actor_id=alice)
    await files.add_file(intranet, topic, None, UploadFile(
        content_type="text/plain", filename="shared.txt", file_data=b"Frank's change"), actor_id=frank)
    return {"own": own, "topic": topic, "followed": followed, "closed": closed, "only_his": only_his,
            "shared": shared, "his_file": his_file, "shared_file": shared_file}


async def test_export_holds_what_the_groups_know(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        ids = await frank_everywhere(org)
        document = await export_person(org.intranet, org.people["frank"], actor_id=org.people["frank"])
        mine = document["plugins"]["workgroups"]
        assert {m["group"] for m in mine["memberships"]} == {"Frank's club", "Topic"}
        assert [f["group"] for f in mine["follows"]] == ["Followed"]
        assert [m["group"] for m in mine["mutes"]] == ["Topic"]
        assert [(r["group"], r["message"]) for r in mine["join_requests"]] == [("Closed", "Let me in")]
        assert [g["id"] for g in mine["groups_created"]] == [ids["own"]]
        assert sorted(v["body"] for v in mine["page_versions"]) == ["By Frank", "Frank's words"]
        assert sorted((v["file"], v["number"]) for v in mine["file_versions"]) == [("his.txt", 1), ("shared.txt", 2)]
        assert [f["name"] for f in mine["folders_created"]] == ["Frank's folder"]
        json.dumps(document, default=str)
        # Nobody else's membership is in Frank's copy.
        assert "Alice" not in json.dumps(mine, default=str)


@pytest.mark.parametrize("mode", ["anonymise", "delete_content"])
async def test_erasure_leaves_nothing_behind(intranet_app: Litestar, mode: str) -> None:
    async with organisation(intranet_app) as org:
        ids = await frank_everywhere(org)
        frank = org.people["frank"]
        await erase_person(org.intranet, frank, actor_id=org.people["sam"], mode=mode)
        assert await leftover_references(org.intranet, frank) == {}
        assert await JoinRequest.count().run() == 0
        erased = await get_person(frank)
        assert erased is not None
        assert not [k for k in await audience_keys(org.intranet, erased) if k.startswith("group:")]
        # The groups he created stay, for their members.
        assert await Group.exists().where(Group.id == ids["own"]).run()
        shared = await Page.select(Page.body, Page.revision).where(Page.id == ids["shared"]).first().run()
        if mode == "anonymise":
            assert shared == {"body": "Frank's words", "revision": 2}
            assert await Page.exists().where(Page.id == ids["only_his"]).run()
            authors = await PageRevision.select(PageRevision.author).where(PageRevision.page == ids["shared"]).run()
            assert sorted(a["author"] or 0 for a in authors) == [0, org.people["alice"]]
        else:
            # His words are gone: the shared page shows Alice's version again; his own page is gone.
            assert shared == {"body": "Alice's words", "revision": 1}
            assert not await Page.exists().where(Page.id == ids["only_his"]).run()
            assert await PageRevision.count().where(PageRevision.page == ids["shared"]).run() == 1
            assert not await GroupFile.exists().where(GroupFile.id == ids["his_file"]).run()
            current = await files.version_upload(ids["topic"], ids["shared_file"], None)
            assert current is not None and current.uploaded_by == org.people["alice"]
