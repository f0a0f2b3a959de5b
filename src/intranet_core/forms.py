"""Reading an HTML form into a msgspec Struct, with a message a person can act on for each bad field.

A form is read field by field from what the Struct declares, so anything
else a browser (or an attacker) sends is never looked at: no mass
assignment. :func:`validate` returns the decoded Struct, or a message for
every bad field in the reader's language, so the form can be shown again
with all of them at once and nothing saved.

msgspec checks the values; what it cannot do is say what is wrong in words
for the person who typed it, in Danish or English. That is the part written
here, read from the same ``msgspec.Meta`` constraints that do the checking.
"""

from __future__ import annotations

import datetime
import types
import typing
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import msgspec
from litestar.exceptions import ClientException

from intranet_core.i18n import gettext as _

if TYPE_CHECKING:
    from litestar import Request
    from litestar.datastructures import FormMultiDict

# One line of text: no control characters (no newlines, tabs or NUL).
SINGLE_LINE = r"^[^\x00-\x1f\x7f]*$"
# Several lines: no control characters but line breaks and tabs.
MULTI_LINE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
# The shape of an address: something@domain.tld, no spaces or brackets.
EMAIL_PATTERN = r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(\.[^@\s<>()\[\],;:\"\\.]+)+$"
# Text whose ends are trimmed when read: one line, as typed into an <input>.
_TRIMMED = frozenset({SINGLE_LINE, EMAIL_PATTERN})

S = TypeVar("S", bound=msgspec.Struct)
_TRUE = frozenset({"1", "on", "true", "yes"})


async def posted_form(request: Request[Any, Any, Any], allowed: Iterable[str]) -> FormMultiDict:
    """The submitted form, refused with 400 when it has a field besides ``allowed`` and the CSRF token.

    For forms read field by field (files among them) rather than into a
    Struct: a field the form does not have never reaches the code that
    writes (no mass assignment).
    """
    form = await request.form()
    extra = set(form.keys()) - set(allowed) - {"_csrf_token"}
    if extra:
        raise ClientException(f"unknown field: {sorted(extra)[0]}")
    return form


def read_form(
    form: Mapping[str, Any], struct: type[msgspec.Struct], *, checkboxes: Iterable[str] = ()
) -> dict[str, Any]:
    """Only the fields ``struct`` declares, as strings (``checkboxes`` as booleans), to give :func:`validate`.

    Numbers, dates, choices and one-line text (a field whose pattern is
    :data:`SINGLE_LINE` or :data:`EMAIL_PATTERN`) are trimmed; other text
    (several lines, a password) is kept as typed. An absent field is left out, so its default
    applies (or it is reported as missing); an empty one becomes ``None``
    where the field may be ``None``. Of a repeated field the first value counts.
    """
    boxes = set(checkboxes)
    raw: dict[str, Any] = {}
    for field in msgspec.structs.fields(struct):
        value = form.get(field.name)
        if isinstance(value, list):
            value = value[0] if value else None
        if field.name in boxes:
            raw[field.name] = isinstance(value, str) and value.strip().lower() in _TRUE
            continue
        if value is None or not isinstance(value, str):
            continue
        base, metas = _base_and_meta(field.type)
        if base is not str or any(meta.pattern in _TRIMMED for meta in metas):
            value = value.strip()
        if value == "" and _allows_none(field.type):
            raw[field.name] = None
        elif value == "" and field.type is bool:
            continue
        else:
            raw[field.name] = value
    return raw


def validate(struct: type[S], raw: Mapping[str, Any]) -> tuple[S | None, dict[str, str]]:
    """``(the decoded form, {})``, or ``(None, {field: message})`` naming every bad field."""
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
    if not errors:  # a rule across fields (a Struct's __post_init__)
        errors["_form"] = _("This value is not valid.")
    return None, errors


def field_message(annotation: Any, value: Any) -> str:
    """Why ``value`` does not fit a field of type ``annotation``, in the reader's language."""
    base, metas = _base_and_meta(annotation)
    if base is datetime.date:
        return _("Enter a date as YYYY-MM-DD.")
    if base is int or typing.get_origin(base) is typing.Literal:
        return _("Choose one of the options.")
    if base is bool:
        return _("This value is not valid.")
    text = value if isinstance(value, str) else ""
    for meta in metas:
        if meta.min_length and not text:
            return _("This field is required.")
        if meta.max_length is not None and len(text) > meta.max_length:
            return _("Use at most %(count)d characters.") % {"count": meta.max_length}
        if meta.pattern == EMAIL_PATTERN:
            return _("Enter an e-mail address such as name@example.org.")
        if meta.pattern == SINGLE_LINE:
            return _("Use a single line of text.")
    return _("This value is not valid.")


def _allows_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation)


def _base_and_meta(annotation: Any) -> tuple[Any, list[msgspec.Meta]]:
    """The type inside ``Annotated`` and ``| None`` (the first choice of a union), and its Meta constraints."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if typing.get_origin(annotation) is Annotated:
        inner, *metadata = typing.get_args(annotation)
        return inner, [m for m in metadata if isinstance(m, msgspec.Meta)]
    return annotation, []
