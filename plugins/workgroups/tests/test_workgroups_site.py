"""Around the site: navigation, the front-page widget, document lists from other plugins, settings."""

from __future__ import annotations

from typing import Any

import intranet_workgroups.plugin
import pytest
from intranet_workgroups.contributions import GroupDocument, GroupDocumentSection, GroupInfo
from litestar import Litestar
from workgroups_support import HTML, form_post, organisation

from intranet_core import hookimpl
from intranet_core.errors import ConfigError
from intranet_core.testing import database_url_for_tests, make_settings


class DocumentSystem:
    """Another plugin attaching a case's documents to groups (as the ESDH plugin does)."""

    calls: list[tuple[int, int]] = []

    @hookimpl(optionalhook=True)
    async def group_document_sources(self, user: Any, group: GroupInfo) -> list[GroupDocumentSection]:
        self.calls.append((user.id, group.id))
        return [GroupDocumentSection(title="Case 2026/41-765", order=10, more_url="javascript:alert(1)", documents=[
            GroupDocument(title="Budget.xlsx", url="https://esdh.example.org/docs/1", meta="Changed today"),
            GroupDocument(title="Evil", url="javascript:alert(1)"),
        ])]


class BrokenSystem:
    @hookimpl(optionalhook=True)
    def group_document_sources(self) -> list[GroupDocumentSection]:
        raise RuntimeError("the document system is down")


@pytest.fixture
def intranet_plugins() -> list[Any]:
    DocumentSystem.calls = []
    return [("workgroups", intranet_workgroups.plugin), ("documents", DocumentSystem()), ("broken", BrokenSystem())]


async def test_other_plugins_attach_documents_to_a_group(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Budget", visibility="closed")
        alice = await org.client("alice")
        page = await alice.get(f"/groups/{group_id}", headers=HTML)
        assert page.status_code == 200
        assert "Case 2026/41-765" in page.text
        assert 'href="https://esdh.example.org/docs/1">Budget.xlsx</a>' in page.text and "Changed today" in page.text
        assert "javascript:" not in page.text and "Evil" not in page.text
        assert DocumentSystem.calls == [(org.people["alice"], group_id)]
        # Someone who may not read the group's content does not get the documents, nor causes a look-up.
        carol = await org.client("carol")
        page = await carol.get(f"/groups/{group_id}", headers=HTML)
        assert page.status_code == 200 and "Case 2026/41-765" not in page.text
        assert len(DocumentSystem.calls) == 1


async def test_navigation_and_front_page_widget(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        mine = await org.group("Our group", visibility="closed")
        await org.group("Not mine", by="sam", visibility="open")
        await form_post(await org.client("carol"), f"/groups/{mine}/join")
        alice = await org.client("alice")
        front = await alice.get("/", headers=HTML)
        assert '<a href="/groups">My groups</a>' in front.text
        assert f'<a href="/groups/{mine}">Our group</a>' in front.text
        assert "Not mine" not in front.text
        assert "1 person asks to join a group you run." in front.text
        anonymous = await org.client("anonymous")
        assert 'href="/groups"' not in (await anonymous.get("/signin", headers=HTML)).text


def test_settings_are_checked() -> None:
    from intranet_core.app import create_app

    settings = make_settings("sqlite:////tmp/never-opened.sqlite3", plugins={"workgroups": {"feed_page_size": 0}})
    with pytest.raises(ConfigError, match="feed_page_size"):
        create_app(settings, plugins=[("workgroups", intranet_workgroups.plugin)])
    settings = make_settings("sqlite:////tmp/never-opened.sqlite3", plugins={"workgroups": {"typo": 1}})
    with pytest.raises(ConfigError, match="typo"):
        create_app(settings, plugins=[("workgroups", intranet_workgroups.plugin)])


async def test_only_holders_of_workgroups_create_may_start_topic_groups_when_configured(tmp_path: Any) -> None:
    from workgroups_support import give_role

    from intranet_core.testing import build_app

    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                             plugins={"workgroups": {"anyone_may_create_topic_groups": False}})
    app = await build_app(settings, [("workgroups", intranet_workgroups.plugin)])
    async with organisation(app) as org:
        carol = await org.client("carol")
        assert (await carol.get("/groups/new", headers=HTML)).status_code == 403
        answer = await form_post(carol, "/groups", {"name": "Mine", "kind": "topic", "visibility": "open"})
        assert answer.status_code == 400 and "may not create groups of that kind" in answer.text
        await give_role(org.people["carol"], "editor")
        assert (await carol.get("/groups/new", headers=HTML)).status_code == 200
        answer = await form_post(carol, "/groups", {"name": "Mine", "kind": "topic", "visibility": "open"})
        assert answer.status_code == 303
