"""The questionnaire service: what other plugins use to ask questions and keep the answers.

A plugin that asks people something (the onboarding plugin's questionnaire
steps, say) does four things with it::

    from intranet_surveys import service

    # 1. A questionnaire (once), from a definition or the builder's output.
    questionnaire = await service.create_questionnaire(
        app, definition=definition, created_by=hr_person_id, owner="onboarding")

    # 2. Show the form: start, or go on with what was sent (one page per section).
    version = await service.current_version(questionnaire.id)
    state = service.start(app, version)                # GET
    state = service.advance(app, version, form_data)    # POST (form_data: request.form())
    fields = service.render_form(app, state)            # Markup: put it in your own <form> with csrf_field()

    # 3. Once the last page is sent and valid, store it (named: a person and a context).
    if state.submission is not None:
        await service.store_answers(app, state.submission, person_id=user.id, context="onboarding.step:12")

    # 4. Read the answers back.
    responses = await service.answers_of(context="onboarding.step:12")

A question is shown only when the earlier answer it depends on matches: on
the server, page by page (so it works without JavaScript), and at once in the
browser with the small script ``/static/surveys/questionnaire.js``.

Editing a questionnaire that already has answers makes a new version
(:func:`save_definition`); answers keep the version they were given to.
Other plugins add types of question through the
``register_survey_question_types`` hook.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from markupsafe import Markup

from intranet_core.people.tables import Membership
from intranet_surveys import questionnaire as model
from intranet_surveys.questionnaire import Definition, Question
from intranet_surveys.questions import QuestionType, Stored, question_types
from intranet_surveys.tables import AnonResponse, Answer, Questionnaire, QuestionnaireVersion, Response

FIELD_PREFIX = "q."
STEP_FIELD = "_step"
VERSION_FIELD = "_version"
GO_FIELD = "_go"
MAX_CONTEXT = 200


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class QuestionnaireError(ValueError):
    """A definition that cannot be saved; ``problems`` says why, in the reader's language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class QuestionnaireInfo(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    title: str
    owner: str
    template: str
    current_version: int


class Version(msgspec.Struct, frozen=True, kw_only=True):
    """One version of a questionnaire: what was asked."""

    id: int
    questionnaire: int
    number: int
    definition: Definition


class Submission(msgspec.Struct, frozen=True, kw_only=True):
    """A complete, valid answer to a version: each shown question's key and its typed answer.

    Questions left out (optional and unanswered, or hidden by a condition)
    are not in ``answers``.
    """

    version_id: int
    answers: dict[str, Any]


class StoredResponse(msgspec.Struct, frozen=True, kw_only=True):
    """A named response as read back: who, when, in what context, and each question's rows."""

    id: int
    version_id: int
    person_id: int
    context: str
    submitted_at: datetime.datetime
    answers: dict[str, list[Stored]]


# --- questionnaires and versions ----------------------------------------------------


def check(app: Any, definition: Definition) -> list[str]:
    """What is wrong with a definition (empty when it can be used)."""
    return model.problems(definition, question_types(app))


async def create_questionnaire(
    app: Any, *, definition: Definition, created_by: int | None, owner: str = "surveys", template: str = ""
) -> QuestionnaireInfo:
    """A new questionnaire with ``definition`` as its first version.

    :raises QuestionnaireError: the definition has problems.
    """
    errors = check(app, definition)
    if errors:
        raise QuestionnaireError(errors)
    async with app.db.transaction(write=True):
        rows = await Questionnaire.insert(Questionnaire(
            title=definition.title, owner=owner, template=template, created_by=created_by, created_at=now(),
            updated_at=now(),
        )).returning(Questionnaire.id).run()
        questionnaire_id = int(rows[0]["id"])
        version_rows = await QuestionnaireVersion.insert(QuestionnaireVersion(
            questionnaire=questionnaire_id, number=1, definition=model.encode(definition), created_by=created_by,
            created_at=now(),
        )).returning(QuestionnaireVersion.id).run()
        version_id = int(version_rows[0]["id"])
        await Questionnaire.update({Questionnaire.current_version: version_id}).where(
            Questionnaire.id == questionnaire_id
        ).run()
    return QuestionnaireInfo(id=questionnaire_id, title=definition.title, owner=owner, template=template,
                             current_version=version_id)


