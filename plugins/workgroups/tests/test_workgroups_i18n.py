"""Every string a person reads has a Danish translation, and the pages speak Danish."""

from __future__ import annotations

from pathlib import Path

import intranet_workgroups
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from litestar import Litestar
from workgroups_support import form_post, organisation

PACKAGE = Path(intranet_workgroups.__file__).parent
METHODS = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}
DA = {"accept": "text/html", "accept-language": "da"}


def catalog(language: str) -> dict[str, str]:
    """Each message id (a plural by its singular) and its translation (a plural's first form)."""
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
    assert len(messages) > 100  # the extraction itself works
    danish = {k for k, v in catalog("da").items() if v}
    assert sorted(messages - danish) == [], "missing Danish translations"
    assert sorted(messages - set(catalog("en"))) == [], "missing in the English catalog"


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
