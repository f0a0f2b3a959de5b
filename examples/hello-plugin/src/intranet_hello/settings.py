"""The ``[plugins.hello]`` section of ``intranet.toml``.

    [plugins.hello]
    greeting = "Hej"

Every field has a default, so the section may be left out. ``forbid_unknown_fields``
turns a typo (``greting = ...``) into a clear start-up error instead of a
silently ignored line.
"""

from __future__ import annotations

import msgspec


class HelloSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    greeting: str = "Hello"
    """The heading of the /hello page, shown as written (not translated)."""
