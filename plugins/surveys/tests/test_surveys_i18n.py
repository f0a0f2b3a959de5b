"""Every message of the plugin has a Danish translation, and pages answer in Danish."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_surveys
from surveys_helpers import DA, make_survey

from intranet_core.testing import catalog_messages, sign_in, translatable_messages, untranslated

PACKAGE = Path(intranet_surveys.__file__).parent


def test_every_message_has_a_danish_translation() -> None:
    assert len(translatable_messages(PACKAGE)) > 50  # the extraction itself works
    assert untranslated(PACKAGE, "da") == [], "missing Danish translations"
    # The English catalog lists every message too (translators start from it).
    assert sorted(translatable_messages(PACKAGE) - set(catalog_messages(PACKAGE, "en"))) == []


async def test_pages_answer_in_danish(intranet: Any, intranet_client: Any) -> None:
    person = await sign_in(intranet_client, intranet.litestar, "dansk@example.org", name="Dansk",
                           roles=[("hr", None)])
    survey_id, _version = await make_survey(intranet, person.id, ["all"], title="Trivsel")
    page = await intranet_client.get(f"/surveys/{survey_id}", headers=DA)
    assert "Dine svar er anonyme." in page.text and "Meget enig" in page.text and "Næste" in page.text
    results = await intranet_client.get(f"/surveys/{survey_id}/results", headers=DA)
    assert "Færre end 5 svar: resultaterne er skjult." in results.text
    assert "Intranettets temperatur" in (await intranet_client.get("/surveys/temperature", headers=DA)).text
