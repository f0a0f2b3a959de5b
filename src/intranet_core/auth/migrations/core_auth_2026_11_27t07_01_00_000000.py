"""Sessions, password reset tokens, sign-in failures and API tokens."""

from piccolo.columns import Boolean, DoublePrecision, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T07:01:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class UserSession(Table, tablename="user_session"):
    id = Varchar(length=64, primary_key=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    created_at = Timestamptz()
    last_seen_at = Timestamptz()
    user_agent = Varchar(length=300, default="")
    ip = Varchar(length=64, default="")


class PasswordResetToken(Table, tablename="password_reset_token"):
    token_hash = Varchar(length=64, unique=True)
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class SignInFailure(Table, tablename="sign_in_failure"):
    key = Varchar(length=300, index=True)
    at = DoublePrecision(index=True)


class ApiToken(Table, tablename="api_token"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    prefix = Varchar(length=12)
    read_only = Boolean(default=False)
    created_at = Timestamptz()
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


async def forwards():
    return tables_migration(ID, "core_auth", DESCRIPTION, [UserSession, PasswordResetToken, SignInFailure, ApiToken])
