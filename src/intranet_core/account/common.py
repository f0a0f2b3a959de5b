"""Helpers the account pages share: headers, dates, devices, password messages."""

from __future__ import annotations

import datetime
import re
from typing import Any

from babel.dates import format_date, format_time

from intranet_core.i18n import current_language
from intranet_core.i18n import gettext as _

NO_STORE = {"Cache-Control": "no-store"}
"""Personal pages are never kept by browsers or proxies."""

# Most specific first: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS: tuple[tuple[str, str], ...] = (
    (r"Edg(e|A|iOS)?/", "Edge"),
    (r"OPR/|Opera", "Opera"),
    (r"SamsungBrowser/", "Samsung Internet"),
    (r"Firefox/|FxiOS/", "Firefox"),
    (r"Chrome/|CriOS/|Chromium/", "Chrome"),
    (r"Safari/", "Safari"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    (r"iPad", "iPadOS"),
    (r"iPhone|iPod", "iOS"),
    (r"Android", "Android"),
    (r"CrOS", "ChromeOS"),
    (r"Windows", "Windows"),
    (r"Macintosh|Mac OS X", "macOS"),
    (r"Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """A short, readable name for a browser's user agent: "Firefox on Windows"."""
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, user_agent)), None)
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, user_agent)), None)
    if browser and system:
        return _("%(browser)s on %(system)s") % {"browser": browser, "system": system}
    if browser or system:
        return browser or system or ""
    if user_agent.strip():
        # A program rather than a browser (curl, an app): its first word.
        return user_agent.strip().split()[0].split("/")[0][:40]
    return _("Unknown device")


def format_when(moment: datetime.datetime | None) -> str:
    """A date and time for people, in the reader's language (UTC, said so)."""
    if moment is None:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    moment = moment.astimezone(datetime.UTC)
    language = current_language()
    return f"{format_date(moment, 'medium', locale=language)} {format_time(moment, 'short', locale=language)} UTC"


def when(moment: datetime.datetime | None) -> dict[str, Any]:
    """What a ``<time>`` element needs: the machine-readable value and the text."""
    return {"iso": moment.isoformat() if moment else "", "text": format_when(moment)}


def password_message(problem: str, min_length: int) -> str:
    """The sentence for a refusal from :func:`intranet_core.auth.passwords.password_problem`."""
    if problem == "too_short":
        return _("The password must be at least %(count)d characters long.") % {"count": min_length}
    if problem == "too_long":
        return _("The password is too long.")
    if problem == "common":
        return _("That password is too common and easy to guess. Please choose another.")
    if problem == "personal":
        return _("The password must not be your e-mail address or your name.")
    if problem == "mismatch":
        return _("The two passwords are not the same.")
    return _("Please choose another password.")
