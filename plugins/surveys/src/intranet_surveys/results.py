"""Results of a round: counts per question, breakdowns by unit, trends across a pulse's rounds, CSV.

Every figure of an anonymous survey rests on at least k respondents (``[plugins.surveys]
min_group_size``): a round's results appear once k answers are released; a
question's once k people answered it; a unit's cell once k people of that
unit answered. Cells below k are merged into "other units", and when that
would leave a single small cell that the total gives away, the next
smallest is merged too. Breakdowns of an anonymous round appear once it has
closed, so that figures watched over time cannot single out the answers
that moved them. Named surveys show everything.

Aggregation happens in the database: a few ``GROUP BY`` queries per round,
whatever the number of answers.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from intranet_core.feed import service as feed
from intranet_core.i18n import gettext as _
from intranet_core.people.tables import Unit
from intranet_surveys import service, surveys
from intranet_surveys.questionnaire import Question
from intranet_surveys.questions import QuestionType, Stored, question_types
from intranet_surveys.tables import AnonAnswer, Response

# Table names only (never input): the two places answers live.
_ANON = ("surveys_anon_answer", "surveys_anon_response")
_NAMED = ("surveys_answer", "surveys_response")


@dataclass
class Category:
    value: str
    label: str
    count: int
    share: float  # of the question's respondents, 0-1


@dataclass
class Cell:
    """A unit's figures for one question in a breakdown."""

    label: str
    respondents: int
    categories: list[Category]
    mean: float | None = None


@dataclass
class QuestionResult:
    question: Question
    kind: QuestionType
    respondents: int = 0
    shown: bool = False
    categories: list[Category] = field(default_factory=list)
    mean: float | None = None
    nps: int | None = None
    texts: list[str] = field(default_factory=list)
    breakdown: list[Cell] = field(default_factory=list)
    other_units: Cell | None = None

    @property
    def summary(self) -> str:
        return self.kind.summary


@dataclass
class RoundResults:
    survey: dict[str, Any]
    round: dict[str, Any]
    k: int
    respondents: int
    """Answers the results rest on (released ones, for an anonymous survey)."""
    answered: int
    """People who have answered (released or not)."""
    audience: int
    shown: bool
    questions: list[QuestionResult]
    breakdowns: bool
    """Whether breakdowns by unit are shown (a closed anonymous round, or a named survey)."""

    @property
    def withheld(self) -> int:
        return max(0, self.answered - self.respondents)


def _tables(anonymous: bool) -> tuple[str, str]:
    return _ANON if anonymous else _NAMED


def _where(anonymous: bool) -> str:
    """The rows of one round that count."""
    return "r.round = {} AND r.released = {}" if anonymous else "r.context = {}"


def _args(anonymous: bool, round_id: int) -> list[Any]:
    return [round_id, True] if anonymous else [surveys.context_of(round_id)]


async def _rows(sql: str, anonymous: bool, round_id: int) -> list[dict[str, Any]]:
    answers, responses = _tables(anonymous)
    query = sql.format(answers=answers, responses=responses, where=_where(anonymous))
    table = AnonAnswer if anonymous else Response
    return await table.raw(query, *_args(anonymous, round_id)).run()


def _nps(categories: list[Category], respondents: int) -> int | None:
    if not respondents:
        return None
    promoters = sum(c.count for c in categories if c.value in ("9", "10"))
    detractors = sum(c.count for c in categories if c.value.isdigit() and int(c.value) <= 6)
    return round(100 * (promoters - detractors) / respondents)


def _categories(kind: QuestionType, question: Question, counts: dict[str, int], respondents: int) -> list[Category]:
    known = kind.categories(question)
    if kind.summary == "date":
        months: dict[str, int] = {}
        for value, count in counts.items():
            months[value[:7]] = months.get(value[:7], 0) + count
        known = [(month, month) for month in sorted(months)]
        counts = months
    listed = {value for value, _label in known}
    extra = sorted(value for value in counts if value not in listed)
    return [
        Category(value=value, label=label, count=counts.get(value, 0),
                 share=(counts.get(value, 0) / respondents) if respondents else 0.0)
        for value, label in [*known, *[(v, v) for v in extra]]
    ]


