from __future__ import annotations

from piccolo.columns import Bytea, DoublePrecision, Varchar
from piccolo.table import Table


class StoreEntry(Table, tablename="intranet_store"):
    # "<namespace>:<key>"; one column keeps the primary key simple on both engines.
    id = Varchar(length=512, primary_key=True)
    value = Bytea()
    # Seconds since the epoch, or NULL for "never".
    expires_at = DoublePrecision(null=True, default=None, index=True)
