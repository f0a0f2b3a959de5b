"""A person's photo in the phonebook: an upload (the core keeps the file), shown on the profile and in search."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine.finder import engine_finder

ID = "2026-12-01T09:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="phonebook", description=DESCRIPTION)

    async def add_photo() -> None:
        # The engine of the database being migrated now: a table class kept in this module
        # would stay bound to the first database a process migrates.
        engine = engine_finder()
        assert engine is not None
        # A column added with a reference and no default: SQLite and PostgreSQL both allow it.
        await engine.run_ddl(
            "ALTER TABLE phonebook_profile ADD COLUMN photo INTEGER NULL REFERENCES upload (id) ON DELETE SET NULL"
        )
        await engine.run_ddl("CREATE INDEX phonebook_profile_photo ON phonebook_profile (photo)")

    manager.add_raw(add_photo)
    return manager
