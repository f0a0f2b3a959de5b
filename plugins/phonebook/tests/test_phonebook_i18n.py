"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

from pathlib import Path

import intranet_phonebook
from litestar import Litestar
from phonebook_support import DA, build_org, signed_in

from intranet_core.testing import catalog_messages, translatable_messages, untranslated

PACKAGE = Path(intranet_phonebook.__file__).parent


def test_every_message_has_a_danish_translation() -> None:
    assert len(translatable_messages(PACKAGE)) > 50  # the extraction itself works
    assert untranslated(PACKAGE, "da") == [], "missing Danish translations"
    # The English catalog lists every message too (translators start from it).
    assert sorted(translatable_messages(PACKAGE) - set(catalog_messages(PACKAGE, "en"))) == []


async def test_the_pages_in_danish(intranet_app: Litestar) -> None:
    org = await build_org(intranet_app)
    async with signed_in(org, "bo") as client:
        page = (await client.get("/phonebook", params={"q": "søren"}, headers=DA)).text
        assert "Telefonbog" in page and "1 person fundet" in page and "Ring til Søren Ågård" in page
        chart = (await client.get(f"/phonebook/units/{org.units['district']}", headers=DA)).text
        assert "Underliggende enheder" in chart and "Ledelse" in chart
        profile = (await client.get(f"/people/{org.id('soeren')}", headers=DA)).text
        assert "Føj til kontakter (vCard)" in profile and "Refererer til" in profile
