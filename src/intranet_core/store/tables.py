from __future__ import annotations

from piccolo.columns import Bytea, Real, Varchar
from piccolo.table import Table


class StoreEntry(Table, tablename="intranet_store"):
    # "<namespace>:<key>"; one column keeps the primary key simple on both engines.
    id = Varchar(length=512, primary_key=True)
    value = Bytea()
    # Seconds since the epoch, or NULL for "never".
    expires_at = Real(null=True, default=None, index=True)
