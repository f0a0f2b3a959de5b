"""The administration forms: one msgspec Struct each, and messages a person can act on.

A form is read field by field from what the Struct declares, so anything
else a browser (or an attacker) sends is never looked at: no mass
assignment. :func:`validate` returns the decoded Struct, or a message for
every bad field, so the form can be shown again with all of them at once.
"""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterable, Mapping
from typing import Annotated, Any, Literal, TypeVar

import msgspec

from intranet_core.i18n import gettext as _

# One line of text: no control characters (no newlines, tabs or NUL).
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# The shape of an address: something@domain.tld, no spaces or brackets.
EMAIL_PATTERN = r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(\.[^@\s<>()\[\],;:\"\\.]+)+$"

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=254, pattern=EMAIL_PATTERN)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]
Text200 = Annotated[str, msgspec.Meta(max_length=200, pattern=SINGLE_LINE)]
Phone = Annotated[str, msgspec.Meta(max_length=50, pattern=SINGLE_LINE)]
Language = Annotated[str, msgspec.Meta(max_length=8, pattern=SINGLE_LINE)]
Kind = Annotated[str, msgspec.Meta(min_length=1, max_length=50, pattern=SINGLE_LINE)]
Password = Annotated[str, msgspec.Meta(max_length=1024)]
Key = Annotated[str, msgspec.Meta(max_length=100, pattern=SINGLE_LINE)]
RequiredKey = Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=SINGLE_LINE)]
Action = Annotated[str, msgspec.Meta(max_length=20)]
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class PersonForm(msgspec.Struct, kw_only=True):
    """The fields of a person an administrator edits."""

    email: Email
    name: Name
    title: Text200 = ""
    phone: Phone = ""
    mobile: Phone = ""
    language: Language = ""
    start_date: datetime.date | None = None
    leaving_date: datetime.date | None = None


class NewPersonForm(PersonForm, kw_only=True):
    """A new person: their fields, a primary unit and an optional first password."""

    unit_id: Id | None = None
    unit_title: Text200 = ""
    password: Password = ""


class ActiveForm(msgspec.Struct, kw_only=True):
    active: bool


class EraseForm(msgspec.Struct, kw_only=True):
    mode: Literal["anonymise", "delete_content"]
    confirm: bool = False


class MembershipForm(msgspec.Struct, kw_only=True):
    unit_id: Id
    title: Text200 = ""
    is_manager: bool = False
    is_primary: bool = False


class MembershipActionForm(msgspec.Struct, kw_only=True):
    action: Action


class UnitForm(msgspec.Struct, kw_only=True):
    name: Name
    kind: Kind = "department"
    parent_id: Id | None = None


class GrantForm(msgspec.Struct, kw_only=True):
    role_id: Id
    unit_id: Id | None = None


class ImportForm(msgspec.Struct, kw_only=True):
    """The import form's button: ``check`` (a dry run) or ``import``."""

    action: Action = "check"


class UnitImportRow(msgspec.Struct, kw_only=True):
    """A row of the units file."""

    key: RequiredKey
    name: Name
    kind: Kind = "department"
    parent_key: Key = ""


class PersonImportRow(msgspec.Struct, kw_only=True):
    """A row of the people file."""

    email: Email
    name: Name
    title: Text200 = ""
    phone: Phone = ""
    mobile: Phone = ""
    language: Language = ""
    start_date: datetime.date | None = None
    leaving_date: datetime.date | None = None
    unit_key: Key = ""
    unit_title: Text200 = ""
    manager: Annotated[str, msgspec.Meta(max_length=10)] = ""


S = TypeVar("S", bound=msgspec.Struct)
_TRUE = frozenset({"1", "on", "true", "yes"})
_UNSTRIPPED = frozenset({"password"})  # spaces are part of a password


