from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_surveys.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
