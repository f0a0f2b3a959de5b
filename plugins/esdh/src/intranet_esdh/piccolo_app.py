"""The plugin as a Piccolo app: its tables and where its migrations are."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_esdh.tables import Favourite, FrontPageEmbed, GroupEmbed, Reference, Shortcut, ShortcutAudience

APP_CONFIG = AppConfig(
    app_name="esdh",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Shortcut, ShortcutAudience, Favourite, Reference, FrontPageEmbed, GroupEmbed],
    # Favourites point to people.
    migration_dependencies=["intranet_core.people.piccolo_app"],
)
