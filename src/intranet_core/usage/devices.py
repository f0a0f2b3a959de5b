"""Which kind of device a page was opened on: ``phone``, ``tablet`` or ``desktop``, from the User-Agent.

Deliberately small: three classes are all the temperature shows, and no
browser, version or operating system is kept. Known limits: an iPad in its
default "desktop website" mode says it is a Mac (counted as ``desktop``),
and a phone asking for the desktop site is counted as ``desktop`` too.
"""

from __future__ import annotations

import re

PHONE = "phone"
TABLET = "tablet"
DESKTOP = "desktop"
DEVICES = (PHONE, TABLET, DESKTOP)

_TABLET = re.compile(
    r"iPad|Tablet|PlayBook|Kindle|Silk/|\bKF[A-Z]{2,4}\b|Nexus (?:7|9|10)\b|SM-[TPX]\d|Lenovo TB|"
    r"\bMediaPad\b|\bMatePad\b",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"iPhone|iPod|Windows Phone|IEMobile|BlackBerry|\bBB10\b|Opera Mini|Mobile|webOS|Symbian|KaiOS",
    re.IGNORECASE,
)
_TABLET_PC = re.compile(r"Tablet PC[ \d.]*", re.IGNORECASE)
_ANDROID = re.compile(r"Android", re.IGNORECASE)


def classify_device(user_agent: str | None, *, mobile_hint: str | None = None) -> str:
    """``phone``, ``tablet`` or ``desktop``.

    :param user_agent: the ``User-Agent`` header (absent or unknown: ``desktop``).
    :param mobile_hint: the ``Sec-CH-UA-Mobile`` header (``?1`` on phones),
        which Chromium browsers send even where the User-Agent is reduced.
    """
    # Old Windows desktops with Internet Explorer say "Tablet PC".
    agent = _TABLET_PC.sub("", (user_agent or "")[:512])
    if _TABLET.search(agent):
        return TABLET
    if _PHONE.search(agent):
        return PHONE
    if _ANDROID.search(agent):
        # Android without "Mobile" is a tablet (Chrome's and Firefox's own convention).
        return TABLET
    if (mobile_hint or "").strip() == "?1":
        return PHONE
    return DESKTOP
