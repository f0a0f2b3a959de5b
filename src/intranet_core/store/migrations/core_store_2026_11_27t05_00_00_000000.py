from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Bytea, DoublePrecision, Varchar

ID = "2026-11-27T05:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "The shared key-value store (sessions, rate limits)."


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="core_store", description=DESCRIPTION)
    manager.add_table(class_name="StoreEntry", tablename="intranet_store", schema=None, columns=None)
    manager.add_column(
        table_class_name="StoreEntry", tablename="intranet_store",
        column_name="id", db_column_name="id", column_class_name="Varchar", column_class=Varchar,
        params={"length": 512, "default": "", "null": False, "primary_key": True, "unique": False, "index": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="StoreEntry", tablename="intranet_store",
        column_name="value", db_column_name="value", column_class_name="Bytea", column_class=Bytea,
        params={"default": b"", "null": False, "primary_key": False, "unique": False, "index": False},
        schema=None,
    )
    manager.add_column(
        table_class_name="StoreEntry", tablename="intranet_store",
        column_name="expires_at", db_column_name="expires_at", column_class_name="DoublePrecision", column_class=DoublePrecision,
        params={"default": None, "null": True, "primary_key": False, "unique": False, "index": True},
        schema=None,
    )
    return manager
