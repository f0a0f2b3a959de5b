"""The plugin as a Piccolo app: its tables and where its migrations are."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_onboarding.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="onboarding",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["intranet_core.people.piccolo_app", "intranet_core.uploads.piccolo_app"],
)