def suppress(cells: list[Cell], k: int) -> tuple[list[Cell], int]:
    """The cells that may be shown, and how many respondents are in the rest ("other units").

    Cells under ``k`` go to the rest; while the rest is above 0 but under
    ``k`` (and so could be worked out from the total), the smallest shown
    cell goes too.
    """
    shown = sorted((c for c in cells if c.respondents >= k), key=lambda c: c.respondents)
    rest = sum(c.respondents for c in cells if c.respondents < k)
    while 0 < rest < k and shown:
        rest += shown.pop(0).respondents
    return sorted(shown, key=lambda c: c.label.casefold()), rest


async def round_results(intranet: Any, survey: dict[str, Any], round_row: dict[str, Any], *,
                        with_texts: bool = True) -> RoundResults:
    """Everything the results page shows for one round, held back where a figure rests on fewer than k people."""
    anonymous = bool(survey["anonymous"])
    round_id = int(round_row["id"])
    k = surveys.k_of(intranet)
    respondents = await surveys.released_count(round_id, anonymous)
    answered = await surveys.respondents(round_id)
    audience = await feed.audience_size(intranet, await surveys.audience_of(int(survey["id"])))
    shown = respondents >= k or (not anonymous and respondents > 0)
    closed = round_row["closed_at"] is not None or round_row["closes_at"] <= surveys.now()
    breakdowns = shown and (closed or not anonymous)
    questions = await _question_list(intranet, survey)
    results = RoundResults(survey=survey, round=round_row, k=k, respondents=respondents, answered=answered,
                           audience=audience, shown=shown, questions=[], breakdowns=breakdowns)
    if not shown:
        return results
    threshold = k if anonymous else 1
    per_question = {
        row["question"]: row for row in await _rows(
            "SELECT a.question AS question, COUNT(DISTINCT a.response) AS n, AVG(a.number) AS mean "
            "FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} GROUP BY a.question",
            anonymous, round_id,
        )
    }
    # One row per (answer, value): COUNT(*) counts the people who chose each value.
    counts: dict[str, dict[str, int]] = {}
    for row in await _rows(
        "SELECT a.question AS question, a.value AS value, COUNT(*) AS n "
        "FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} AND a.value IS NOT NULL "
        "GROUP BY a.question, a.value", anonymous, round_id,
    ):
        counts.setdefault(row["question"], {})[str(row["value"])] = int(row["n"])
    texts: dict[str, list[str]] = {}
    if with_texts:
        order = "a.id" if anonymous else "r.submitted_at, a.id"
        for row in await _rows(
            "SELECT a.question AS question, a.text AS text FROM {answers} a JOIN {responses} r "  # noqa: S608
            "ON r.id = a.response WHERE {where} AND a.text IS NOT NULL ORDER BY " + order, anonymous, round_id,
        ):
            texts.setdefault(row["question"], []).append(str(row["text"]))
    cells = await _breakdown(anonymous, round_id) if breakdowns else {}
    names = await _unit_names({unit for per_unit in cells.values() for unit in per_unit})
    for question, kind in questions:
        figures = per_question.get(question.key)
        n = int(figures["n"]) if figures else 0
        result = QuestionResult(question=question, kind=kind, respondents=n, shown=n >= threshold)
        if result.shown:
            result.categories = _categories(kind, question, counts.get(question.key, {}), n)
            result.mean = float(figures["mean"]) if figures and figures["mean"] is not None else None
            if kind.summary == "nps":
                result.nps = _nps(result.categories, n)
            result.texts = texts.get(question.key, [])
            if kind.summary != "text" and cells:
                unit_cells = []
                for unit, figures in cells.get(question.key, {}).items():
                    unit_cells.append(Cell(
                        label=names.get(unit, _("No unit")) if unit is not None else _("No unit"),
                        respondents=figures["n"], mean=figures["mean"],
                        categories=_categories(kind, question, figures["counts"], figures["n"]),
                    ))
                result.breakdown, rest = suppress(unit_cells, threshold)
                if rest:
                    result.other_units = Cell(label=_("Other units"), respondents=rest, categories=[])
        results.questions.append(result)
    return results


