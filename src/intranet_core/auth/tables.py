from __future__ import annotations

from piccolo.columns import Boolean, DoublePrecision, ForeignKey, OnDelete, Serial, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person


class UserSession(Table, tablename="user_session"):
    # sha256 of the session id in the cookie; also the key in the session store.
    id = Varchar(length=64, primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    user_agent = Varchar(length=300, default="")
    ip = Varchar(length=64, default="")


class PasswordResetToken(Table, tablename="password_reset_token"):
    id: Serial
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SignInFailure(Table, tablename="sign_in_failure"):
    id: Serial
    # "account:<e-mail>" or "address:<ip>"; counted per window.
    key = Varchar(length=300, index=True)
    at = DoublePrecision(index=True)


class ApiToken(Table, tablename="api_token"):
    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    # The first characters, so a person can tell their tokens apart.
    prefix = Varchar(length=12)
    read_only = Boolean(default=False)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)
