"""The phonebook's forms: a msgspec Struct each, read and checked with :mod:`intranet_core.forms`.

Only the fields a Struct declares are read from what was posted, so nothing
else can slip in; a form that does not validate is shown again with every
problem and nothing is saved.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from intranet_core.forms import EMAIL_PATTERN, MULTI_LINE, SINGLE_LINE

Line200 = Annotated[str, msgspec.Meta(max_length=200, pattern=SINGLE_LINE)]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=SINGLE_LINE)]
Phone = Annotated[str, msgspec.Meta(max_length=50, pattern=SINGLE_LINE)]
Skills = Annotated[str, msgspec.Meta(max_length=2000, pattern=MULTI_LINE)]
Note = Annotated[str, msgspec.Meta(max_length=2000, pattern=MULTI_LINE)]
Email = Annotated[str, msgspec.Meta(max_length=254, pattern=EMAIL_PATTERN)]
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
