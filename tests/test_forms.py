"""Reading forms into Structs: only declared fields, trimmed where it is safe, a message per bad field."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec
from litestar import Litestar

from intranet_core.forms import EMAIL_PATTERN, MULTI_LINE, SINGLE_LINE, read_form, validate
from intranet_core.i18n import reset_language, set_language


class Contact(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=10, pattern=SINGLE_LINE)]
    email: Annotated[str, msgspec.Meta(max_length=254, pattern=EMAIL_PATTERN)] | Literal[""] = ""
    note: Annotated[str, msgspec.Meta(max_length=100, pattern=MULTI_LINE)] = ""
    secret: Annotated[str, msgspec.Meta(max_length=100)] = ""
    level: Literal["everyone", "unit"] = "everyone"
    count: int = 0
    since: datetime.date | None = None
    urgent: bool = False


def test_only_declared_fields_are_read_and_one_line_text_is_trimmed() -> None:
    raw = read_form({
        "name": "  Ida  ", "email": " ida@example.org ", "note": "  two\nlines  ", "secret": "  spaced  ",
        "level": [" unit ", "everyone"], "count": " 3 ", "since": "", "is_admin": "1", "_csrf_token": "x",
    }, Contact, checkboxes=["urgent"])
    assert raw == {"name": "Ida", "email": "ida@example.org", "note": "  two\nlines  ", "secret": "  spaced  ",
                   "level": "unit", "count": "3", "since": None, "urgent": False}
    form, errors = validate(Contact, raw)
    assert errors == {}
    assert form == Contact(name="Ida", email="ida@example.org", note="  two\nlines  ", secret="  spaced  ",
                           level="unit", count=3, since=None, urgent=False)


def test_every_bad_field_gets_its_message() -> None:
    raw = read_form({"name": "x" * 11, "email": "not an address", "level": "boss", "count": "many",
                     "since": "2026-13-45", "note": "\x00"}, Contact, checkboxes=["urgent"])
    form, errors = validate(Contact, raw)
    assert form is None
    assert errors == {
        "name": "Use at most 10 characters.",
        "email": "Enter an e-mail address such as name@example.org.",
        "note": "This value is not valid.",
        "level": "Choose one of the options.",
        "count": "Choose one of the options.",
        "since": "Enter a date as YYYY-MM-DD.",
    }
    assert validate(Contact, {"name": "two\nlines"})[1] == {"name": "Use a single line of text."}
    assert validate(Contact, {})[1] == {"name": "This field is required."}
    assert validate(Contact, read_form({"name": "   "}, Contact))[1] == {"name": "This field is required."}


def test_the_messages_are_in_the_reader_s_language(intranet_app: Litestar) -> None:
    token = set_language("da")
    try:
        assert validate(Contact, {"name": "x" * 11})[1] == {"name": "Brug højst 10 tegn."}
    finally:
        reset_language(token)
