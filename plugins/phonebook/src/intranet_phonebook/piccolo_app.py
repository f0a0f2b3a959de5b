"""The phonebook as a Piccolo app: its tables and where its migrations are."""

from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from intranet_phonebook.tables import Contact, ContactTerm, DirectoryLink, Profile, Skill, Term

APP_CONFIG = AppConfig(
    app_name="phonebook",
    migrations_folder_path=str(Path(__file__).parent / "migrations"),
    table_classes=[Profile, Skill, Term, Contact, ContactTerm, DirectoryLink],
    # Every table but the contacts points at the core's people; a profile's photo at an upload.
    migration_dependencies=["intranet_core.people.piccolo_app", "intranet_core.uploads.piccolo_app"],
)
