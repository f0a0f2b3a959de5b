from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_core.auth.tables import ApiToken, PasswordResetToken, SignInFailure, UserSession

APP_CONFIG = AppConfig(
    app_name="core_auth",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[UserSession, PasswordResetToken, SignInFailure, ApiToken],
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
