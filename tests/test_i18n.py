"""Every string a person reads has a Danish translation."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

import intranet_core
from intranet_core.i18n import negotiate

PACKAGE = Path(intranet_core.__file__).parent
METHODS = [
    ("**/migrations/**.py", "ignore"),
    ("**.py", "python"),
    ("**/templates/**.html", "jinja2"),
]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2)}


def extracted_messages() -> set[str]:
    messages = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        PACKAGE, METHODS, keywords=KEYWORDS, options_map=OPTIONS
    ):
        messages.add(message if isinstance(message, str) else message[0])
    return messages


def test_every_user_visible_string_has_a_danish_translation() -> None:
    # The core's catalog and those of its feature folders (each registered
    # through its built-in plugin's register_translations).
    translated: set[str] = set()
    for po in PACKAGE.glob("**/locale/da/LC_MESSAGES/messages.po"):
        with po.open("rb") as handle:
            catalog = read_po(handle, locale="da")
        translated |= {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id and m.string}
    messages = extracted_messages()
    assert len(messages) > 10  # the extraction itself works
    missing = sorted(messages - translated)
    assert missing == [], f"missing Danish translations: {missing}"


def test_language_negotiation() -> None:
    available = ["da", "en"]
    assert negotiate("da-DK,da;q=0.9", None, available, "en") == "da"
    assert negotiate("en-US,en;q=0.9,da;q=0.8", None, available, "da") == "en"
    assert negotiate("de-DE", None, available, "da") == "da"
    assert negotiate("en", "da", available, "en") == "da"
    assert negotiate("en;q=0, da;q=0.5", None, available, "en") == "da"
    assert negotiate("garbage;;q=x", "xx", available, "da") == "da"
