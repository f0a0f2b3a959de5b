"""Server-side sessions in the database, shared by every process.

Litestar's server-side sessions keep only an opaque id in the cookie. Here
the store keys are the sha256 of that id (a copy of the database holds no
usable session), the id changes at every sign-in, and each session also has
a ``user_session`` row so a person can list and end their own sessions and
deactivation can end all of them.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
import time
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.types import Empty, Message, ScopeSession

from intranet_core.auth.tables import UserSession
from intranet_core.settings import AuthSettings, Settings
from intranet_core.store.service import DatabaseStore
from intranet_core.store.tables import StoreEntry

SESSION_STORE = "sessions"
_NEW_ID = "intranet.new_session_id"
_LOADED = "intranet.loaded_session"


def session_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class HashedKeyStore(DatabaseStore):
    """A :class:`DatabaseStore` that keeps only a hash of each key."""

    def _id(self, key: str) -> str:
        return f"{self.namespace}:{session_hash(key)}"

    def with_namespace(self, namespace: str) -> HashedKeyStore:
        return HashedKeyStore(f"{self.namespace}/{namespace}")


class RotatingSessionBackend(ServerSideSessionBackend):
    """Litestar's backend, plus a fresh id when :func:`sign_in` asks for one."""

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        new_id = connection.scope.get(_NEW_ID)
        return str(new_id) if new_id else super().get_session_id(connection)

    async def load_from_connection(self, connection: ASGIConnection[Any, Any, Any, Any]) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope[_LOADED] = data.copy()  # type: ignore[literal-required]
        return data

    async def store_in_message(
        self, scope_session: ScopeSession, message: Message, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> None:
        rotating = bool(connection.scope.get(_NEW_ID))
        cookie = connection.cookies.get(self.config.key)
        has_cookie = bool(cookie) and cookie != "null"
        if rotating and has_cookie:
            await self.delete(str(cookie), store=self.config.get_store_from_app(connection.scope["app"]))
        if not rotating:
            if not scope_session:
                # Anonymous and nothing to keep: no row, no cookie. A stale
                # cookie (the session ended elsewhere) is cleared.
                if has_cookie:
                    await super().store_in_message(Empty, message, connection)
                return
            if scope_session == connection.scope.get(_LOADED):
                return  # unchanged: reading it already renewed its expiry
        await super().store_in_message(scope_session, message, connection)


@dataclass
class SessionConfig(ServerSideSessionConfig):
    _backend_class = RotatingSessionBackend


def session_config(settings: Settings) -> SessionConfig:
    return SessionConfig(
        # __Host-: only this host, only over https, path / (ASVS).
        key="__Host-intranet_session" if settings.https else "intranet_session",
        max_age=settings.auth.idle_timeout_minutes * 60,
        renew_on_access=True,
        secure=settings.https,
        httponly=True,
        samesite="lax",
        store=SESSION_STORE,
        exclude=["^/static/", "^/healthz$", "^/api/"],
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def sign_in(request: Any, person_id: int, *, method: str = "password") -> None:
    """Start a session for ``person_id`` on this response, with a new session id.

    Any session the browser had ends. Sign-in plugins (OpenID Connect, SAML)
    call this once they know who the person is.
    """
    old = request.cookies.get(_session_key(request))
    if old and old != "null":
        await UserSession.delete().where(UserSession.id == session_hash(old)).run()
    new_id = secrets.token_hex(32)
    request.scope[_NEW_ID] = new_id
    request.set_session({"person_id": person_id, "signed_in_at": time.time(), "method": method})
    from intranet_core.audit.service import client_ip, record

    await record("auth.sign_in", actor_id=person_id, target_type="person", target_id=person_id,
                 details={"method": method}, ip=client_ip(request))
    await UserSession.insert(
        UserSession(
            id=session_hash(new_id),
            person=person_id,
            created_at=_now(),
            last_seen_at=_now(),
            user_agent=request.headers.get("user-agent", "")[:300],
            ip=(request.client.host if request.client else "")[:64],
        )
    ).run()


def _session_key(request: Any) -> str:
    intranet = request.app.state.intranet
    return "__Host-intranet_session" if intranet.settings.https else "intranet_session"


def current_session_hash(request: Any) -> str | None:
    sid = request.cookies.get(_session_key(request))
    return session_hash(sid) if sid and sid != "null" else None


async def sign_out(request: Any) -> None:
    """End this browser's session on the server and in the cookie."""
    current = current_session_hash(request)
    if current:
        await UserSession.delete().where(UserSession.id == current).run()
    request.clear_session()


async def end_sessions(person_id: int, *, keep: str | None = None) -> int:
    """End every session of a person (except ``keep``, a session hash); returns how many."""
    rows = await UserSession.select(UserSession.id).where(UserSession.person == person_id).run()
    ids = [row["id"] for row in rows if row["id"] != keep]
    if not ids:
        return 0
    await StoreEntry.delete().where(StoreEntry.id.is_in([f"{SESSION_STORE}:{i}" for i in ids])).run()
    await UserSession.delete().where(UserSession.id.is_in(ids)).run()
    return len(ids)


async def end_session(person_id: int, session_id_hash: str) -> bool:
    """End one of a person's sessions by its listed id; False if it is not theirs."""
    rows = await UserSession.delete().where(
        (UserSession.id == session_id_hash) & (UserSession.person == person_id)
    ).returning(UserSession.id).run()
    if not rows:
        return False
    await StoreEntry.delete().where(StoreEntry.id == f"{SESSION_STORE}:{session_id_hash}").run()
    return True


def live_sessions(settings: AuthSettings) -> Any:
    """A condition matching sessions that have timed out neither idle nor absolutely.

    (Timed-out sessions are refused when used; their rows linger until then.)
    Last-seen is written at most once a minute, hence the minute of slack.
    """
    now = _now()
    return (UserSession.last_seen_at > now - datetime.timedelta(minutes=settings.idle_timeout_minutes + 1)) & (
        UserSession.created_at > now - datetime.timedelta(hours=settings.absolute_timeout_hours)
    )


async def touch(session_id_hash: str, last_seen: datetime.datetime | None) -> None:
    """Record use, at most once a minute per session (one write, not one per request)."""
    now = _now()
    if last_seen is None or (now - last_seen).total_seconds() > 60:
        await UserSession.update({UserSession.last_seen_at: now}).where(UserSession.id == session_id_hash).run()
