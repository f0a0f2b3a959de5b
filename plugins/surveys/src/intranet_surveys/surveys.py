"""Surveys: a questionnaire sent to an audience, in rounds; answering; opening, closing and reminding.

A survey has one round, or (a pulse) a new round every ``repeat_weeks``
weeks, each open for ``round_days`` days. Who may answer is decided like
who may read a post: the survey's audience keys (``all``, ``unit:<id>``,
``group:<id>``...) against the person's (``intranet_core.feed.service.audience_keys``),
in the query.

Rounds are opened (a post in the feed, a notice to the audience), closed,
and their reminders sent by :func:`run_rounds`, which the core's periodic
task scheduler runs (``register_periodic_tasks``); every step claims its
round with a compare-and-set ``UPDATE``, so several processes never send
anything twice. Answering an anonymous survey goes through
:mod:`intranet_surveys.anonymous`; a named one stores the answer with the
person, through :mod:`intranet_surveys.service`, in the context
``surveys.round:<id>``.
"""

from __future__ import annotations

import datetime
import logging
from typing import Annotated, Any

import msgspec

from intranet_core import i18n
from intranet_core.audit.service import record
from intranet_core.feed import service as feed
from intranet_core.i18n import gettext as _
from intranet_core.notifications import service as notifications
from intranet_core.people.models import PersonInfo
from intranet_surveys import anonymous, live, service
from intranet_surveys.tables import (
    AnonResponse,
    Answer,
    Participation,
    Questionnaire,
    Response,
    Round,
    Survey,
    SurveyAudience,
)

log = logging.getLogger("intranet.surveys")

MAX_ROUND_DAYS = 365
MAX_REPEAT_WEEKS = 52
KINDS = ("survey", "temperature")


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def context_of(round_id: int) -> str:
    """The context named answers to a round are stored in."""
    return f"surveys.round:{round_id}"


def k_of(intranet: Any) -> int:
    return int(intranet.plugin_settings("surveys").min_group_size)


