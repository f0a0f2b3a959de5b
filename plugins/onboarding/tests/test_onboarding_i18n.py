"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

import datetime
from pathlib import Path

import intranet_onboarding
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from intranet_onboarding import service
from litestar import Litestar
from onboarding_support import organisation, template

PACKAGE = Path(intranet_onboarding.__file__).parent
METHODS = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
DA = {"accept": "text/html", "accept-language": "da"}


def catalog(language: str) -> dict[str, str]:
    with (PACKAGE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        found = read_po(handle, locale=language)
    return {
        (m.id if isinstance(m.id, str) else m.id[0]): (m.string if isinstance(m.string, str) else m.string[0] or "")
        for m in found if m.id and m.string and not m.fuzzy
    }


def test_every_user_visible_string_has_a_danish_translation() -> None:
    messages = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, METHODS, keywords=KEYWORDS, options_map=OPTIONS
        )
    }
    assert len(messages) > 50  # the extraction itself works
    danish = {k for k, v in catalog("da").items() if v}
    assert sorted(messages - danish) == [], "missing Danish translations"
    assert sorted(messages - set(catalog("en"))) == [], "missing in the English catalog"


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
