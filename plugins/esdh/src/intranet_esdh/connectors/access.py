"""Who may read what in a source whose account sees everything (WebDAV, a file share).

Such a source is read with one service account, so the intranet decides who
may read an item, from the source's settings: ``readers`` (audience keys
for the whole source, ``["all"]`` unless set) and ``access`` rules, each a
path and the audience keys that may read below it. The rule with the longest
path that contains the item wins; keys are ``all``, ``unit:<id>`` (that unit
and the units below it), ``role:<name>`` (whoever holds the role) and the
keys plugins add (``group:<id>``)::

    [plugins.esdh.sources.docs]
    type = "webdav"
    readers = ["all"]
    access = [
      { path = "/Ledelse", readers = ["role:admin", "unit:1"] },
      { path = "/HR", readers = ["role:hr"] },
    ]
"""

from __future__ import annotations

import re

import msgspec

KEY = re.compile(
    r"^(?:all|(?:unit|group):[0-9]{1,12}|role:[A-Za-z0-9_.-]{1,100}|[a-z][a-z0-9_-]{0,30}:[A-Za-z0-9_.-]{1,100})$"
)


class AccessRule(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    path: str
    """A folder, from the source's root: ``/Ledelse``."""
    readers: list[str]
    """Audience keys that may read the folder and everything below it (none: nobody)."""

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            raise ValueError(f"path: expected a path starting with /, got {self.path!r}")
        check_keys(self.readers)


def check_keys(keys: list[str]) -> None:
    for key in keys:
        if not KEY.match(key):
            raise ValueError(f"readers: expected audience keys such as all, unit:3 or role:editor, got {key!r}")


def normalised(path: str) -> str:
    parts = [part for part in path.split("/") if part]
    return "/" + "/".join(parts)


def readers_of(path: str, readers: list[str], rules: list[AccessRule]) -> list[str]:
    """The audience keys that may read ``path``: the closest rule's, or the source's."""
    path = normalised(path)
    best: AccessRule | None = None
    for rule in rules:
        folder = normalised(rule.path)
        inside = folder == "/" or path == folder or path.startswith(folder + "/")
        if inside and (best is None or len(folder) > len(normalised(best.path))):
            best = rule
    return best.readers if best is not None else readers


def may_read(path: str, keys: tuple[str, ...], readers: list[str], rules: list[AccessRule]) -> bool:
    allowed = readers_of(path, readers, rules)
    return any(key in keys for key in allowed)
