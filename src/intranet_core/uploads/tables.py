from __future__ import annotations

from piccolo.columns import BigInt, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person


class Upload(Table, tablename="upload"):
    """One uploaded file: its name, its sniffed type and where its bytes are (by ``sha256``).

    Several rows may share a ``sha256`` (the same bytes uploaded twice):
    the bytes are stored once. Who may see an upload is decided by the
    table that refers to it (a post's attachment, a workgroup's file).
    """

    id: Serial
    sha256 = Varchar(length=64, index=True)
    filename = Varchar(length=255)
    content_type = Varchar(length=100)
    size = BigInt()
    # NULL once the uploader is erased and their uploads are kept.
    uploaded_by = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, index=True)
    created_at = Timestamptz(index=True)