async def get_questionnaire(questionnaire_id: int) -> QuestionnaireInfo | None:
    row = await Questionnaire.select(
        Questionnaire.id, Questionnaire.title, Questionnaire.owner, Questionnaire.template,
        Questionnaire.current_version,
    ).where(Questionnaire.id == questionnaire_id).first().run()
    return None if row is None else msgspec.convert(row, QuestionnaireInfo)


def _version(row: dict[str, Any]) -> Version:
    return Version(id=int(row["id"]), questionnaire=int(row["questionnaire"]), number=int(row["number"]),
                   definition=model.decode(row["definition"]))


_VERSION_COLUMNS = (QuestionnaireVersion.id, QuestionnaireVersion.questionnaire, QuestionnaireVersion.number,
                    QuestionnaireVersion.definition)


async def get_version(version_id: int) -> Version | None:
    row = await QuestionnaireVersion.select(*_VERSION_COLUMNS).where(
        QuestionnaireVersion.id == version_id
    ).first().run()
    return None if row is None else _version(row)


async def current_version(questionnaire_id: int) -> Version | None:
    """The version new answers are given to."""
    row = await QuestionnaireVersion.select(*_VERSION_COLUMNS).where(
        QuestionnaireVersion.id.is_in(
            Questionnaire.select(Questionnaire.current_version).where(Questionnaire.id == questionnaire_id)
        )
    ).first().run()
    return None if row is None else _version(row)


async def versions_of(questionnaire_id: int) -> list[Version]:
    rows = await QuestionnaireVersion.select(*_VERSION_COLUMNS).where(
        QuestionnaireVersion.questionnaire == questionnaire_id
    ).order_by(QuestionnaireVersion.number).run()
    return [_version(row) for row in rows]


async def has_answers(version_id: int) -> bool:
    """Whether anyone has answered this version (anonymously or by name)."""
    return bool(
        await AnonResponse.exists().where(AnonResponse.version == version_id).run()
        or await Response.exists().where(Response.version == version_id).run()
    )


async def save_definition(app: Any, questionnaire_id: int, definition: Definition, *, actor_id: int | None) -> Version:
    """Change what a questionnaire asks.

    The current version is changed in place while nobody has answered it;
    once it has answers, a new version is made and becomes current, and the
    answers keep theirs. One write transaction, the questionnaire's row
    locked: an answer arriving meanwhile is stored against a version that
    no longer changes.

    :raises QuestionnaireError: the definition has problems.
    :raises LookupError: no such questionnaire.
    """
    errors = check(app, definition)
    if errors:
        raise QuestionnaireError(errors)
    text = model.encode(definition)
    async with app.db.transaction(write=True):
        row = await app.db.for_update(
            Questionnaire.select(Questionnaire.current_version).where(Questionnaire.id == questionnaire_id)
        ).first().run()
        if row is None:
            raise LookupError(questionnaire_id)
        current = await app.db.for_update(
            QuestionnaireVersion.select(QuestionnaireVersion.id, QuestionnaireVersion.number).where(
                QuestionnaireVersion.id == row["current_version"]
            )
        ).first().run()
        if current is not None and not await has_answers(int(current["id"])):
            version_id, number = int(current["id"]), int(current["number"])
            await QuestionnaireVersion.update({QuestionnaireVersion.definition: text}).where(
                QuestionnaireVersion.id == version_id
            ).run()
        else:
            number = (int(current["number"]) if current else 0) + 1
            rows = await QuestionnaireVersion.insert(QuestionnaireVersion(
                questionnaire=questionnaire_id, number=number, definition=text, created_by=actor_id,
                created_at=now(),
            )).returning(QuestionnaireVersion.id).run()
            version_id = int(rows[0]["id"])
        await Questionnaire.update({
            Questionnaire.current_version: version_id, Questionnaire.title: definition.title,
            Questionnaire.updated_at: now(),
        }).where(Questionnaire.id == questionnaire_id).run()
    return Version(id=version_id, questionnaire=questionnaire_id, number=number, definition=definition)


