"""The pages speak Danish (that every message has a translation is part of the plugin contract)."""

from __future__ import annotations

import datetime

from intranet_onboarding import service
from litestar import Litestar
from onboarding_support import organisation, template

DA = {"accept": "text/html", "accept-language": "da"}


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
