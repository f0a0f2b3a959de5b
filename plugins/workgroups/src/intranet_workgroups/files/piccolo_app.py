from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_workgroups.files.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="workgroups_files",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["intranet_workgroups.groups.piccolo_app", "intranet_core.uploads.piccolo_app"],
)
