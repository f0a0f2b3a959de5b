"""Question types: how a question is asked, checked, stored and summed up.

The built-in types are single choice, multiple choice, scale (1 to 5 with
labels), NPS (0 to 10), yes/no, free text and date. Other plugins add types
by subclassing :class:`QuestionType` and returning instances from the
``register_survey_question_types`` hook (see :mod:`intranet_surveys.hookspecs`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal

import msgspec

from intranet_core.i18n import gettext as _
from intranet_core.plugins import flatten

if TYPE_CHECKING:
    from intranet_surveys.questionnaire import Question

SCALE_POINTS = 5


class Stored(msgspec.Struct, frozen=True):
    """One stored row of an answer: a category ``value`` (counted), a ``number`` (averaged), or ``text`` (listed).

    A multiple-choice answer is one row per chosen option.
    """

    value: str | None = None
    number: int | None = None
    text: str | None = None


class QuestionType:
    """A kind of question. Subclass it and override what differs.

    ``name``: stored in definitions (``"single"``); unique on the site.
    ``template``: the Jinja template of the input; it gets ``question``,
    ``field`` (the input's name), ``values`` (what was entered, a list of
    strings), ``error`` and ``kind`` (this object).
    ``summary``: how results show it: ``"choice"`` (a bar per category),
    ``"scale"`` (bars and the mean), ``"nps"`` (bars and the score),
    ``"text"`` (the answers listed) or ``"date"`` (a bar per month).
    ``uses_options``: the builder asks for options. ``uses_labels``: how many
    labels the builder asks for (scale points, NPS ends).
    """

    name: str = ""
    template: str = "surveys/questions/text.html"
    summary: str = "choice"
    multiple: bool = False
    uses_options: bool = False
    uses_labels: int = 0

    def label(self) -> str:
        """The type's name in the builder, in the reader's language."""
        return self.name

    def value_type(self, question: Question, max_text: int) -> Any:
        """The msgspec type one answer is converted to and checked against."""
        return str

    def raw(self, values: Sequence[str]) -> Any:
        """What the form sent (every value of the field) as msgspec should see it; ``None`` when unanswered."""
        first = next((v.strip() for v in values if v.strip()), "")
        return first or None

    def parse(self, question: Question, values: Sequence[str], max_text: int) -> Any:
        """The answer, or ``None`` when there is none.

        :raises msgspec.ValidationError: the answer is not one this question takes.
        """
        raw = self.raw(values)
        if raw is None:
            return None
        return msgspec.convert(raw, self.value_type(question, max_text), strict=False)

    def error(self, question: Question) -> str:
        """The message shown when :meth:`parse` fails."""
        return _("This answer is not one of the possible answers.")

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(value=str(value))]

    def form_values(self, question: Question, value: Any) -> list[str]:
        """An answer as form values again (to fill the form in)."""
        return [str(value)]

    def categories(self, question: Question) -> list[tuple[str, str]]:
        """``(value, label)`` of each category an answer may fall in; empty for free answers.

        Conditions on later questions and the results' bars use them.
        """
        return []

    def values_of(self, question: Question, value: Any) -> list[str]:
        """The category values of an answer (for conditions)."""
        return [str(value)]

    def problems(self, question: Question) -> list[str]:
        """What is wrong with the question as written in the builder."""
        return []

    def display(self, question: Question, rows: Sequence[Stored]) -> str:
        """An answer as one line of text (CSV exports), several choices in the order of the options."""
        categories = self.categories(question)
        labels = dict(categories)
        # Anonymous answers have random ids, so the stored order says nothing.
        place = {value: index for index, (value, _label) in enumerate(categories)}
        parts = []
        for row in sorted(rows, key=lambda r: place.get(r.value or "", len(place))):
            if row.text is not None:
                parts.append(row.text)
            elif row.value is not None:
                parts.append(labels.get(row.value, row.value))
        return "; ".join(parts)


def _literal(values: Sequence[str]) -> Any:
    return Literal[tuple(values)] if values else Literal[""]


def _option_problems(question: Question) -> list[str]:
    errors = []
    if len(question.options) < 2:
        errors.append(_("give at least two options."))
    if len({o.value for o in question.options}) != len(question.options):
        errors.append(_("two options have the same value."))
    if any(not o.label.strip() for o in question.options):
        errors.append(_("every option needs a text."))
    return errors


class SingleChoice(QuestionType):
    name = "single"
    template = "surveys/questions/single.html"
    uses_options = True

    def label(self) -> str:
        return _("Single choice")

    def value_type(self, question: Question, max_text: int) -> Any:
        return _literal([o.value for o in question.options])

    def categories(self, question: Question) -> list[tuple[str, str]]:
        return [(o.value, o.label) for o in question.options]

    def problems(self, question: Question) -> list[str]:
        return _option_problems(question)


class MultipleChoice(QuestionType):
    name = "multiple"
    template = "surveys/questions/multiple.html"
    multiple = True
    uses_options = True

    def label(self) -> str:
        return _("Multiple choice")

    def value_type(self, question: Question, max_text: int) -> Any:
        item = _literal([o.value for o in question.options])
        return Annotated[list[item],  # type: ignore[valid-type]
                         msgspec.Meta(min_length=1, max_length=len(question.options) or 1)]

    def raw(self, values: Sequence[str]) -> Any:
        chosen = list(dict.fromkeys(v.strip() for v in values if v.strip()))
        return chosen or None

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(value=str(v)) for v in value]

    def form_values(self, question: Question, value: Any) -> list[str]:
        return [str(v) for v in value]

    def categories(self, question: Question) -> list[tuple[str, str]]:
        return [(o.value, o.label) for o in question.options]

    def values_of(self, question: Question, value: Any) -> list[str]:
        return [str(v) for v in value]

    def problems(self, question: Question) -> list[str]:
        return _option_problems(question)

    def error(self, question: Question) -> str:
        return _("Choose among the options shown.")


def default_scale_labels() -> list[str]:
    return [_("Strongly disagree"), _("Disagree"), _("Neither agree nor disagree"), _("Agree"), _("Strongly agree")]


class Scale(QuestionType):
    name = "scale"
    template = "surveys/questions/scale.html"
    summary = "scale"
    uses_labels = SCALE_POINTS

    def label(self) -> str:
        return _("Scale 1 to 5")

    def value_type(self, question: Question, max_text: int) -> Any:
        return Annotated[int, msgspec.Meta(ge=1, le=SCALE_POINTS)]

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(value=str(value), number=int(value))]

    def point_labels(self, question: Question) -> list[str]:
        labels = list(question.labels[:SCALE_POINTS])
        defaults = default_scale_labels()
        return [labels[i] if i < len(labels) and labels[i].strip() else defaults[i] for i in range(SCALE_POINTS)]

    def categories(self, question: Question) -> list[tuple[str, str]]:
        return [(str(i + 1), f"{i + 1} \u2013 {label}") for i, label in enumerate(self.point_labels(question))]

    def error(self, question: Question) -> str:
        return _("Choose a number from 1 to 5.")


class NPS(QuestionType):
    name = "nps"
    template = "surveys/questions/nps.html"
    summary = "nps"
    uses_labels = 2

    def label(self) -> str:
        return _("Net Promoter Score (0 to 10)")

    def value_type(self, question: Question, max_text: int) -> Any:
        return Annotated[int, msgspec.Meta(ge=0, le=10)]

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(value=str(value), number=int(value))]

    def end_labels(self, question: Question) -> tuple[str, str]:
        low = question.labels[0] if question.labels and question.labels[0].strip() else _("Not at all likely")
        high = question.labels[1] if len(question.labels) > 1 and question.labels[1].strip() else _("Extremely likely")
        return low, high

    def categories(self, question: Question) -> list[tuple[str, str]]:
        return [(str(i), str(i)) for i in range(11)]

    def error(self, question: Question) -> str:
        return _("Choose a number from 0 to 10.")


class YesNo(QuestionType):
    name = "yesno"
    template = "surveys/questions/yesno.html"

    def label(self) -> str:
        return _("Yes or no")

    def value_type(self, question: Question, max_text: int) -> Any:
        return Literal["yes", "no"]

    def categories(self, question: Question) -> list[tuple[str, str]]:
        return [("yes", _("Yes")), ("no", _("No"))]


class FreeText(QuestionType):
    name = "text"
    template = "surveys/questions/text.html"
    summary = "text"

    def label(self) -> str:
        return _("Free text")

    def value_type(self, question: Question, max_text: int) -> Any:
        return Annotated[str, msgspec.Meta(max_length=max_text)]

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(text=str(value))]

    def values_of(self, question: Question, value: Any) -> list[str]:
        return []

    def error(self, question: Question) -> str:
        return _("The answer is too long.")


class DateQuestion(QuestionType):
    name = "date"
    template = "surveys/questions/date.html"
    summary = "date"

    def label(self) -> str:
        return _("Date")

    def value_type(self, question: Question, max_text: int) -> Any:
        return datetime.date

    def store(self, question: Question, value: Any) -> list[Stored]:
        return [Stored(value=value.isoformat())]

    def form_values(self, question: Question, value: Any) -> list[str]:
        return [value.isoformat()]

    def values_of(self, question: Question, value: Any) -> list[str]:
        return []

    def error(self, question: Question) -> str:
        return _("Give a date (year-month-day).")


BUILT_IN: tuple[type[QuestionType], ...] = (SingleChoice, MultipleChoice, Scale, NPS, YesNo, FreeText, DateQuestion)


def question_types(intranet: Any) -> dict[str, QuestionType]:
    """Every question type on the site: the built-in ones, then those plugins add (a plugin may not replace one)."""
    types: dict[str, QuestionType] = {cls.name: cls() for cls in BUILT_IN}
    hook = getattr(intranet.hook, "register_survey_question_types", None)
    if hook is not None:
        for kind in flatten(hook(app=intranet)):
            if not isinstance(kind, QuestionType) or not kind.name:
                raise TypeError("register_survey_question_types must return QuestionType instances with a name")
            types.setdefault(kind.name, kind)
    return types
