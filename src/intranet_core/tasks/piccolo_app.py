from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.tasks.tables import TaskState

APP_CONFIG = AppConfig(
    app_name="core_tasks",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[TaskState],
    migration_dependencies=[],
)
