"""Text as the phonebook index sees it: folded words and digits.

Danes write æ, ø and å as ae, oe and aa when a keyboard or a system lacks
them ("Soeren Aagaard" is "Søren Ågård"), so both spellings fold to the same
letters: æ -> ae, ø -> oe, å -> aa, and the German ä, ö, ü likewise; other
accents are dropped (é -> e). Typing "aa" finds "å", and "å" finds "aa".
The same folding is applied to what is indexed and to what is typed.

Phone numbers are digits only, in every form people type them: with the
country code ("4512345678"), without it ("12345678"), and the last digits
(an extension, "5678").
"""

from __future__ import annotations

import functools
import re
import unicodedata

MAX_TERM = 64
MAX_WORDS = 6
MAX_QUERY = 200
MIN_SUFFIX = 4

_FOLD = str.maketrans({
    "æ": "ae", "ø": "oe", "å": "aa", "ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "œ": "oe",
    "ð": "d", "þ": "th", "ł": "l", "đ": "d", "\u0131": "i",
})
# A word: letters and digits of any script; everything else separates words.
_WORD = re.compile(r"[^\W_]+")
_DIGITS = re.compile(r"\d+")


@functools.lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Lower-case, Danish letters spelled out, accents dropped: ``"Ærø Ålund"`` -> ``"aeroe aalund"``."""
    lowered = unicodedata.normalize("NFKC", text).lower().translate(_FOLD)
    decomposed = unicodedata.normalize("NFKD", lowered)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """The folded words of a text, each at most ``MAX_TERM`` characters."""
    return [w[:MAX_TERM] for w in _WORD.findall(fold(text or ""))]


def joined_words(text: str) -> list[str]:
    """The words, and hyphenated or dotted words also as one ("Anne-Mette" -> anne, mette, annemette)."""
    found = words(text)
    for chunk in (text or "").split():
        parts = words(chunk)
        if len(parts) > 1:
            found.append("".join(parts)[:MAX_TERM])
    return found


def phone_terms(number: str, country_code: str) -> list[str]:
    """Every digit string a number is looked up by: international, national, and its last digits."""
    digits = "".join(_DIGITS.findall(number or ""))
    if len(digits) < 2:
        return []
    written = (number or "").strip()
    international = written.startswith("+") or (written.startswith("00") and len(digits) > 4)
    if written.startswith("00") and international:
        digits = digits[2:]
    if international:
        local = digits[len(country_code):] if country_code and digits.startswith(country_code) else digits
        full = digits
    else:
        local = digits
        full = country_code + digits if country_code else digits
    forms = [full, local]
    forms += [local[i:] for i in range(1, len(local) - MIN_SUFFIX + 1)]
    return list(dict.fromkeys(form[:MAX_TERM] for form in forms if form))


def query_words(query: str) -> list[str]:
    """What was typed, as the words to look up: folded, numbers typed in groups joined.

    ``"12 34"`` -> ``["1234"]`` and ``"+45 12 34"`` -> ``["451234"]`` (a number
    is typed in pairs or fours); ``"Søren Ni"`` -> ``["soeren", "ni"]``. At most
    ``MAX_WORDS`` distinct words.
    """
    found: list[str] = []
    digits = ""
    for word in words((query or "")[:MAX_QUERY]):
        if word.isdigit() and word.isascii():
            digits += word
            continue
        if digits:
            found.append(_number(digits))
            digits = ""
        found.append(word)
    if digits:
        found.append(_number(digits))
    return list(dict.fromkeys(w[:MAX_TERM] for w in found if w))[:MAX_WORDS]


def _number(digits: str) -> str:
    # "0045 1234..." is "+45 1234...": the index holds numbers without the 00.
    return digits[2:] if digits.startswith("00") and len(digits) > 4 else digits


def prefix_range(word: str) -> tuple[str, str]:
    """``(low, high)``: a term starts with ``word`` exactly when ``low <= term < high`` (binary order)."""
    return word, word + "\U0010ffff"
