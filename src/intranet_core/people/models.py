"""The person as code outside the people package sees it."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec


class PersonInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A person: what hooks receive and ``request.user`` is when signed in."""

    id: int
    email: str
    name: str
    title: str = ""
    phone: str = ""
    mobile: str = ""
    # A path on this site the person's photo is shown from (a plugin keeps the photo), or None.
    photo: str | None = None
    language: str | None = None
    start_date: datetime.date | None = None
    leaving_date: datetime.date | None = None
    active: bool = True

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> PersonInfo:
        return cls(**{name: row[name] for name in cls.__struct_fields__ if name in row})


PERSON_INFO_COLUMNS = PersonInfo.__struct_fields__