class SurveyPlan(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What a survey is: checked when it is created or changed."""

    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    questionnaire_id: int
    audience: Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(min_length=1, max_length=200)]
    opens_at: datetime.datetime
    anonymous: bool = True
    round_days: Annotated[int, msgspec.Meta(ge=1, le=MAX_ROUND_DAYS)] = 14
    repeat_weeks: Annotated[int, msgspec.Meta(ge=0, le=MAX_REPEAT_WEEKS)] = 0
    reminder_days: Annotated[int, msgspec.Meta(ge=0, le=MAX_ROUND_DAYS)] = 0
    announce: bool = True
    kind: str = "survey"

    def __post_init__(self) -> None:
        if self.opens_at.tzinfo is None:
            self.opens_at = self.opens_at.replace(tzinfo=datetime.UTC)
        if self.repeat_weeks and self.round_days > self.repeat_weeks * 7:
            raise ValueError("round_days: a round must close before the next one opens")
        if self.reminder_days and self.reminder_days >= self.round_days:
            raise ValueError("reminder_days: the reminder must come after the round opens")
        if self.kind not in KINDS:
            raise ValueError(f"kind: expected one of {', '.join(KINDS)}")


def round_times(plan: Any, number: int) -> tuple[datetime.datetime, datetime.datetime, datetime.datetime | None]:
    """When round ``number`` (from 1) opens, closes and reminds."""
    opens = plan.opens_at + datetime.timedelta(weeks=plan.repeat_weeks * (number - 1))
    closes = opens + datetime.timedelta(days=plan.round_days)
    reminder = closes - datetime.timedelta(days=plan.reminder_days) if plan.reminder_days else None
    return opens, closes, reminder


async def create_survey(intranet: Any, plan: SurveyPlan, *, created_by: int, ip: str = "") -> int:
    """Store a survey and its first round; if it opens now, the round is announced at once."""
    async with intranet.db.transaction(write=True):
        if not await Questionnaire.exists().where(Questionnaire.id == plan.questionnaire_id).run():
            raise LookupError(plan.questionnaire_id)
        rows = await Survey.insert(Survey(
            questionnaire=plan.questionnaire_id, title=plan.title, anonymous=plan.anonymous, kind=plan.kind,
            opens_at=plan.opens_at, round_days=plan.round_days, repeat_weeks=plan.repeat_weeks,
            reminder_days=plan.reminder_days, announce=plan.announce, created_by=created_by, created_at=now(),
        )).returning(Survey.id).run()
        survey_id = int(rows[0]["id"])
        await SurveyAudience.insert(
            *[SurveyAudience(survey=survey_id, key=key) for key in dict.fromkeys(plan.audience)]
        ).run()
        opens, closes, reminder = round_times(plan, 1)
        await Round.insert(Round(survey=survey_id, number=1, opens_at=opens, closes_at=closes,
                                 reminder_at=reminder)).run()
        await record("surveys.survey_create", actor_id=created_by, target_type="survey", target_id=survey_id,
                     details={"title": plan.title, "audience": plan.audience, "anonymous": plan.anonymous,
                              "repeat_weeks": plan.repeat_weeks}, ip=ip)
    await run_rounds(intranet)
    return survey_id


async def create_draft(intranet: Any, *, title: str, questionnaire_id: int, created_by: int, kind: str = "survey",
                       ip: str = "") -> int:
    """A survey being prepared: its questions can be built and previewed; nobody is asked yet."""
    async with intranet.db.transaction(write=True):
        rows = await Survey.insert(Survey(
            questionnaire=questionnaire_id, title=title, kind=kind, opens_at=now(), draft=True,
            created_by=created_by, created_at=now(),
        )).returning(Survey.id).run()
        survey_id = int(rows[0]["id"])
        await record("surveys.survey_create", actor_id=created_by, target_type="survey", target_id=survey_id,
                     details={"title": title, "draft": True}, ip=ip)
    return survey_id


async def send_draft(intranet: Any, survey_id: int, plan: SurveyPlan, *, actor_id: int, ip: str = "") -> None:
    """Send a prepared survey: its audience and timing, and its first round (announced at once if it opens now).

    :raises LookupError: no such draft.
    """
    async with intranet.db.transaction(write=True):
        rows = await Survey.update({
            Survey.title: plan.title, Survey.anonymous: plan.anonymous, Survey.opens_at: plan.opens_at,
            Survey.round_days: plan.round_days, Survey.repeat_weeks: plan.repeat_weeks,
            Survey.reminder_days: plan.reminder_days, Survey.announce: plan.announce, Survey.draft: False,
        }).where((Survey.id == survey_id) & (Survey.draft == True)).returning(Survey.id).run()  # noqa: E712
        if not rows:
            raise LookupError(survey_id)
        await SurveyAudience.insert(
            *[SurveyAudience(survey=survey_id, key=key) for key in dict.fromkeys(plan.audience)]
        ).run()
        opens, closes, reminder = round_times(plan, 1)
        await Round.insert(Round(survey=survey_id, number=1, opens_at=opens, closes_at=closes,
                                 reminder_at=reminder)).run()
        await record("surveys.survey_send", actor_id=actor_id, target_type="survey", target_id=survey_id,
                     details={"title": plan.title, "audience": plan.audience, "anonymous": plan.anonymous,
                              "repeat_weeks": plan.repeat_weeks}, ip=ip)
    await run_rounds(intranet)


async def update_survey(intranet: Any, survey_id: int, plan: SurveyPlan, *, actor_id: int, ip: str = "") -> None:
    """Change a survey's title, audience and timing; rounds not yet closed follow the new timing.

    Whether it is anonymous never changes once it is created (see :func:`create_survey`).
    """
    async with intranet.db.transaction(write=True):
        current = await intranet.db.for_update(Survey.select(Survey.id).where(Survey.id == survey_id)).first().run()
        if current is None:
            raise LookupError(survey_id)
        await Survey.update({
            Survey.title: plan.title, Survey.opens_at: plan.opens_at, Survey.round_days: plan.round_days,
            Survey.repeat_weeks: plan.repeat_weeks, Survey.reminder_days: plan.reminder_days,
            Survey.announce: plan.announce,
        }).where(Survey.id == survey_id).run()
        await SurveyAudience.delete().where(SurveyAudience.survey == survey_id).run()
        await SurveyAudience.insert(
            *[SurveyAudience(survey=survey_id, key=key) for key in dict.fromkeys(plan.audience)]
        ).run()
        for row in await Round.select(Round.id, Round.number, Round.opened_at).where(
            (Round.survey == survey_id) & Round.closed_at.is_null()
        ).run():
            opens, closes, reminder = round_times(plan, int(row["number"]))
            values: dict[Any, Any] = {Round.closes_at: closes, Round.reminder_at: reminder}
            if row["opened_at"] is None:
                values[Round.opens_at] = opens
            await Round.update(values).where(Round.id == row["id"]).run()
        await record("surveys.survey_update", actor_id=actor_id, target_type="survey", target_id=survey_id,
                     details={"title": plan.title, "audience": plan.audience}, ip=ip)
    await run_rounds(intranet)


async def stop_survey(intranet: Any, survey_id: int, *, actor_id: int, ip: str = "") -> None:
    """Close the open round now and open no more rounds."""
    async with intranet.db.transaction(write=True):
        rows = await Survey.update({Survey.stopped_at: now()}).where(
            (Survey.id == survey_id) & Survey.stopped_at.is_null()
        ).returning(Survey.id).run()
        if not rows:
            return
        await Round.update({Round.closes_at: now()}).where(
            (Round.survey == survey_id) & Round.closed_at.is_null() & (Round.closes_at > now())
        ).run()
        await Round.delete().where((Round.survey == survey_id) & Round.opened_at.is_null()
                                   & (Round.opens_at > now())).run()
        await record("surveys.survey_stop", actor_id=actor_id, target_type="survey", target_id=survey_id, ip=ip)
    await run_rounds(intranet)


# --- reading -------------------------------------------------------------------------

SURVEY_COLUMNS = (
    Survey.id, Survey.questionnaire, Survey.title, Survey.anonymous, Survey.kind, Survey.opens_at,
    Survey.round_days, Survey.repeat_weeks, Survey.reminder_days, Survey.announce, Survey.stopped_at,
    Survey.draft, Survey.created_by, Survey.created_at,
)
ROUND_COLUMNS = (Round.id, Round.survey, Round.number, Round.opens_at, Round.closes_at, Round.opened_at,
                 Round.closed_at, Round.reminder_at, Round.reminded_at, Round.post_id)


async def get_survey(survey_id: int) -> dict[str, Any] | None:
    if not feed.valid_id(survey_id):
        return None
    return await Survey.select(*SURVEY_COLUMNS).where(Survey.id == survey_id).first().run()


async def audience_of(survey_id: int) -> list[str]:
    rows = await SurveyAudience.select(SurveyAudience.key).where(SurveyAudience.survey == survey_id).order_by(
        SurveyAudience.id
    ).run()
    return [str(r["key"]) for r in rows]


async def visible_survey(intranet: Any, user: PersonInfo, survey_id: int) -> dict[str, Any] | None:
    """The survey if the person is in its audience (decided in the query), else ``None``."""
    if not feed.valid_id(survey_id):
        return None
    keys = await feed.audience_keys(intranet, user)
    if not keys:
        return None
    return await Survey.select(*SURVEY_COLUMNS).where(
        (Survey.id == survey_id)
        & Survey.id.is_in(SurveyAudience.select(SurveyAudience.survey).where(SurveyAudience.key.is_in(keys)))
    ).first().run()


async def rounds_of(survey_id: int) -> list[dict[str, Any]]:
    """The rounds that have opened, oldest first."""
    return await Round.select(*ROUND_COLUMNS).where(
        (Round.survey == survey_id) & (Round.opens_at <= now())
    ).order_by(Round.number).run()


async def open_round(survey_id: int) -> dict[str, Any] | None:
    """The round open now, if any."""
    moment = now()
    return await Round.select(*ROUND_COLUMNS).where(
        (Round.survey == survey_id) & (Round.opens_at <= moment) & (Round.closes_at > moment)
        & Round.closed_at.is_null()
    ).order_by(Round.number, ascending=False).first().run()


async def next_round(survey_id: int) -> dict[str, Any] | None:
    """The next round to open, if one is planned."""
    return await Round.select(*ROUND_COLUMNS).where(
        (Round.survey == survey_id) & (Round.opens_at > now())
    ).order_by(Round.number).first().run()


async def has_answered(round_id: int, person_id: int) -> bool:
    return bool(await Participation.exists().where(
        (Participation.round == round_id) & (Participation.person == person_id)
    ).run())


async def open_for(intranet: Any, user: PersonInfo, limit: int = 20) -> list[dict[str, Any]]:
    """Rounds open now of surveys for this person, those not yet answered first (three queries)."""
    keys = await feed.audience_keys(intranet, user)
    if not keys:
        return []
    moment = now()
    rounds = await Round.select(
        Round.id, Round.survey, Round.number, Round.closes_at, Round.survey.title.as_alias("title"),
        Round.survey.anonymous.as_alias("anonymous"),
    ).where(
        (Round.opens_at <= moment) & (Round.closes_at > moment) & Round.closed_at.is_null()
        & Round.survey.is_in(SurveyAudience.select(SurveyAudience.survey).where(SurveyAudience.key.is_in(keys)))
    ).order_by(Round.closes_at).limit(limit).run()
    ids = [int(r["id"]) for r in rounds]
    answered = {int(r["round"]) for r in await Participation.select(Participation.round).where(
        (Participation.person == user.id) & Participation.round.is_in(ids)
    ).run()} if ids else set()
    items = [{**r, "answered": int(r["id"]) in answered} for r in rounds]
    return sorted(items, key=lambda r: (r["answered"], r["closes_at"]))


async def respondents(round_id: int) -> int:
    """How many people have answered a round."""
    return int(await Participation.count().where(Participation.round == round_id).run())


# --- answering ------------------------------------------------------------------------


async def answer(
    intranet: Any, survey: dict[str, Any], round_id: int, person_id: int, submission: service.Submission
) -> None:
    """Store a person's answer to a round: anonymously or with their name, as the survey says.

    :raises anonymous.RoundClosed: the round is not open.
    :raises anonymous.AlreadyAnswered: they have answered it.
    :raises ValueError: the submission is not a valid answer to its version.
    """
    version = await service.get_version(submission.version_id)
    if version is None or version.questionnaire != survey["questionnaire"]:
        raise ValueError("the answer is to another questionnaire")
    rows = service.stored_rows(intranet, version, submission)
    if survey["anonymous"]:
        released = await anonymous.store(intranet, round_id=round_id, version_id=version.id, rows=rows,
                                         person_id=person_id, k=k_of(intranet))
    else:
        unit = await service.primary_unit(person_id)
        async with intranet.db.transaction(write=True):
            await anonymous.lock_open_round(intranet, round_id)
            await anonymous.add_participation(intranet, round_id, person_id)
            inserted = await Response.insert(Response(
                version=version.id, person=person_id, context=context_of(round_id), unit=unit, submitted_at=now(),
            )).returning(Response.id).run()
            if rows:
                await Answer.insert(*[
                    Answer(response=int(inserted[0]["id"]), question=key, value=s.value, number=s.number,
                           text=s.text) for key, s in rows
                ]).run()
        released = True
    if released:
        await live.results_changed(intranet, int(survey["id"]), round_id)


# --- rounds: open, close, remind ---------------------------------------------------------


def in_site_language(intranet: Any, compose: Any) -> str:
    token = i18n.set_language(intranet.settings.site.default_language)
    try:
        return str(compose())
    finally:
        i18n.reset_language(token)


async def _plan_rounds(intranet: Any) -> None:
    """Add the rounds of pulses whose time has come (the unique (survey, number) index keeps them single)."""
    moment = now()
    pulses = await Survey.select(*SURVEY_COLUMNS).where(
        (Survey.repeat_weeks > 0) & Survey.stopped_at.is_null() & (Survey.opens_at <= moment)
    ).run()
    for survey in pulses:
        period = datetime.timedelta(weeks=int(survey["repeat_weeks"]))
        due = int((moment - survey["opens_at"]) / period) + 1
        last = await Round.select(Round.number).where(Round.survey == survey["id"]).order_by(
            Round.number, ascending=False
        ).first().run()
        start = int(last["number"]) + 1 if last else 1
        plan = msgspec.convert(survey, SurveyTiming, from_attributes=False, strict=False)
        for number in range(start, due + 1):
            opens, closes, reminder = round_times(plan, number)
            if closes <= moment:
                continue  # a round missed while nothing ran: not opened after the fact
            await Round.insert(Round(survey=survey["id"], number=number, opens_at=opens, closes_at=closes,
                                     reminder_at=reminder)).on_conflict(action="DO NOTHING").run()


class SurveyTiming(msgspec.Struct):
    opens_at: datetime.datetime
    round_days: int
    repeat_weeks: int
    reminder_days: int


async def _announce(intranet: Any, survey: dict[str, Any], round_row: dict[str, Any]) -> None:
    survey_id = int(survey["id"])
    keys = await audience_of(survey_id)
    url = f"/surveys/{survey_id}"
    closes = round_row["closes_at"]

    def title() -> str:
        return _("New survey: %(title)s") % {"title": survey["title"]}

    def text() -> str:
        return (_("Your answers are anonymous.") if survey["anonymous"]
                else _("Your answers are stored with your name.")) + " " + _("Open until %(date)s.") % {
            "date": i18n.format_date(closes.date(), "long")}

    if survey["announce"] and survey["created_by"] is not None:
        try:
            # The post is read by everyone: in the site's language.
            body = in_site_language(intranet, lambda: "\n\n".join([
                text(), "[" + _("Answer the survey") + f"]({url})",
            ]))
            post_id = await feed.create_post(intranet, author_id=int(survey["created_by"]), title=survey["title"],
                                             body=body, audience=keys, via="surveys")
            await Round.update({Round.post_id: post_id}).where(Round.id == round_row["id"]).run()
        except Exception as exc:  # the round is open; a failed post must not undo that
            log.error("survey %s: the announcement could not be posted (%s)", survey_id, type(exc).__name__)
    members = await feed.audience_member_ids(intranet, keys)
    if members:
        await notifications.notify(intranet, recipients=sorted(members), kind="surveys.opened", title=title,
                                   url=url, text=text, actor_id=None)


async def _remind(intranet: Any, survey: dict[str, Any], round_row: dict[str, Any]) -> int:
    """Notify the audience members who have not answered the round; returns how many."""
    survey_id = int(survey["id"])
    members = await feed.audience_member_ids(intranet, await audience_of(survey_id))
    answered = {int(r["person"]) for r in await Participation.select(Participation.person).where(
        Participation.round == round_row["id"]
    ).run()}
    waiting = sorted(members - answered)
    if not waiting:
        return 0
    closes = round_row["closes_at"]
    await notifications.notify(
        intranet, recipients=waiting, kind="surveys.reminder", url=f"/surveys/{survey_id}",
        title=lambda: _("Reminder: %(title)s") % {"title": survey["title"]},
        text=lambda: _("You have not answered yet. Open until %(date)s.") % {
            "date": i18n.format_date(closes.date(), "long")},
        actor_id=None,
    )
    return len(waiting)


async def run_rounds(intranet: Any) -> dict[str, int]:
    """Plan, open, close and remind whatever is due; safe to run in several processes at once.

    Each round is claimed by a compare-and-set ``UPDATE`` before anything is
    sent for it, so a second process finds nothing left to do. Returns how
    many rounds were opened, closed and reminded.
    """
    await _plan_rounds(intranet)
    moment = now()
    done = {"opened": 0, "closed": 0, "reminded": 0}
    opened = await Round.update({Round.opened_at: moment}).where(
        Round.opened_at.is_null() & (Round.opens_at <= moment) & (Round.closes_at > moment)
    ).returning(Round.id).run()
    for row in opened:
        round_row = await Round.select(*ROUND_COLUMNS).where(Round.id == row["id"]).first().run()
        survey = await get_survey(int(round_row["survey"])) if round_row else None
        if round_row and survey:
            await _announce(intranet, survey, round_row)
            done["opened"] += 1
    closed = await Round.update({Round.closed_at: moment}).where(
        Round.closed_at.is_null() & (Round.closes_at <= moment)
    ).returning(Round.id, Round.survey).run()
    for row in closed:
        done["closed"] += 1
        await live.results_changed(intranet, int(row["survey"]), int(row["id"]))
    reminders = await Round.update({Round.reminded_at: moment}).where(
        Round.reminded_at.is_null() & Round.reminder_at.is_not_null() & (Round.reminder_at <= moment)
        & (Round.closes_at > moment) & Round.opened_at.is_not_null() & Round.closed_at.is_null()
    ).returning(Round.id).run()
    for row in reminders:
        round_row = await Round.select(*ROUND_COLUMNS).where(Round.id == row["id"]).first().run()
        survey = await get_survey(int(round_row["survey"])) if round_row else None
        if round_row and survey:
            await _remind(intranet, survey, round_row)
            done["reminded"] += 1
    return done


async def released_count(round_id: int, anonymous_survey: bool) -> int:
    """Answers the results of a round rest on."""
    if anonymous_survey:
        return int(await AnonResponse.count().where(
            (AnonResponse.round == round_id) & (AnonResponse.released == True)  # noqa: E712
        ).run())
    return int(await Response.count().where(Response.context == context_of(round_id)).run())
