"""Who is asking: a session cookie for pages, a bearer token for ``/api/``."""

from __future__ import annotations

import datetime
import hashlib
import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.middleware.authentication import AbstractAuthenticationMiddleware, AuthenticationResult

from intranet_core.auth.sessions import current_session_hash, end_session, touch
from intranet_core.auth.tables import ApiToken, UserSession
from intranet_core.people.models import PersonInfo
from intranet_core.people.tables import Person

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_PERSON_COLUMNS = [getattr(Person, name) for name in PersonInfo.__struct_fields__]
# Every page asks this, so it is written out once: building it with Piccolo's
# join cost 0.5-0.8 ms a request, more than running it.
# The names come from the table's definition; the values are parameters.
_SESSION_PERSON = (
    "SELECT s.last_seen_at AS last_seen_at, "  # noqa: S608
    + ", ".join(f"p.{c._meta.db_column_name} AS {c._meta.name}" for c in _PERSON_COLUMNS)
    + " FROM user_session s JOIN person p ON p.id = s.person WHERE s.id = {} AND p.active = {}"
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class AuthenticationMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        if connection.scope["path"].startswith("/api/"):
            return await self._from_token(connection)
        return await self._from_session(connection)

    async def _from_token(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return AuthenticationResult(user=None, auth=None)
        row = await ApiToken.select(
            ApiToken.id, ApiToken.read_only, ApiToken.last_used_at,
            *[getattr(ApiToken.person, c._meta.name) for c in _PERSON_COLUMNS],
        ).where(
            (ApiToken.token_hash == token_hash(token.strip()))
            & ApiToken.revoked_at.is_null()
            & (ApiToken.person.active == True)  # noqa: E712 - SQL, not Python
        ).output(nested=True).first().run()
        if row is None:
            raise NotAuthorizedException("invalid or revoked token")
        if row["read_only"] and connection.scope.get("method", "GET") not in SAFE_METHODS:
            raise PermissionDeniedException("this token is read-only")
        now = datetime.datetime.now(datetime.UTC)
        if row["last_used_at"] is None or (now - row["last_used_at"]).total_seconds() > 60:
            await ApiToken.update({ApiToken.last_used_at: now}).where(ApiToken.id == row["id"]).run()
        return AuthenticationResult(user=PersonInfo.from_row(row["person"]), auth={"token_id": row["id"]})

    async def _from_session(self, connection: ASGIConnection[Any, Any, Any, Any]) -> AuthenticationResult:
        session = connection.scope.get("session")
        if not isinstance(session, dict) or "person_id" not in session:
            return AuthenticationResult(user=None, auth=None)
        session_hash = current_session_hash(connection)
        if session_hash is None:
            return AuthenticationResult(user=None, auth=None)
        settings = connection.app.state.intranet.settings
        if time.time() - float(session.get("signed_in_at", 0)) > settings.auth.absolute_timeout_hours * 3600:
            # This session only: the person's other (younger) sessions go on.
            await end_session(int(session["person_id"]), session_hash)
            connection.scope["session"] = {}
            return AuthenticationResult(user=None, auth=None)
        rows = await UserSession.raw(_SESSION_PERSON, session_hash, True).run()
        if not rows:  # ended elsewhere, or the person was deactivated
            connection.scope["session"] = {}
            return AuthenticationResult(user=None, auth=None)
        row = rows[0]
        await touch(session_hash, row["last_seen_at"])
        return AuthenticationResult(user=PersonInfo.from_row(row), auth={"session": session_hash})
