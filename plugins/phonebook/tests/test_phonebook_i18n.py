"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

from pathlib import Path

import intranet_phonebook
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar
from phonebook_support import DA, build_org, signed_in

PACKAGE = Path(intranet_phonebook.__file__).parent
METHODS = [
    ("**/migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def catalog(language: str) -> dict[str, object]:
    with (PACKAGE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        found = read_po(handle, locale=language)
    return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in found if m.id and not m.fuzzy}


def extracted() -> set[str]:
    return {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, METHODS, keywords=KEYWORDS, options_map=OPTIONS
        )
    }


def test_every_message_has_a_danish_translation() -> None:
    messages = extracted()
    assert len(messages) > 50  # the extraction itself works
    danish = catalog("da")
    missing = sorted(m for m in messages if not danish.get(m) or danish.get(m) in ("", ("", "")))
    assert missing == [], f"missing Danish translations: {missing}"
    # And the English catalog lists them all too (translators start from it).
    assert sorted(messages - set(catalog("en"))) == []


async def test_the_pages_in_danish(intranet_app: Litestar) -> None:
    org = await build_org(intranet_app)
    async with signed_in(org, "bo") as client:
        page = (await client.get("/phonebook", params={"q": "søren"}, headers=DA)).text
        assert "Telefonbog" in page and "1 person fundet" in page and "Ring til Søren Ågård" in page
        chart = (await client.get(f"/phonebook/units/{org.units['district']}", headers=DA)).text
        assert "Underliggende enheder" in chart and "Ledelse" in chart
        profile = (await client.get(f"/people/{org.id('soeren')}", headers=DA)).text
        assert "Føj til kontakter (vCard)" in profile and "Refererer til" in profile
