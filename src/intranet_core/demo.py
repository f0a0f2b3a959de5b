"""Demo data: each enabled plugin loads its part through ``load_demo_data``."""

from __future__ import annotations

import json
from typing import Any

from intranet_core.plugins import gather
from intranet_core.store.service import DatabaseStore

_MARKER = DatabaseStore("demo")


async def loaded_lines(intranet: Any) -> list[str] | None:
    """The lines printed when the demo was loaded, or ``None`` if it never was."""
    data = await _MARKER.get("loaded")
    return None if data is None else list(json.loads(data))


async def load_demo(intranet: Any) -> list[str]:
    """Call every plugin's ``load_demo_data``, core plugins first; returns lines to print."""
    lines: list[str] = []
    for impl in intranet.hook.load_demo_data.get_hookimpls():
        result = await gather([impl.function(**{name: intranet for name in impl.argnames})])
        lines.extend(str(line) for line in result)
    await _MARKER.set("loaded", json.dumps(lines).encode())
    await intranet.db.analyze()
    return lines
