"""The audit log."""

from piccolo.columns import Integer, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T07:03:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class AuditEntry(Table, tablename="audit_entry"):
    at = Timestamptz(index=True)
    actor_id = Integer(null=True, default=None, index=True)
    action = Varchar(length=100, index=True)
    target_type = Varchar(length=50, default="")
    target_id = Varchar(length=100, default="", index=True)
    details = Text(default="{}")
    ip = Varchar(length=64, default="")


async def forwards():
    return tables_migration(ID, "core_audit", DESCRIPTION, [AuditEntry])