async def _breakdown(anonymous: bool, round_id: int) -> dict[str, dict[int | None, dict[str, Any]]]:
    """Per question, per unit: respondents, mean and counts (two queries)."""
    cells: dict[str, dict[int | None, dict[str, Any]]] = {}
    for row in await _rows(
        "SELECT a.question AS question, r.unit AS unit, COUNT(DISTINCT a.response) AS n, AVG(a.number) AS mean "
        "FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} GROUP BY a.question, r.unit",
        anonymous, round_id,
    ):
        cells.setdefault(row["question"], {})[row["unit"]] = {
            "n": int(row["n"]), "mean": float(row["mean"]) if row["mean"] is not None else None, "counts": {},
        }
    for row in await _rows(
        "SELECT a.question AS question, r.unit AS unit, a.value AS value, COUNT(*) AS n "
        "FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} AND a.value IS NOT NULL "
        "GROUP BY a.question, r.unit, a.value", anonymous, round_id,
    ):
        cell = cells.get(row["question"], {}).get(row["unit"])
        if cell is not None:
            cell["counts"][str(row["value"])] = int(row["n"])
    return cells


async def _unit_names(ids: set[int | None]) -> dict[int, str]:
    wanted = sorted(i for i in ids if i is not None)
    if not wanted:
        return {}
    return {int(r["id"]): r["name"] for r in await Unit.select(Unit.id, Unit.name).where(Unit.id.is_in(wanted)).run()}


async def _question_list(intranet: Any, survey: dict[str, Any]) -> list[tuple[Question, QuestionType]]:
    """The questionnaire's questions as its latest version asks them, then those only older versions had."""
    types = question_types(intranet)
    versions = await service.versions_of(int(survey["questionnaire"]))
    ordered: dict[str, Question] = {}
    for version in reversed(versions):
        for question in version.definition.questions():
            ordered.setdefault(question.key, question)
    return [(q, types[q.type]) for q in ordered.values() if q.type in types]


# --- trends across a pulse's rounds -------------------------------------------------------


@dataclass
class TrendPoint:
    round_number: int
    respondents: int
    value: float | None  # None: held back (fewer than k)


@dataclass
class Trend:
    question: Question
    measure: str  # "mean", "nps", "yes"
    points: list[TrendPoint]


