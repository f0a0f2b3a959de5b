"""A questionnaire's definition: sections of questions, stored as JSON per version.

A definition is plain data (msgspec Structs), checked by :func:`problems`
against the question types the site knows. Each question has a ``key``
that stays the same across versions, so answers to different versions of a
questionnaire, and to the rounds of a pulse, are compared question by
question.
"""

from __future__ import annotations

import re
import secrets
from typing import TYPE_CHECKING, Annotated

import msgspec

from intranet_core.i18n import gettext as _

if TYPE_CHECKING:
    from intranet_surveys.questions import QuestionType

KEY_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
KEY = re.compile(KEY_PATTERN)
MAX_QUESTIONS = 200
MAX_SECTIONS = 30
MAX_OPTIONS = 50

Key = Annotated[str, msgspec.Meta(pattern=KEY_PATTERN)]
Label = Annotated[str, msgspec.Meta(max_length=1000)]


class Option(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One choice of a single- or multiple-choice question: a stable ``value`` and its ``label``."""

    value: Key
    label: Annotated[str, msgspec.Meta(max_length=300)]


class Condition(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Show a question only when the answer to an earlier ``question`` is one of ``values``.

    ``values`` are the earlier question's category values: an option's
    ``value``, ``yes``/``no``, or a number on a scale (``"4"``).
    """

    question: Key
    values: Annotated[list[str], msgspec.Meta(min_length=1, max_length=MAX_OPTIONS)]


class Question(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    key: Key
    type: Annotated[str, msgspec.Meta(max_length=40)]
    label: Label
    help: Label = ""
    required: bool = False
    options: list[Option] = []
    """The choices (single and multiple choice)."""
    labels: list[Annotated[str, msgspec.Meta(max_length=100)]] = []
    """Scale: a label per point, lowest first. NPS: the labels of both ends."""
    show_if: Condition | None = None


class Section(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    key: Key
    title: Annotated[str, msgspec.Meta(max_length=300)] = ""
    description: Label = ""
    questions: list[Question] = []


class Definition(msgspec.Struct, frozen=True, forbid_unknown_fields=True, kw_only=True):
    """What a respondent sees: a title, an introduction and the sections, each a page of the form."""

    title: Annotated[str, msgspec.Meta(max_length=300)]
    description: Annotated[str, msgspec.Meta(max_length=5000)] = ""
    sections: list[Section] = []

    def questions(self) -> list[Question]:
        """Every question, in order."""
        return [question for section in self.sections for question in section.questions]

    def question(self, key: str) -> Question | None:
        return next((q for q in self.questions() if q.key == key), None)


_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder(Definition)


def encode(definition: Definition) -> str:
    return _encoder.encode(definition).decode()


def decode(text: str | bytes) -> Definition:
    return _decoder.decode(text)


def new_key(prefix: str, taken: set[str]) -> str:
    """A short key not in ``taken``: ``q3f9a``."""
    while True:
        key = f"{prefix}{secrets.token_hex(3)}"
        if key not in taken:
            return key


def problems(definition: Definition, types: dict[str, QuestionType]) -> list[str]:
    """What is wrong with a definition, in the reader's language; empty when it can be answered."""
    errors: list[str] = []
    if not definition.title.strip():
        errors.append(_("Give the questionnaire a title."))
    if len(definition.sections) > MAX_SECTIONS:
        errors.append(_("A questionnaire can have at most %(count)d sections.") % {"count": MAX_SECTIONS})
    seen: dict[str, Question] = {}
    section_keys: set[str] = set()
    for section in definition.sections:
        if section.key in section_keys:
            errors.append(_("Two sections have the same key."))
        section_keys.add(section.key)
        for question in section.questions:
            name = question.label.strip() or question.key
            if question.key in seen:
                errors.append(_("Two questions have the same key: %(key)s.") % {"key": question.key})
            kind = types.get(question.type)
            if kind is None:
                errors.append(_("%(question)s: unknown type of question.") % {"question": name})
            else:
                errors += [f"{name}: {problem}" for problem in kind.problems(question)]
            if not question.label.strip():
                errors.append(_("Every question needs a text."))
            condition = question.show_if
            if condition is not None:
                earlier = seen.get(condition.question)
                earlier_type = types.get(earlier.type) if earlier is not None else None
                if earlier is None or earlier_type is None:
                    errors.append(_("%(question)s: it can only depend on an earlier question.") % {"question": name})
                else:
                    allowed = {value for value, _label in earlier_type.categories(earlier)}
                    if not allowed or not set(condition.values) <= allowed:
                        errors.append(
                            _("%(question)s: the answers it depends on are not answers to %(earlier)s.")
                            % {"question": name, "earlier": earlier.label}
                        )
            seen[question.key] = question
    if len(seen) > MAX_QUESTIONS:
        errors.append(_("A questionnaire can have at most %(count)d questions.") % {"count": MAX_QUESTIONS})
    if not seen:
        errors.append(_("Add at least one question."))
    return errors
