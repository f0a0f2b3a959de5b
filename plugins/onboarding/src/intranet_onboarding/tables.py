"""The plugin's tables. Their shape must match the migration in ``migrations/``.

A template's steps live in its versions (as JSON, checked by
``models.StepSpec``); a flow copies its version's steps into
``onboarding_step`` rows when it starts, with real due dates, so editing a
template never changes a running flow.
"""

from __future__ import annotations

from piccolo.columns import Boolean, Date, ForeignKey, Integer, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_core.uploads.tables import Upload


class FlowTemplate(Table, tablename="onboarding_template"):
    id: Serial
    name = Varchar(length=200)
    kind = Varchar(length=20, default="onboarding")
    units = Text(default="[]")
    """JSON list of unit ids (each with the units below it); empty: every unit."""
    job_titles = Text(default="[]")
    """JSON list of job titles (compared without case); empty: every title."""
    active = Boolean(default=True)
    current_version = Integer(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class TemplateVersion(Table, tablename="onboarding_template_version"):
    id: Serial
    template = ForeignKey(references=FlowTemplate, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer(default=1)
    steps = Text(default="[]")
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz()


class Flow(Table, tablename="onboarding_flow"):
    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    template = ForeignKey(references=FlowTemplate, on_delete=OnDelete.restrict, null=False, index=True)
    version = ForeignKey(references=TemplateVersion, on_delete=OnDelete.restrict, null=False)
    kind = Varchar(length=20, default="onboarding")
    anchor_date = Date(index=True)
    """The start date (onboarding) or the leaving date (offboarding) the due dates count from."""
    manager = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    buddy = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    unit = Integer(null=True, default=None, index=True)
    status = Varchar(length=20, default="running", index=True)
    started_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    created_at = Timestamptz()


class FlowStep(Table, tablename="onboarding_step"):
    id: Serial
    flow = ForeignKey(references=Flow, on_delete=OnDelete.cascade, null=False, index=True)
    position = Integer(default=0)
    title = Varchar(length=200)
    body = Text(default="")
    kind = Varchar(length=20, default="task")
    assignee = Varchar(length=20, default="new_hire", index=True)
    link = Varchar(length=500, default="")
    questionnaire = Integer(null=True, default=None)
    meet_with = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    due_date = Date(index=True)
    done_at = Timestamptz(null=True, default=None)
    done_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None)
    document = Text(default="")
    """A note with what was handed in for a "document" step (the files are ``StepFile`` rows)."""
    reminded = Varchar(length=20, default="")
    """"" nothing sent yet, "before" the reminder before the due date, "overdue" the overdue one too."""


class StepFile(Table, tablename="onboarding_step_file"):
    """A file handed in for a "document" step, kept by the core's uploads service (who uploaded it is there)."""

    id: Serial
    step = ForeignKey(references=FlowStep, on_delete=OnDelete.cascade, null=False, index=True)
    upload = ForeignKey(references=Upload, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()


TABLES = (FlowTemplate, TemplateVersion, Flow, FlowStep, StepFile)
