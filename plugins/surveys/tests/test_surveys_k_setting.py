"""k comes from the settings: ``[plugins.surveys] min_group_size``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import intranet_surveys.plugin
import pytest
from intranet_surveys import results, surveys
from surveys_helpers import answer_round, make_people, make_survey, make_unit

from intranet_core.app import create_app
from intranet_core.errors import ConfigError
from intranet_core.testing import make_settings


@pytest.fixture
def surveys_settings() -> dict[str, Any]:
    return {"min_group_size": 3}


async def test_a_smaller_k_shows_results_sooner(intranet: Any) -> None:
    unit = await make_unit(intranet, "Bornholm")
    people = await make_people(intranet, 4, unit, prefix="born")
    survey_id, version = await make_survey(intranet, people[0], [f"unit:{unit}"])
    await answer_round(intranet, survey_id, people[:2], version)
    survey = await surveys.get_survey(survey_id)
    round_row = await surveys.open_round(survey_id)
    found = await results.round_results(intranet, survey, round_row)  # type: ignore[arg-type]
    assert found.k == 3 and not found.shown
    await answer_round(intranet, survey_id, people[2:3], version)
    found = await results.round_results(intranet, survey, round_row)  # type: ignore[arg-type]
    assert found.shown and found.respondents == 3


def test_k_below_two_is_refused(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", plugins={"surveys": {"min_group_size": 1}})
    with pytest.raises(ConfigError, match="min_group_size"):
        create_app(settings, plugins=[("surveys", intranet_surveys.plugin)])
