"""Writing to the audit log: the one service the core and plugins use."""

from __future__ import annotations

import datetime
import json
from typing import Any

from intranet_core.audit.tables import AuditEntry

# Keys whose values never reach the log, whatever a caller passes.
_SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret", "session"})


def _clean(details: dict[str, Any]) -> dict[str, Any]:
    return {k: ("***" if k in _SECRET_KEYS else v) for k, v in details.items()}


async def record(
    action: str,
    *,
    actor_id: int | None,
    target_type: str = "",
    target_id: Any = "",
    details: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    """Add an entry: ``record("person.create", actor_id=1, target_type="person", target_id=7)``.

    ``action`` is namespaced like permissions (``auth.sign_in``,
    ``workgroups.member_add``). Times are UTC. Runs in the caller's
    transaction if there is one, so the entry commits with the change.
    """
    await AuditEntry.insert(
        AuditEntry(
            at=datetime.datetime.now(datetime.UTC),
            actor_id=actor_id,
            action=action,
            target_type=target_type,
            target_id=str(target_id),
            details=json.dumps(_clean(details or {}), default=str, ensure_ascii=False),
            ip=ip[:64],
        )
    ).run()


def client_ip(request: Any) -> str:
    client = getattr(request, "client", None)
    return client.host if client else ""
