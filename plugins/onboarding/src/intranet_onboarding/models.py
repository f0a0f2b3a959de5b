"""What a template's step is, and the kinds and doers a step can have."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

Kind = Literal["task", "read", "questionnaire", "meeting", "document"]
Assignee = Literal["new_hire", "manager", "hr", "it", "buddy"]
FlowKind = Literal["onboarding", "offboarding"]

KINDS: tuple[str, ...] = ("task", "read", "questionnaire", "meeting", "document")
ASSIGNEES: tuple[str, ...] = ("new_hire", "manager", "hr", "it", "buddy")


class StepSpec(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """One step of a template version; ``offset_days`` counts from the start (or leaving) date, negative before."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    text: Annotated[str, msgspec.Meta(max_length=20_000)] = ""
    kind: Kind = "task"
    assignee: Assignee = "new_hire"
    offset_days: Annotated[int, msgspec.Meta(ge=-365, le=365)] = 0
    link: Annotated[str, msgspec.Meta(max_length=500)] = ""
    """For a "read" step: an intranet path (``/pages/3``) or an https link."""
    questionnaire: int | None = None
    """For a "questionnaire" step: the surveys plugin's questionnaire id."""
    meet_with: int | None = None
    """For a "meeting" step: the person to meet."""


class TemplateSpec(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    kind: FlowKind = "onboarding"
    units: list[int] = msgspec.field(default_factory=list)
    job_titles: list[Annotated[str, msgspec.Meta(max_length=200)]] = msgspec.field(default_factory=list)
    steps: Annotated[list[StepSpec], msgspec.Meta(min_length=1, max_length=200)] = msgspec.field(
        default_factory=list)


def kind_label(kind: str) -> str:
    from intranet_core.i18n import gettext as _

    return {"task": _("Task"), "read": _("Read"), "questionnaire": _("Questionnaire"), "meeting": _("Meeting"),
            "document": _("Document to hand in")}.get(kind, kind)


def assignee_label(assignee: str) -> str:
    from intranet_core.i18n import gettext as _

    return {"new_hire": _("New hire"), "manager": _("Manager"), "hr": _("HR"), "it": _("IT"),
            "buddy": _("Buddy")}.get(assignee, assignee)
