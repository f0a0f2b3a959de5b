"""Create ``hello_visit``.

Written by hand in the shape ``piccolo migrations new hello --auto``
produces. Only operations SQLite can run: create a table, add columns.
The file name starts with the app name, so it cannot clash with another
app's migration.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod

ID = "2026-11-27T06:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The visitors' book of the hello plugin."


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="hello", description=DESCRIPTION)
    # No id column given: Piccolo adds "id" as a serial primary key.
    manager.add_table(class_name="HelloVisit", tablename="hello_visit", schema=None, columns=None)
    manager.add_column(
        table_class_name="HelloVisit",
        tablename="hello_visit",
        column_name="name",
        db_column_name="name",
        column_class_name="Varchar",
        column_class=Varchar,
        params={
            "length": 100,
            "default": "",
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": False,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    manager.add_column(
        table_class_name="HelloVisit",
        tablename="hello_visit",
        column_name="created_at",
        db_column_name="created_at",
        column_class_name="Timestamptz",
        column_class=Timestamptz,
        params={
            "default": TimestamptzNow(),
            "null": False,
            "primary_key": False,
            "unique": False,
            "index": True,
            "index_method": IndexMethod.btree,
            "choices": None,
            "db_column_name": None,
            "secret": False,
        },
        schema=None,
    )
    return manager
