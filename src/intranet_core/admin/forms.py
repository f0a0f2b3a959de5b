"""The administration forms: one msgspec Struct each, and the messages of the administration's own rules.

The forms are read and checked with :mod:`intranet_core.forms`.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

import msgspec

from intranet_core.forms import EMAIL_PATTERN, SINGLE_LINE
from intranet_core.i18n import gettext as _

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
