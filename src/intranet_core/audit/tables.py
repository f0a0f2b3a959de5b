from __future__ import annotations

from piccolo.columns import Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table


class AuditEntry(Table, tablename="audit_entry"):
    id: Serial
    at = Timestamptz(index=True)
    # Plain ids, not foreign keys: the log outlives what it speaks of.
    actor_id = Integer(null=True, default=None, index=True)
    action = Varchar(length=100, index=True)
    target_type = Varchar(length=50, default="")
    target_id = Varchar(length=100, default="", index=True)
    # JSON; never secrets.
    details = Text(default="{}")
    ip = Varchar(length=64, default="")
