"""The ``[plugins.surveys]`` section of ``intranet.toml``.

    [plugins.surveys]
    min_group_size = 5

Every field has a default, so the section may be left out.
"""

from __future__ import annotations

import msgspec


class SurveysSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    min_group_size: int = 5
    """k: the fewest respondents any figure of an anonymous survey rests on (results, breakdowns, exports).
    Anonymous answers are also released to the results in groups of this size."""
    on_front_page: bool = True
    """Show "Open surveys for you" on the front page."""
    max_text_length: int = 5000
    """The longest free-text answer, in characters."""
    round_check_minutes: int = 5
    """How often rounds are opened and closed, and reminders sent (through the core's periodic tasks)."""

    def __post_init__(self) -> None:
        if self.min_group_size < 2:
            raise ValueError(f"min_group_size: expected at least 2, got {self.min_group_size}")
        if not 1 <= self.max_text_length <= 100_000:
            raise ValueError(f"max_text_length: expected 1 to 100000, got {self.max_text_length}")
        if self.round_check_minutes < 1:
            raise ValueError(f"round_check_minutes: expected at least 1, got {self.round_check_minutes}")
