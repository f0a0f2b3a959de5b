"""Every message a person reads has a Danish translation."""

from __future__ import annotations

from pathlib import Path

import intranet_esdh

from intranet_core.testing import catalog_messages, translatable_messages, untranslated

PACKAGE = Path(intranet_esdh.__file__).parent


def test_every_message_has_a_danish_translation() -> None:
    assert len(translatable_messages(PACKAGE)) > 50  # the extraction itself works
    assert untranslated(PACKAGE, "da") == [], "missing Danish translations"
    # The English catalog lists every message too (translators start from it).
    assert sorted(translatable_messages(PACKAGE) - set(catalog_messages(PACKAGE, "en"))) == []
