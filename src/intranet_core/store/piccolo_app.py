from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.store.tables import StoreEntry

APP_CONFIG = AppConfig(
    app_name="core_store",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[StoreEntry],
    migration_dependencies=[],
)
