from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.people.tables import Membership, Person, Unit

APP_CONFIG = AppConfig(
    app_name="core_people",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Person, Unit, Membership],
    migration_dependencies=[],
)
