from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.notifications.tables import Notification, NotificationDigest, NotificationPreference

APP_CONFIG = AppConfig(
    app_name="core_notifications",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Notification, NotificationPreference, NotificationDigest],
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
