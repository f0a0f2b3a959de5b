from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.search.tables import SearchDocument

APP_CONFIG = AppConfig(
    app_name="core_search",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[SearchDocument],
    # The index's first fill reads people and posts.
    migration_dependencies=["intranet_core.people.piccolo_app", "intranet_core.feed.piccolo_app"],
)
