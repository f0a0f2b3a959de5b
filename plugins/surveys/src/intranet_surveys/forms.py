"""Form fields a page accepts: anything else sent is refused (no mass assignment)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from litestar.exceptions import ClientException

CSRF_FIELD = "_csrf_token"


def refuse_unknown(form: Any, allowed: Iterable[str], patterns: Iterable[re.Pattern[str]] = ()) -> None:
    """Raise 400 for a field the form does not have."""
    known = set(allowed) | {CSRF_FIELD}
    checks = list(patterns)
    for name in form:
        if name not in known and not any(p.match(name) for p in checks):
            raise ClientException(f"unknown field: {name[:40]}")
