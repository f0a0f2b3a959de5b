"""The pages speak Danish (that every message has a translation is part of the plugin contract)."""

from __future__ import annotations

from litestar import Litestar
from workgroups_support import form_post, organisation

DA = {"accept": "text/html", "accept-language": "da"}


async def test_pages_in_danish(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        group_id = await org.group("Klubben", visibility="closed")
        carol = await org.client("carol")
        page = await carol.get(f"/groups/{group_id}", headers=DA)
        assert 'lang="da"' in page.text and "Bed om at komme med" in page.text and "Lukket" in page.text
        directory = await carol.get("/groups", headers=DA)
        assert "Find en gruppe" in directory.text and "Mine grupper" in directory.text
        answer = await form_post(carol, "/groups", {"name": "", "kind": "topic", "visibility": "open"})
        assert answer.status_code == 400
