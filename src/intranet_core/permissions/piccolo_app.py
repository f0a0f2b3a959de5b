from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission

APP_CONFIG = AppConfig(
    app_name="core_permissions",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Role, RolePermission, RoleAssignment],
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
