"""The surveys plugin's tables.

Anonymous answers live in tables of their own (``surveys_anon_response``,
``surveys_anon_answer``) that have no column for a person and no time finer
than a day, and whose ids are random numbers rewritten whenever the round's
pending answers are shuffled (see :mod:`intranet_surveys.anonymous`). Who
has answered is ``surveys_participation``: person and round, nothing else,
with random ids too. Named answers (a survey that is not anonymous, or
another plugin's questionnaire such as an onboarding step) are
``surveys_response`` and ``surveys_answer``.
"""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from intranet_core.people.tables import Person, Unit


class Questionnaire(Table, tablename="surveys_questionnaire"):
    """A questionnaire; what it asks is in its versions."""

    id: Serial
    title = Varchar(length=300)
    owner = Varchar(length=50, default="surveys")
    """The plugin that uses it (``surveys``, ``onboarding``): each lists only its own."""
    template = Varchar(length=40, default="")
    """``temperature`` for the ready-made questionnaire of the intranet's temperature."""
    current_version = Integer(default=0)
    """The id of the version new answers use (no foreign key: the versions refer to this table)."""
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class QuestionnaireVersion(Table, tablename="surveys_version"):
    """One version of a questionnaire; frozen once it has answers."""

    id: Serial
    questionnaire = ForeignKey(references=Questionnaire, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer(default=1)
    definition = Text()
    """The :class:`intranet_surveys.questionnaire.Definition`, as JSON."""
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class Survey(Table, tablename="surveys_survey"):
    """A questionnaire sent to an audience: once, or every ``repeat_weeks`` weeks (a pulse)."""

    id: Serial
    questionnaire = ForeignKey(references=Questionnaire, on_delete=OnDelete.restrict, null=False, index=True)
    title = Varchar(length=300)
    anonymous = Boolean(default=True)
    kind = Varchar(length=20, default="survey")
    """``survey``, or ``temperature`` for the intranet's temperature."""
    opens_at = Timestamptz()
    """When the first round opens."""
    round_days = Integer(default=14)
    """How long each round stays open."""
    repeat_weeks = Integer(default=0)
    """A new round every this many weeks (0: once)."""
    reminder_days = Integer(default=0)
    """Remind those who have not answered this many days before a round closes (0: no reminder)."""
    announce = Boolean(default=True)
    """Announce each round with a post in the feed."""
    draft = Boolean(default=False)
    """Being prepared: no audience, no rounds, seen only by who manages it."""
    stopped_at = Timestamptz(null=True, default=None)
    """No new rounds after this (a pulse that was stopped)."""
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class SurveyAudience(Table, tablename="surveys_audience"):
    """Who a survey is for: one row per audience key (``all``, ``unit:7``, ``group:3``)."""

    id: Serial
    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=100)


class Round(Table, tablename="surveys_round"):
    """One time a survey is open: the only round of a survey, or one of a pulse's."""

    id: Serial
    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer(default=1)
    opens_at = Timestamptz(index=True)
    closes_at = Timestamptz(index=True)
    opened_at = Timestamptz(null=True, default=None)
    """When the round was announced (feed post, notices); NULL until then."""
    reminder_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    post_id = Integer(null=True, default=None)
    """The announcement in the feed."""


class Participation(Table, tablename="surveys_participation"):
    """That a person has answered a round: person and round only (random ids, no time)."""

    id = BigInt(primary_key=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    mix = BigInt(default=0)
    """Rewritten with a random number by later answers (see :mod:`intranet_surveys.anonymous`)."""


class AnonResponse(Table, tablename="surveys_anon_response"):
    """An anonymous answer to a round: no person, no time finer than the day, a random id."""

    id = BigInt(primary_key=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, null=False, index=True)
    version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict, null=False, index=True)
    day = Date()
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None)
    """The respondent's unit, or the nearest unit above it with at least k people; NULL if none."""
    released = Boolean(default=False)
    """Counted in the results: answers are released k at a time."""


class AnonAnswer(Table, tablename="surveys_anon_answer"):
    id = BigInt(primary_key=True)
    response = ForeignKey(references=AnonResponse, on_delete=OnDelete.cascade, null=False, index=True)
    question = Varchar(length=40)
    value = Varchar(length=200, null=True, default=None)
    number = Integer(null=True, default=None)
    text = Text(null=True, default=None)


class Response(Table, tablename="surveys_response"):
    """A named answer: a person's answer to a questionnaire in a context (``surveys.round:7``, an onboarding step)."""

    id: Serial
    version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    context = Varchar(length=200, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None)
    submitted_at = Timestamptz()


class Answer(Table, tablename="surveys_answer"):
    id: Serial
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, null=False, index=True)
    question = Varchar(length=40)
    value = Varchar(length=200, null=True, default=None)
    number = Integer(null=True, default=None)
    text = Text(null=True, default=None)


TABLES = [Questionnaire, QuestionnaireVersion, Survey, SurveyAudience, Round, Participation, AnonResponse, AnonAnswer,
          Response, Answer]
