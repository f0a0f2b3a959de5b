"""A person's data in the surveys plugin: what is exported, and what goes when they are erased.

Named answers (surveys with names, other plugins' questionnaires) are the
person's and are exported and deleted with them. Anonymous answers hold
nothing about anyone, so there is nothing of theirs to export or delete;
only the fact that they took part in a round (``surveys_participation``) is
theirs, and it goes too.
"""

from __future__ import annotations

from typing import Any

from intranet_core.people.models import PersonInfo
from intranet_surveys import service
from intranet_surveys.questions import question_types
from intranet_surveys.tables import (
    Participation,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    Survey,
)


async def export(intranet: Any, person: PersonInfo) -> dict[str, Any] | None:
    responses = await Response.select(
        Response.id, Response.version, Response.person, Response.context, Response.submitted_at,
    ).where(Response.person == person.id).order_by(Response.submitted_at).run()
    stored = await service.with_answers(responses)
    versions = {v.id: v for v in [await service.get_version(vid) for vid in {r.version_id for r in stored}] if v}
    types = question_types(intranet)
    answers = []
    for response in stored:
        version = versions.get(response.version_id)
        items = {}
        for key, rows in response.answers.items():
            question = version.definition.question(key) if version else None
            kind = types.get(question.type) if question else None
            label = question.label if question else key
            items[label] = kind.display(question, rows) if kind and question else "; ".join(
                str(r.text or r.value or "") for r in rows)
        answers.append({
            "questionnaire": version.definition.title if version else "", "context": response.context,
            "submitted_at": response.submitted_at, "answers": items,
        })
    took_part = await Participation.raw(
        "SELECT s.title AS survey, r.number AS round, s.anonymous AS anonymous FROM surveys_participation p "
        "JOIN surveys_round r ON r.id = p.round JOIN surveys_survey s ON s.id = r.survey WHERE p.person = {} "
        "ORDER BY r.opens_at", person.id,
    ).run()
    created = await Survey.select(Survey.title, Survey.created_at).where(Survey.created_by == person.id).run()
    if not answers and not took_part and not created:
        return None
    return {
        "answers_with_name": answers,
        "took_part_in": [
            {"survey": row["survey"], "round": row["round"], "anonymous": bool(row["anonymous"])} for row in took_part
        ],
        "note": "Anonymous answers are stored without any reference to a person: none of them can be found "
                "or exported as yours.",
        "surveys_created": [{"title": row["title"], "created_at": row["created_at"]} for row in created],
    }


async def erase(intranet: Any, person: PersonInfo, mode: str) -> None:
    """Delete the person's named answers and participation; surveys they made stay, without them."""
    await Response.delete().where(Response.person == person.id).run()
    await Participation.delete().where(Participation.person == person.id).run()
    await Survey.update({Survey.created_by: None}).where(Survey.created_by == person.id).run()
    await Questionnaire.update({Questionnaire.created_by: None}).where(Questionnaire.created_by == person.id).run()
    await QuestionnaireVersion.update({QuestionnaireVersion.created_by: None}).where(
        QuestionnaireVersion.created_by == person.id
    ).run()