async def trends(intranet: Any, survey: dict[str, Any]) -> list[Trend]:
    """Per scale, NPS and yes/no question, its figure in every round that has closed or opened (two queries)."""
    anonymous = bool(survey["anonymous"])
    rounds = await surveys.rounds_of(int(survey["id"]))
    if len(rounds) < 2:
        return []
    k = surveys.k_of(intranet) if anonymous else 1
    number_of = {int(r["id"]): int(r["number"]) for r in rounds}
    answers, responses = _tables(anonymous)
    ids = list(number_of)
    placeholders = ", ".join("{}" for _ in ids)
    args: list[Any]
    if anonymous:
        key, where, args = "r.round", f"r.round IN ({placeholders}) AND r.released = {{}}", [*ids, True]
    else:
        key, where, args = "r.context", f"r.context IN ({placeholders})", [surveys.context_of(i) for i in ids]
    table = AnonAnswer if anonymous else Response
    figures = await table.raw(
        f"SELECT {key} AS round, a.question AS question, COUNT(DISTINCT a.response) AS n, "  # noqa: S608
        f"AVG(a.number) AS mean FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} "
        f"GROUP BY {key}, a.question", *args,
    ).run()
    values = await table.raw(
        f"SELECT {key} AS round, a.question AS question, a.value AS value, COUNT(*) AS n "  # noqa: S608
        f"FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} AND a.value IS NOT NULL "
        f"GROUP BY {key}, a.question, a.value", *args,
    ).run()

    def round_id(value: Any) -> int:
        return int(str(value).rsplit(":", 1)[-1])

    per: dict[tuple[int, str], dict[str, Any]] = {}
    for row in figures:
        per[(round_id(row["round"]), row["question"])] = {"n": int(row["n"]), "mean": row["mean"], "counts": {}}
    for row in values:
        cell = per.get((round_id(row["round"]), row["question"]))
        if cell is not None:
            cell["counts"][str(row["value"])] = int(row["n"])
    found = []
    for question, kind in await _question_list(intranet, survey):
        measure = {"scale": "mean", "nps": "nps"}.get(kind.summary) or ("yes" if kind.name == "yesno" else "")
        if not measure:
            continue
        points = []
        for rid, number in sorted(number_of.items(), key=lambda item: item[1]):
            cell = per.get((rid, question.key))
            n = cell["n"] if cell else 0
            value: float | None = None
            if cell and n >= k:
                if measure == "mean" and cell["mean"] is not None:
                    value = round(float(cell["mean"]), 2)
                elif measure == "nps":
                    cats = [Category(v, v, c, 0.0) for v, c in cell["counts"].items()]
                    score = _nps(cats, n)
                    value = float(score) if score is not None else None
                elif measure == "yes":
                    value = round(100 * cell["counts"].get("yes", 0) / n, 1)
            points.append(TrendPoint(round_number=number, respondents=n, value=value))
        if any(p.value is not None for p in points):
            found.append(Trend(question=question, measure=measure, points=points))
    return found


# --- CSV -----------------------------------------------------------------------------------


def _cell(value: str) -> str:
    """A spreadsheet cell that is never read as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def csv_export(intranet: Any, survey: dict[str, Any], round_row: dict[str, Any]) -> str | None:
    """The round's answers, one row per answer; ``None`` when the results are held back.

    Anonymous: only released answers, in the order of their random ids, with
    no unit, day or anything else about the respondent. Named: with the
    person's name, e-mail and the time of the answer.
    """
    anonymous = bool(survey["anonymous"])
    round_id = int(round_row["id"])
    k = surveys.k_of(intranet)
    count = await surveys.released_count(round_id, anonymous)
    if (anonymous and count < k) or count == 0:
        return None
    questions = await _question_list(intranet, survey)
    if anonymous:
        heads = await AnonAnswer.raw(
            "SELECT r.id AS id FROM surveys_anon_response r WHERE r.round = {} AND r.released = {} ORDER BY r.id",
            round_id, True,
        ).run()
    else:
        heads = await Response.raw(
            "SELECT r.id AS id, p.name AS name, p.email AS email, r.submitted_at AS submitted_at "
            "FROM surveys_response r JOIN person p ON p.id = r.person WHERE r.context = {} "
            "ORDER BY r.submitted_at, r.id", surveys.context_of(round_id),
        ).run()
    rows = await _rows(
        "SELECT a.response AS response, a.question AS question, a.value AS value, a.number AS number, "
        "a.text AS text FROM {answers} a JOIN {responses} r ON r.id = a.response WHERE {where} ORDER BY a.id",
        anonymous, round_id,
    )
    by_response: dict[int, dict[str, list[Stored]]] = {}
    for row in rows:
        by_response.setdefault(int(row["response"]), {}).setdefault(row["question"], []).append(
            Stored(value=row["value"], number=row["number"], text=row["text"])
        )
    out = io.StringIO()
    writer = csv.writer(out)
    header = [] if anonymous else [_("Name"), _("E-mail"), _("Answered at (UTC)")]
    writer.writerow([_cell(h) for h in header + [q.label for q, _kind in questions]])
    for head in heads:
        answers_of = by_response.get(int(head["id"]), {})
        line = [] if anonymous else [head["name"], head["email"], head["submitted_at"].isoformat()]
        line += [kind.display(q, answers_of.get(q.key, [])) for q, kind in questions]
        writer.writerow([_cell(str(v)) for v in line])
    return out.getvalue()