def read_form(
    form: Mapping[str, Any], struct: type[msgspec.Struct], *, checkboxes: Iterable[str] = ()
) -> dict[str, Any]:
    """Only the fields ``struct`` declares, as stripped strings (checkboxes as booleans).

    An absent field is left out, so its default applies (or it is reported
    as missing); an empty one becomes ``None`` where the field may be ``None``.
    """
    boxes = set(checkboxes)
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        value = form.get(field.name)
        if field.name in boxes:
            raw[field.name] = isinstance(value, str) and value.strip().lower() in _TRUE
            continue
        if value is None or not isinstance(value, str):
            continue
        if field.name not in _UNSTRIPPED:
            value = value.strip()
        if value == "" and _allows_none(field.type):
            raw[field.name] = None
        elif value == "" and field.type is bool:
            continue
        else:
            raw[field.name] = value
    return raw


def validate(struct: type[S], raw: Mapping[str, Any]) -> tuple[S | None, dict[str, str]]:
    """The decoded form, or ``(None, {field: message})`` naming every bad field."""
    try:
        return msgspec.convert(dict(raw), struct, strict=False), {}
    except msgspec.ValidationError:
        pass
    errors: dict[str, str] = {}
    for field in msgspec.structs.fields(struct):
        if field.name not in raw:
            if field.required:
                errors[field.name] = _("This field is required.")
            continue
        value = raw[field.name]
        try:
            msgspec.convert(value, field.type, strict=False)
        except msgspec.ValidationError:
            errors[field.name] = field_message(field.type, value)
    if not errors:  # a rule across fields; not expected with these forms
        errors["_form"] = _("This value is not valid.")
    return None, errors


def _allows_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _base_and_meta(annotation: Any) -> tuple[Any, list[msgspec.Meta]]:
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        return inner, [m for m in metadata if isinstance(m, msgspec.Meta)]
    return annotation, []


def field_message(annotation: Any, value: Any) -> str:
    """Why ``value`` does not fit the field, in the reader's language."""
    base, metas = _base_and_meta(annotation)
    if base is datetime.date:
        return _("Enter a date as YYYY-MM-DD.")
    if base is int:
        return _("Choose one of the options.")
    if base is bool:
        return _("This value is not valid.")
    text = value if isinstance(value, str) else ""
    for meta in metas:
        if meta.min_length and len(text) < meta.min_length and not text:
            return _("This field is required.")
        if meta.max_length is not None and len(text) > meta.max_length:
            return _("Use at most %(count)d characters.") % {"count": meta.max_length}
        if meta.pattern == EMAIL_PATTERN:
            return _("Enter an e-mail address such as name@example.org.")
        if meta.pattern == SINGLE_LINE:
            return _("Use a single line of text.")
    return _("This value is not valid.")


def leaving_date_problem(start_date: datetime.date | None, leaving_date: datetime.date | None) -> str | None:
    """Why the leaving date does not fit the start date, or ``None``."""
    if start_date is not None and leaving_date is not None and leaving_date < start_date:
        return _("The leaving date cannot be before the start date.")
    return None


def person_error_message(code: str) -> str:
    """A ``PersonError`` code as a sentence."""
    messages = {
        "email_taken": _("Someone already has this e-mail address."),
        "unit_cycle": _("A unit cannot be placed under itself or under one of its own sub-units."),
        "unit_not_found": _("That unit does not exist."),
        "membership_exists": _("The person is already a member of that unit."),
        "not_found": _("That no longer exists. Reload the page and try again."),
    }
    return messages.get(code, _("This value is not valid."))


def password_message(code: str, min_length: int) -> str:
    """A ``password_problem`` code as a sentence."""
    from intranet_core.auth.passwords import MAX_LENGTH

    if code == "too_short":
        return _("The password must be at least %(count)d characters long.") % {"count": min_length}
    if code == "too_long":
        return _("The password must be at most %(count)d characters long.") % {"count": MAX_LENGTH}
    if code == "common":
        return _("This password is too common. Choose another.")
    if code == "personal":
        return _("The password must not be the person's name or e-mail address.")
    return _("This value is not valid.")
