"""The plugin as a Piccolo app: its tables and where its migrations are."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_hello.tables import HelloVisit

APP_CONFIG = AppConfig(
    app_name="hello",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[HelloVisit],
    # Apps whose migrations must run first, e.g. a table this one points to.
    migration_dependencies=[],
)
