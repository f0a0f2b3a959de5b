"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

from pathlib import Path

import intranet_workgroups
from litestar import Litestar
from workgroups_support import form_post, organisation

from intranet_core.testing import catalog_messages, translatable_messages, untranslated

PACKAGE = Path(intranet_workgroups.__file__).parent
DA = {"accept": "text/html", "accept-language": "da"}


def test_every_message_has_a_danish_translation() -> None:
    assert len(translatable_messages(PACKAGE)) > 50  # the extraction itself works
    assert untranslated(PACKAGE, "da") == [], "missing Danish translations"
    # The English catalog lists every message too (translators start from it).
    assert sorted(translatable_messages(PACKAGE) - set(catalog_messages(PACKAGE, "en"))) == []


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
