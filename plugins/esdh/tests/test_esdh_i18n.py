"""Every message a person reads has a Danish translation."""

from __future__ import annotations

from pathlib import Path

import intranet_esdh
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

PACKAGE = Path(intranet_esdh.__file__).parent
METHODS = [("**/migrations/**.py", "ignore"), ("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def test_every_message_has_a_danish_translation() -> None:
    messages = {
        message if isinstance(message, str) else message[0]
        for _file, _line, message, _comments, _context in extract_from_dir(
            PACKAGE, METHODS, keywords=KEYWORDS, options_map=OPTIONS)
    }
    assert len(messages) > 50  # the extraction itself works
    with (PACKAGE / "locale" / "da" / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale="da")
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string and not m.fuzzy}
    assert sorted(messages - translated) == []
