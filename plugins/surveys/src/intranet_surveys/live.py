"""Results pages follow a survey live, through the core's live topics (``intranet_core.live.topics``).

An event says only which round's results changed: for an anonymous survey
that happens when a whole group of k answers is released (never per
answer), and when a round closes.
"""

from __future__ import annotations

from typing import Any

from intranet_core.live import topics


def topic(survey_id: int) -> str:
    return f"surveys.results:{survey_id}"


async def results_changed(intranet: Any, survey_id: int, round_id: int) -> None:
    await topics.publish(intranet, topic(survey_id), str(round_id))
