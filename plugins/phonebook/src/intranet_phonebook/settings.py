"""The ``[plugins.phonebook]`` section of ``intranet.toml``.

    [plugins.phonebook]
    country_code = "45"
    new_colleague_days = 30
    default_visibility = { mobile = "unit" }

Every field has a default, so the section may be left out.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Visibility = Literal["everyone", "unit", "admins"]


class DefaultVisibility(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Who sees each field of a person who has not chosen: ``everyone``, ``unit`` or ``admins``."""

    phone: Visibility = "everyone"
    mobile: Visibility = "everyone"
    office: Visibility = "everyone"
    hours: Visibility = "everyone"
    skills: Visibility = "everyone"


class PhonebookSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    country_code: Annotated[str, msgspec.Meta(pattern=r"^[0-9]{0,4}$")] = "45"
    """Put in front of numbers written without one, in ``tel:`` links and vCards ("" for none)."""
    page_size: Annotated[int, msgspec.Meta(ge=5, le=100)] = 20
    """People per page of search results and unit lists."""
    new_colleague_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 30
    """How long a newcomer is shown in the "New colleagues" box (0: not at all)."""
    upcoming_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 14
    """Colleagues starting within this many days are shown too."""
    default_visibility: DefaultVisibility = msgspec.field(default_factory=DefaultVisibility)
    """The visibility of each field for people who have not chosen; applies to profiles made from then on."""
