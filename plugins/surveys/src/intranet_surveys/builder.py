"""The questionnaire builder's form: one page holding the whole questionnaire, editable without JavaScript.

The form is turned into a :class:`Draft` (plain dicts, what was typed), and
a draft into a :class:`~intranet_surveys.questionnaire.Definition` when it is
saved. Adding, removing and moving questions and sections re-shows the form
with the change made and nothing saved; "Save" checks the whole
questionnaire and saves it (a new version if the current one has answers).

Options are written one per line. An option keeps its stored value as long
as its text is unchanged (the value is carried in a hidden field), so
results of older rounds still match it; an option whose text changes is a
new option.
"""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec

from intranet_surveys.questionnaire import (
    KEY,
    MAX_OPTIONS,
    Condition,
    Definition,
    Option,
    Question,
    Section,
    new_key,
)
from intranet_surveys.questions import QuestionType

Draft = dict[str, Any]
_SECTION_FIELD = re.compile(r"^s(\d{1,3})\.")
_QUESTION_FIELD = re.compile(r"^s(\d{1,3})q(\d{1,3})\.")
MAX_LINE = 300


def from_definition(definition: Definition) -> Draft:
    return {
        "title": definition.title,
        "description": definition.description,
        "sections": [
            {
                "key": section.key, "title": section.title, "description": section.description,
                "questions": [
                    {
                        "key": q.key, "type": q.type, "label": q.label, "help": q.help, "required": q.required,
                        "options": "\n".join(o.label for o in q.options),
                        "option_values": json.dumps([[o.value, o.label] for o in q.options], ensure_ascii=False),
                        "labels": "\n".join(q.labels),
                        "show_if": [f"{q.show_if.question}={v}" for v in q.show_if.values] if q.show_if else [],
                    }
                    for q in section.questions
                ],
            }
            for section in definition.sections
        ],
    }


def _text(form: Any, name: str, limit: int = 5000) -> str:
    return str(form.get(name, "") or "").replace("\r\n", "\n").strip()[:limit]


def from_form(form: Any) -> Draft:
    """What the builder's form holds, in order (indices as sent; gaps closed)."""
    sections: dict[int, set[int]] = {}
    for name in form:
        if match := _QUESTION_FIELD.match(name):
            sections.setdefault(int(match.group(1)), set()).add(int(match.group(2)))
        elif match := _SECTION_FIELD.match(name):
            sections.setdefault(int(match.group(1)), set())
    draft: Draft = {"title": _text(form, "title", 300), "description": _text(form, "description"), "sections": []}
    for i in sorted(sections):
        prefix = f"s{i}."
        questions: list[dict[str, Any]] = []
        section = {"key": _text(form, prefix + "key", 40), "title": _text(form, prefix + "title", 300),
                   "description": _text(form, prefix + "description", 1000), "questions": questions}
        for j in sorted(sections[i]):
            field = f"s{i}q{j}."
            show_if = form.getall(field + "show_if") if hasattr(form, "getall") and field + "show_if" in form else []
            questions.append({
                "key": _text(form, field + "key", 40), "type": _text(form, field + "type", 40),
                "label": _text(form, field + "label", 1000), "help": _text(form, field + "help", 1000),
                "required": form.get(field + "required") == "on",
                "options": _text(form, field + "options", 20_000),
                "option_values": _text(form, field + "option_values", 40_000),
                "labels": _text(form, field + "labels", 2000),
                "show_if": [str(v) for v in show_if][:MAX_OPTIONS],
            })
        draft["sections"].append(section)
    return draft


def _taken(draft: Draft) -> set[str]:
    return {q["key"] for s in draft["sections"] for q in s["questions"]} | {s["key"] for s in draft["sections"]}


def new_question(draft: Draft) -> dict[str, Any]:
    return {"key": new_key("q", _taken(draft)), "type": "single", "label": "", "help": "", "required": False,
            "options": "", "option_values": "[]", "labels": "", "show_if": []}


