"""Every message of the plugin has a Danish translation, and pages answer in Danish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_surveys
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from surveys_helpers import DA, make_survey

from intranet_core.testing import sign_in

PACKAGE = Path(intranet_surveys.__file__).parent
METHODS = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def catalog(language: str) -> dict[str, Any]:
    with (PACKAGE / "locale" / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_po(handle, locale=language)
                if m.id}


def test_every_message_has_a_danish_translation() -> None:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(PACKAGE, METHODS, keywords=KEYWORDS,
                                                                      options_map=OPTIONS):
        messages.add(message if isinstance(message, str) else message[0])
    assert len(messages) > 100
    danish = catalog("da")
    missing = sorted(m for m in messages if not danish.get(m))
    assert missing == [], f"missing Danish translations: {missing}"
    assert set(catalog("en")) >= messages


async def test_pages_answer_in_danish(intranet: Any, intranet_client: Any) -> None:
    person = await sign_in(intranet_client, intranet.litestar, "dansk@example.org", name="Dansk",
                           roles=[("hr", None)])
    survey_id, _version = await make_survey(intranet, person.id, ["all"], title="Trivsel")
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=DA)
    assert "Dine svar er anonyme." in page.text and "Meget enig" in page.text and "Næste" in page.text
    results = await intranet_client.get(f"/surveys/{survey_id}/results", headers=DA)
    assert "Færre end 5 svar: resultaterne er skjult." in results.text
    assert "Intranettets temperatur" in (await intranet_client.get("/surveys/temperature", headers=DA)).text
