"""The ``[plugins.onboarding]`` section of ``intranet.toml``.

    [plugins.onboarding]
    preboarding = true        # before the start date a new hire may sign in and see only their flow
    remind_days_before = 2    # remind the one who does a step this many days before it is due
    timezone = "Europe/Copenhagen"
"""

from __future__ import annotations

import zoneinfo

import msgspec


class OnboardingSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    preboarding: bool = True
    """Before their start date a new hire with a running flow may sign in, and sees only their flow."""
    remind_days_before: int = 2
    """A reminder goes to whoever does a step this many days before it is due (0: none before)."""
    reminder_check_minutes: int = 60
    """How often reminders are looked for (through the core's periodic tasks)."""
    timezone: str = "Europe/Copenhagen"
    """The time zone whose calendar days due dates are counted in."""

    def __post_init__(self) -> None:
        if not 0 <= self.remind_days_before <= 60:
            raise ValueError(f"remind_days_before: expected 0 to 60, got {self.remind_days_before}")
        if self.reminder_check_minutes < 1:
            raise ValueError(f"reminder_check_minutes: expected at least 1, got {self.reminder_check_minutes}")
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"timezone: expected a time zone such as 'Europe/Copenhagen', got {self.timezone!r}"
            ) from None
