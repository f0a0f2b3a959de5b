"""The hooks this plugin declares, for other plugins (added through ``register_hookspecs``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from intranet_core import hookspec

# mypy: disable-error-code="empty-body"

if TYPE_CHECKING:
    from intranet_core.app import Intranet
    from intranet_surveys.questions import QuestionType


@hookspec
def register_survey_question_types(app: Intranet) -> list[QuestionType]:
    """Add kinds of question to questionnaires (the builder, the forms, the results).

    :returns: instances of subclasses of
        :class:`intranet_surveys.questions.QuestionType`, each with a
        ``name`` of its own (a built-in name cannot be replaced) and a
        ``template`` in the plugin's template directory.
    Sync only. Called whenever the types are needed: keep it cheap.
    """
