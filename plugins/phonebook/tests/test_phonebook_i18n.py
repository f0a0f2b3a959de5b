"""The pages speak Danish (that every message has a translation is part of the plugin contract)."""

from __future__ import annotations

from litestar import Litestar
from phonebook_support import DA, build_org, signed_in


async def test_the_pages_in_danish(intranet_app: Litestar) -> None:
    org = await build_org(intranet_app)
    async with signed_in(org, "bo") as client:
        page = (await client.get("/phonebook", params={"q": "søren"}, headers=DA)).text
        assert "Telefonbog" in page and "1 person fundet" in page and "Ring til Søren Ågård" in page
        chart = (await client.get(f"/phonebook/units/{org.units['district']}", headers=DA)).text
        assert "Underliggende enheder" in chart and "Ledelse" in chart
        profile = (await client.get(f"/people/{org.id('soeren')}", headers=DA)).text
        assert "Føj til kontakter (vCard)" in profile and "Refererer til" in profile
