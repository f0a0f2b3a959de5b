"""Questionnaires and their versions, surveys, rounds, participation, anonymous and named answers."""

from piccolo.columns import BigInt, Boolean, Date, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Unit(Table, tablename="org_unit"):
    pass


class Questionnaire(Table, tablename="surveys_questionnaire"):
    title = Varchar(length=300)
    owner = Varchar(length=50, default="surveys")
    template = Varchar(length=40, default="")
    current_version = Integer(default=0)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class QuestionnaireVersion(Table, tablename="surveys_version"):
    questionnaire = ForeignKey(references=Questionnaire, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer(default=1)
    definition = Text()
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class Survey(Table, tablename="surveys_survey"):
    questionnaire = ForeignKey(references=Questionnaire, on_delete=OnDelete.restrict, null=False, index=True)
    title = Varchar(length=300)
    anonymous = Boolean(default=True)
    kind = Varchar(length=20, default="survey")
    opens_at = Timestamptz()
    round_days = Integer(default=14)
    repeat_weeks = Integer(default=0)
    reminder_days = Integer(default=0)
    announce = Boolean(default=True)
    draft = Boolean(default=False)
    stopped_at = Timestamptz(null=True, default=None)
    created_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()


class SurveyAudience(Table, tablename="surveys_audience"):
    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, null=False, index=True)
    key = Varchar(length=100)


class Round(Table, tablename="surveys_round"):
    survey = ForeignKey(references=Survey, on_delete=OnDelete.cascade, null=False, index=True)
    number = Integer(default=1)
    opens_at = Timestamptz(index=True)
    closes_at = Timestamptz(index=True)
    opened_at = Timestamptz(null=True, default=None)
    reminder_at = Timestamptz(null=True, default=None)
    reminded_at = Timestamptz(null=True, default=None)
    closed_at = Timestamptz(null=True, default=None)
    post_id = Integer(null=True, default=None)


class Participation(Table, tablename="surveys_participation"):
    id = BigInt(primary_key=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    mix = BigInt(default=0)


class AnonResponse(Table, tablename="surveys_anon_response"):
    id = BigInt(primary_key=True)
    round = ForeignKey(references=Round, on_delete=OnDelete.cascade, null=False, index=True)
    version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict, null=False, index=True)
    day = Date()
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None)
    released = Boolean(default=False)


class AnonAnswer(Table, tablename="surveys_anon_answer"):
    id = BigInt(primary_key=True)
    response = ForeignKey(references=AnonResponse, on_delete=OnDelete.cascade, null=False, index=True)
    question = Varchar(length=40)
    value = Varchar(length=200, null=True, default=None)
    number = Integer(null=True, default=None)
    text = Text(null=True, default=None)


class Response(Table, tablename="surveys_response"):
    version = ForeignKey(references=QuestionnaireVersion, on_delete=OnDelete.restrict, null=False, index=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    context = Varchar(length=200, index=True)
    unit = ForeignKey(references=Unit, on_delete=OnDelete.set_null, null=True, default=None)
    submitted_at = Timestamptz()


class Answer(Table, tablename="surveys_answer"):
    response = ForeignKey(references=Response, on_delete=OnDelete.cascade, null=False, index=True)
    question = Varchar(length=40)
    value = Varchar(length=200, null=True, default=None)
    number = Integer(null=True, default=None)
    text = Text(null=True, default=None)


async def forwards():
    return tables_migration(
        ID, "surveys", DESCRIPTION,
        [Questionnaire, QuestionnaireVersion, Survey, SurveyAudience, Round, Participation, AnonResponse,
         AnonAnswer, Response, Answer],
        [
            "CREATE UNIQUE INDEX surveys_version_number ON surveys_version (questionnaire, number)",
            # "Open surveys for you": one index range per audience key.
            "CREATE INDEX surveys_audience_key ON surveys_audience (key, survey)",
            "CREATE UNIQUE INDEX surveys_audience_once ON surveys_audience (survey, key)",
            "CREATE UNIQUE INDEX surveys_round_number ON surveys_round (survey, number)",
            # One answer per person and round; also what reminders and "answered" look up.
            "CREATE UNIQUE INDEX surveys_participation_once ON surveys_participation (round, person)",
            "CREATE INDEX surveys_anon_response_released ON surveys_anon_response (round, released)",
            "CREATE INDEX surveys_anon_answer_question ON surveys_anon_answer (response, question)",
            "CREATE INDEX surveys_response_by_context ON surveys_response (context, person)",
            "CREATE INDEX surveys_answer_question ON surveys_answer (response, question)",
        ],
    )
