"""``DatabaseStore``: Litestar's ``Store`` protocol over the ``intranet_store`` table."""

from __future__ import annotations

import time
from datetime import timedelta

from litestar.stores.base import NamespacedStore

from intranet_core.store.tables import StoreEntry

RENEW_SLACK_SECONDS = 300


class DatabaseStore(NamespacedStore):
    """A namespaced key-value store with expiry, in the site's database."""

    __slots__ = ("namespace",)

    def __init__(self, namespace: str = "default") -> None:
        self.namespace = namespace

    def with_namespace(self, namespace: str) -> DatabaseStore:
        return DatabaseStore(f"{self.namespace}/{namespace}")

    def _id(self, key: str) -> str:
        return f"{self.namespace}:{key}"

    @staticmethod
    def _seconds(value: int | timedelta | None) -> float | None:
        if value is None:
            return None
        return value.total_seconds() if isinstance(value, timedelta) else float(value)

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        data = value.encode() if isinstance(value, str) else value
        seconds = self._seconds(expires_in)
        expires_at = time.time() + seconds if seconds is not None else None
        await StoreEntry.insert(StoreEntry(id=self._id(key), value=data, expires_at=expires_at)).on_conflict(
            target=StoreEntry.id,
            action="DO UPDATE",
            values=[StoreEntry.value, StoreEntry.expires_at],
        ).run()

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        now = time.time()
        row = (
            await StoreEntry.select(StoreEntry.value, StoreEntry.expires_at)
            .where(StoreEntry.id == self._id(key))
            .first()
            .run()
        )
        if row is None:
            return None
        if row["expires_at"] is not None and row["expires_at"] <= now:
            await self.delete(key)
            return None
        seconds = self._seconds(renew_for)
        # Renewing on every read would make every page view a write; a few minutes' slack
        # (a tenth of the lifetime when shorter) costs nothing noticeable in lifetime.
        slack = min(RENEW_SLACK_SECONDS, seconds / 10) if seconds is not None else 0
        if seconds is not None and row["expires_at"] is not None and row["expires_at"] < now + seconds - slack:
            await StoreEntry.update({StoreEntry.expires_at: now + seconds}).where(
                StoreEntry.id == self._id(key)
            ).run()
        return bytes(row["value"])

    async def delete(self, key: str) -> None:
        await StoreEntry.delete().where(StoreEntry.id == self._id(key)).run()

    async def delete_all(self) -> None:
        # A range over the primary key, so no LIKE-escaping of the namespace.
        prefix = f"{self.namespace}:"
        await StoreEntry.delete().where(
            (StoreEntry.id >= prefix) & (StoreEntry.id < f"{self.namespace};")
        ).run()

    async def delete_expired(self) -> int:
        """Remove expired entries of every namespace; returns how many."""
        rows = await StoreEntry.delete().where(StoreEntry.expires_at <= time.time()).returning(StoreEntry.id).run()
        return len(rows)

    async def exists(self, key: str) -> bool:
        return await self.get(key) is not None

    async def expires_in(self, key: str) -> int | None:
        row = (
            await StoreEntry.select(StoreEntry.expires_at).where(StoreEntry.id == self._id(key)).first().run()
        )
        if row is None or row["expires_at"] is None:
            return None
        return max(0, int(row["expires_at"] - time.time()))
