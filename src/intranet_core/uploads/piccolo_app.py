from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.uploads.tables import Upload

APP_CONFIG = AppConfig(
    app_name="core_uploads",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Upload],
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
