"""The phonebook's forms: a msgspec Struct each, read field by field, with a message per bad field.

Only the fields a Struct declares are read from what was posted, so nothing
else can slip in; a form that does not validate is shown again with every
problem and nothing is saved.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from intranet_core.i18n import gettext as _

SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# Several lines: no control characters but line breaks and tabs.
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
EMAIL = r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(\.[^@\s<>()\[\],;:\"\\.]+)+$"

Line200 = Annotated[str, msgspec.Meta(max_length=200, pattern=SINGLE_LINE)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]
Phone = Annotated[str, msgspec.Meta(max_length=50, pattern=SINGLE_LINE)]
Skills = Annotated[str, msgspec.Meta(max_length=2000, pattern=MULTI_LINE)]
Note = Annotated[str, msgspec.Meta(max_length=2000, pattern=MULTI_LINE)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=EMAIL)]
Level = Literal["everyone", "unit", "admins"]
Category = Literal["partner", "supplier", "other"]


class ProfileForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    office: Line200 = ""
    working_hours: Line200 = ""
    skills: Skills = ""
    phone_visibility: Level = "everyone"
    mobile_visibility: Level = "everyone"
    office_visibility: Level = "everyone"
    hours_visibility: Level = "everyone"
    skills_visibility: Level = "everyone"


class ContactForm(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    organisation: Line200 = ""
    category: Category = "partner"
    title: Line200 = ""
    email: Email | Literal[""] = ""
    phone: Phone = ""
    mobile: Phone = ""
    note: Note = ""


S = TypeVar("S", bound=msgspec.Struct)


def read(form: Mapping[str, Any], struct: type[S]) -> tuple[S | None, dict[str, str], dict[str, str]]:
    """``(value, errors, raw)``: the decoded form or ``None`` with a message per bad field; ``raw``
    is what was typed, to show the form again."""
    raw: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        value = form.get(field.name)
        if isinstance(value, list):
            value = value[0] if value else None
        if isinstance(value, str):
            raw[field.name] = value if field.name in ("note", "skills") else value.strip()
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in raw:
            if field.required:
                errors[field.name] = _("This field is required.")
            continue
        try:
            msgspec.convert(raw[field.name], field.type)
        except msgspec.ValidationError:
            errors[field.name] = message(field.type, raw[field.name])
    if errors:
        return None, errors, raw
    return msgspec.convert(raw, struct), {}, raw


def _metas(annotation: Any) -> list[msgspec.Meta]:
    found: list[msgspec.Meta] = []
    for arg in [annotation, *typing.get_args(annotation)]:
        if typing.get_origin(arg) is Annotated:
            found += [m for m in typing.get_args(arg)[1:] if isinstance(m, msgspec.Meta)]
    return found


def message(annotation: Any, value: str) -> str:
    """Why ``value`` does not fit, in the reader's language."""
    for meta in _metas(annotation):
        if meta.min_length and not value:
            return _("This field is required.")
        if meta.max_length is not None and len(value) > meta.max_length:
            return _("Use at most %(count)d characters.") % {"count": meta.max_length}
        if meta.pattern == EMAIL:
            return _("Enter an e-mail address such as name@example.org.")
        if meta.pattern == SINGLE_LINE:
            return _("Use a single line of text.")
    return _("Choose one of the options.")