def apply(draft: Draft, action: str) -> bool:
    """Make a structural change (``add_question:1``, ``up:0:2``...); ``False`` if the action is unknown."""
    name, _sep, rest = action.partition(":")
    args = [int(part) for part in rest.split(":") if part.isdigit()]
    sections = draft["sections"]
    if name == "add_section":
        sections.append({"key": new_key("s", _taken(draft)), "title": "", "description": "",
                         "questions": [new_question(draft)]})
        return True
    if name == "remove_section" and len(args) == 1 and 0 <= args[0] < len(sections) and len(sections) > 1:
        sections.pop(args[0])
        return True
    if name == "add_question" and len(args) == 1 and 0 <= args[0] < len(sections):
        sections[args[0]]["questions"].append(new_question(draft))
        return True
    if name in ("remove", "up", "down") and len(args) == 2 and 0 <= args[0] < len(sections):
        questions = sections[args[0]]["questions"]
        j = args[1]
        if not 0 <= j < len(questions):
            return False
        if name == "remove":
            questions.pop(j)
        elif name == "up" and j > 0:
            questions[j - 1], questions[j] = questions[j], questions[j - 1]
        elif name == "down" and j < len(questions) - 1:
            questions[j + 1], questions[j] = questions[j], questions[j + 1]
        return True
    return False


def _options(question: dict[str, Any]) -> list[Option]:
    try:
        known = {str(label): str(value) for value, label in json.loads(question.get("option_values") or "[]")}
    except (ValueError, TypeError):
        known = {}
    taken = set(known.values())
    options: list[Option] = []
    for line in question["options"].split("\n"):
        label = line.strip()[:MAX_LINE]
        if not label or any(o.label == label for o in options):
            continue
        value = known.get(label)
        if value is None or not KEY.match(value):
            value = new_key("o", taken)
            taken.add(value)
        options.append(Option(value=value, label=label))
    return options[:MAX_OPTIONS]


def to_definition(draft: Draft, types: dict[str, QuestionType]) -> Definition:
    """The definition a draft describes (checked by ``questionnaire.problems`` when saved).

    :raises msgspec.ValidationError: a key or a length is out of bounds (a form that was tampered with).
    """
    sections = []
    taken = _taken(draft)
    for section in draft["sections"]:
        questions = []
        for q in section["questions"]:
            key = q["key"] if KEY.match(q["key"] or "") else new_key("q", taken)
            taken.add(key)
            kind = types.get(q["type"])
            condition = None
            pairs = [p.split("=", 1) for p in q["show_if"] if "=" in p]
            if pairs:
                condition = Condition(question=pairs[0][0], values=[v for k, v in pairs if k == pairs[0][0]])
            questions.append(Question(
                key=key, type=q["type"], label=q["label"], help=q["help"], required=q["required"],
                options=_options(q) if kind is None or kind.uses_options else [],
                labels=[line.strip()[:100] for line in q["labels"].split("\n")][: kind.uses_labels]
                if kind is not None and kind.uses_labels and q["labels"].strip() else [],
                show_if=condition,
            ))
        key = section["key"] if KEY.match(section["key"] or "") else new_key("s", taken)
        taken.add(key)
        sections.append(Section(key=key, title=section["title"], description=section["description"],
                                questions=questions))
    definition = Definition(title=draft["title"], description=draft["description"], sections=sections)
    # The Struct's own limits (key patterns, lengths): a round trip through msgspec checks them.
    return msgspec.convert(msgspec.to_builtins(definition), Definition)


def condition_choices(draft: Draft, types: dict[str, QuestionType]) -> dict[str, list[tuple[str, str]]]:
    """For each question key: the ``key=value`` pairs of earlier questions it may depend on, with labels."""
    choices: dict[str, list[tuple[str, str]]] = {}
    earlier: list[tuple[str, str]] = []
    for section in draft["sections"]:
        for q in section["questions"]:
            choices[q["key"]] = list(earlier)
            kind = types.get(q["type"])
            if kind is None:
                continue
            try:
                question = Question(key=q["key"] if KEY.match(q["key"] or "") else "q", type=q["type"],
                                    label=q["label"], options=_options(q) if kind.uses_options else [],
                                    labels=[line for line in q["labels"].split("\n")] if kind.uses_labels else [])
            except (msgspec.ValidationError, TypeError):
                continue
            name = q["label"] or q["key"]
            earlier += [(f"{q['key']}={value}", f"{name}: {label}") for value, label in kind.categories(question)]
    return choices
