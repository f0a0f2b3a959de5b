"""The module Piccolo's ``engine_finder()`` reads (``PICCOLO_CONF``).

Piccolo's migration machinery looks the engine up through a module; this one
is filled in by :meth:`intranet_core.db.Database.bind` from the settings, so
there is no hand-written ``piccolo_conf.py`` to keep in step.
"""

from __future__ import annotations

from typing import Any

from piccolo.conf.apps import AppRegistry

DB: Any = None
APP_REGISTRY = AppRegistry(apps=[])
