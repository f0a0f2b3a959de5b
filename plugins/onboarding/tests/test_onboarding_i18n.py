"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

import datetime
from pathlib import Path

import intranet_onboarding
from intranet_onboarding import service
from litestar import Litestar
from onboarding_support import organisation, template

from intranet_core.testing import catalog_messages, translatable_messages, untranslated

PACKAGE = Path(intranet_onboarding.__file__).parent
DA = {"accept": "text/html", "accept-language": "da"}


def test_every_message_has_a_danish_translation() -> None:
    assert len(translatable_messages(PACKAGE)) > 50  # the extraction itself works
    assert untranslated(PACKAGE, "da") == [], "missing Danish translations"
    # The English catalog lists every message too (translators start from it).
    assert sorted(translatable_messages(PACKAGE) - set(catalog_messages(PACKAGE, "en"))) == []


async def test_pages_in_danish(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        await template(org)
        await org.person("anna", unit="north", start=service.local_today(org.intranet) + datetime.timedelta(days=3))
        anna = await org.client("anna")
        page = await anna.get("/onboarding", headers=DA)
        assert 'lang="da"' in page.text and "Din onboarding" in page.text and "Markér som klaret" in page.text
        hr = await org.client("hr")
        listing = await hr.get("/onboarding/hr", headers=DA)
        assert "Onboarding: alle forløb" in listing.text and "Hent som CSV" in listing.text