# --- the form ------------------------------------------------------------------------


@dataclass
class FormState:
    """Where a person is in a questionnaire's form, and what they have entered.

    ``section`` is the index of the section (page) to show; ``values`` the
    raw values of every question so far (carried from page to page in hidden
    fields); ``errors`` a message per question key; ``submission`` is set
    once the last page was sent and everything is valid.
    """

    version: Version
    types: dict[str, QuestionType]
    section: int = 0
    values: dict[str, list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    answers: dict[str, Any] = field(default_factory=dict)
    hidden: set[str] = field(default_factory=set)
    """Questions whose condition is known not to hold: neither shown nor kept."""
    submission: Submission | None = None
    preview: bool = False

    @property
    def definition(self) -> Definition:
        return self.version.definition

    def showable_sections(self) -> list[int]:
        """The sections that have a question to show, given the answers so far."""
        return [
            index for index, section in enumerate(self.definition.sections)
            if any(q.key not in self.hidden for q in section.questions)
        ]

    @property
    def is_first(self) -> bool:
        shown = self.showable_sections()
        return not shown or self.section <= shown[0]

    @property
    def is_last(self) -> bool:
        shown = self.showable_sections()
        return not shown or self.section >= shown[-1]

    @property
    def page(self) -> tuple[int, int]:
        """(this page's number, how many pages there are as things stand), from 1."""
        shown = self.showable_sections()
        return (shown.index(self.section) + 1 if self.section in shown else 1), max(1, len(shown))

    def shown_questions(self) -> list[Question]:
        if not 0 <= self.section < len(self.definition.sections):
            return []
        return [q for q in self.definition.sections[self.section].questions if q.key not in self.hidden]

    def carried(self) -> list[tuple[str, str]]:
        """Hidden fields: the values of questions on other pages, so nothing is kept on the server."""
        on_page = {q.key for q in self.shown_questions()}
        return [
            (FIELD_PREFIX + key, value)
            for key, values in self.values.items()
            if key not in on_page and key not in self.hidden
            for value in values
        ]

    def condition_of(self, question: Question) -> dict[str, Any] | None:
        """For a question whose condition refers to this same page: what the script needs, and the hint."""
        condition = question.show_if
        if condition is None:
            return None
        on_page = {q.key for q in self.shown_questions()}
        if condition.question not in on_page:
            return None  # decided on the server: the question is shown because it holds
        earlier = self.definition.question(condition.question)
        kind = self.types.get(earlier.type) if earlier is not None else None
        labels = dict(kind.categories(earlier)) if kind is not None and earlier is not None else {}
        return {
            "field": FIELD_PREFIX + condition.question,
            "values": list(condition.values),
            "question": earlier.label if earlier is not None else "",
            "answers": [labels.get(v, v) for v in condition.values],
        }


def _form_values(form: Any, definition: Definition) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for question in definition.questions():
        name = FIELD_PREFIX + question.key
        if hasattr(form, "getall"):
            raw = form.getall(name) if name in form else []
        else:
            got = form.get(name) if isinstance(form, Mapping) else None
            raw = got if isinstance(got, list) else ([] if got is None else [got])
        kept = [str(v)[:100_000] for v in raw if isinstance(v, str)][:100]
        if kept:
            values[question.key] = kept
    return values


def _evaluate(state: FormState, *, checked_sections: int, max_text: int) -> None:
    """Parse every answer in order, deciding which questions are hidden by their condition.

    Questions in the first ``checked_sections`` sections get errors (a
    required question left empty, an answer that is not possible); later
    ones are parsed quietly.
    """
    from intranet_core.i18n import gettext as _

    state.answers, state.errors, state.hidden = {}, {}, set()
    for index, section in enumerate(state.definition.sections):
        for question in section.questions:
            kind = state.types.get(question.type)
            condition = question.show_if
            if condition is not None:
                earlier = state.definition.question(condition.question)
                earlier_kind = state.types.get(earlier.type) if earlier is not None else None
                answer = state.answers.get(condition.question)
                holds = (
                    earlier is not None and earlier_kind is not None and answer is not None
                    and bool(set(earlier_kind.values_of(earlier, answer)) & set(condition.values))
                )
                if not holds:
                    same_page = any(q.key == condition.question for q in section.questions)
                    if not same_page or index < checked_sections:
                        state.hidden.add(question.key)
                    if index < checked_sections:
                        state.values.pop(question.key, None)
                    continue
            if kind is None:
                continue
            raw = state.values.get(question.key, [])
            try:
                value = kind.parse(question, raw, max_text)
            except msgspec.ValidationError:
                if index < checked_sections:
                    state.errors[question.key] = kind.error(question)
                continue
            if value is None:
                if question.required and index < checked_sections:
                    state.errors[question.key] = _("Please answer this question.")
                continue
            state.answers[question.key] = value


def _max_text(app: Any) -> int:
    try:
        return int(app.plugin_settings("surveys").max_text_length)
    except KeyError:
        return 5000


def start(app: Any, version: Version, *, preview: bool = False) -> FormState:
    """The form as first shown: the first page, nothing entered."""
    state = FormState(version=version, types=question_types(app), preview=preview)
    _evaluate(state, checked_sections=0, max_text=_max_text(app))
    shown = state.showable_sections()
    state.section = shown[0] if shown else 0
    return state


def advance(app: Any, version: Version, form: Any, *, preview: bool = False) -> FormState:
    """Go on from a sent page: the same page with errors, the previous or next page, or a complete submission.

    :param form: what the browser sent (``await request.form()``, or a
        mapping of field name to a value or a list of values). The fields are
        ``q.<question key>`` (several values for a multiple choice),
        ``_step`` (the page sent) and ``_go`` (``back`` or ``next``).
    """
    state = FormState(version=version, types=question_types(app), preview=preview)
    state.values = _form_values(form, version.definition)
    count = len(version.definition.sections)
    try:
        step = int(str(form.get(STEP_FIELD, "0")))
    except ValueError:
        step = 0
    step = min(max(step, 0), max(count - 1, 0))
    go = str(form.get(GO_FIELD, "next"))
    if go == "back":
        _evaluate(state, checked_sections=0, max_text=_max_text(app))
        state.section = max([i for i in state.showable_sections() if i < step], default=step)
        return state
    _evaluate(state, checked_sections=step + 1, max_text=_max_text(app))
    if state.errors:
        state.section = min(
            index for index, section in enumerate(version.definition.sections)
            if any(q.key in state.errors for q in section.questions)
        )
        return state
    later = [i for i in state.showable_sections() if i > step]
    if later:
        # Later pages are not checked yet: no errors for them until they are sent.
        state.section = later[0]
        return state
    _evaluate(state, checked_sections=count, max_text=_max_text(app))
    if state.errors:
        state.section = min(
            index for index, section in enumerate(version.definition.sections)
            if any(q.key in state.errors for q in section.questions)
        )
        return state
    state.section = step
    state.submission = Submission(version_id=version.id, answers=dict(state.answers))
    return state


def render_form(app: Any, state: FormState, *, submit_label: str | None = None) -> Markup:
    """The fields and buttons of the current page (no ``<form>`` element and no CSRF field: add your own).

    Link ``/static/surveys/surveys.css`` and, for conditions shown at once,
    ``/static/surveys/questionnaire.js`` on the page.
    """
    template = app.jinja.get_template("surveys/_questionnaire.html")
    html = template.render(form=state, submit_label=submit_label, field_prefix=FIELD_PREFIX,
                           step_field=STEP_FIELD, version_field=VERSION_FIELD, go_field=GO_FIELD)
    # The template is autoescaped: everything in it was escaped as it was written.
    return Markup(html)  # noqa: S704


# --- storing and reading named answers --------------------------------------------------


def stored_rows(app: Any, version: Version, submission: Submission) -> list[tuple[str, Stored]]:
    """The rows an answer is stored as: ``(question key, Stored)``, in question order.

    Each answer is checked again against its question's type (a submission
    may have been put together by hand).

    :raises ValueError: an answer to a question the version does not have, or one it cannot take.
    """
    types = question_types(app)
    questions = {q.key: q for q in version.definition.questions()}
    unknown = sorted(set(submission.answers) - set(questions))
    if unknown:
        raise ValueError(f"answer to a question the version does not have: {unknown[0]!r}")
    rows: list[tuple[str, Stored]] = []
    for question in version.definition.questions():
        if question.key not in submission.answers:
            continue
        kind = types.get(question.type)
        if kind is None:
            continue
        value = submission.answers[question.key]
        try:
            value = msgspec.convert(value, kind.value_type(question, _max_text(app)), strict=False)
        except msgspec.ValidationError:
            raise ValueError(f"not a possible answer to {question.key!r}") from None
        rows += [(question.key, stored) for stored in kind.store(question, value)]
    return rows


async def primary_unit(person_id: int) -> int | None:
    """The person's primary unit (or, without one, the first they belong to)."""
    row = await Membership.select(Membership.unit).where(Membership.person == person_id).order_by(
        Membership.is_primary, ascending=False
    ).order_by(Membership.id).first().run()
    return None if row is None else int(row["unit"])


async def store_answers(app: Any, submission: Submission, *, person_id: int, context: str) -> int:
    """Keep a person's answer, tied to them and a ``context`` (``onboarding.step:12``); returns its id.

    Joins the caller's transaction if there is one (so a plugin can store
    the answer together with its own change), else runs in its own.

    :raises LookupError: the version does not exist.
    :raises ValueError: ``context`` is empty or too long.
    """
    if not context or len(context) > MAX_CONTEXT:
        raise ValueError("context: expected 1 to 200 characters")
    version = await get_version(submission.version_id)
    if version is None:
        raise LookupError(submission.version_id)
    rows = stored_rows(app, version, submission)
    unit = await primary_unit(person_id)
    async with app.db.transaction(write=True):
        inserted = await Response.insert(Response(
            version=version.id, person=person_id, context=context, unit=unit, submitted_at=now(),
        )).returning(Response.id).run()
        response_id = int(inserted[0]["id"])
        if rows:
            await Answer.insert(*[
                Answer(response=response_id, question=key, value=s.value, number=s.number, text=s.text)
                for key, s in rows
            ]).run()
    return response_id


async def answers_of(*, context: str, person_id: int | None = None, limit: int = 500) -> list[StoredResponse]:
    """Named responses given in ``context`` (and by ``person_id``), oldest first; two queries."""
    condition: Any = Response.context == context
    if person_id is not None:
        condition = condition & (Response.person == person_id)
    responses = await Response.select(
        Response.id, Response.version, Response.person, Response.context, Response.submitted_at,
    ).where(condition).order_by(Response.submitted_at).order_by(Response.id).limit(limit).run()
    return await with_answers(responses)


async def with_answers(responses: Sequence[dict[str, Any]]) -> list[StoredResponse]:
    """Named response rows (id, version, person, context, submitted_at) with their answers: one more query."""
    ids = [int(r["id"]) for r in responses]
    rows = await Answer.select(Answer.response, Answer.question, Answer.value, Answer.number, Answer.text).where(
        Answer.response.is_in(ids)
    ).order_by(Answer.id).run() if ids else []
    by_response: dict[int, dict[str, list[Stored]]] = {}
    for row in rows:
        by_response.setdefault(int(row["response"]), {}).setdefault(row["question"], []).append(
            Stored(value=row["value"], number=row["number"], text=row["text"])
        )
    return [
        StoredResponse(id=int(r["id"]), version_id=int(r["version"]), person_id=int(r["person"]),
                       context=r["context"], submitted_at=r["submitted_at"], answers=by_response.get(int(r["id"]), {}))
        for r in responses
    ]
