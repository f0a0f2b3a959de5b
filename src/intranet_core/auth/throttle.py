"""Throttling failed sign-ins per account and per address, across every process.

Failures are rows in the shared database, counted over a sliding window, so
the limit holds however many workers or hosts serve the site.
"""

from __future__ import annotations

import time

from intranet_core.auth.tables import SignInFailure
from intranet_core.settings import AuthSettings


def _keys(email: str, address: str) -> tuple[str, str]:
    return f"account:{email.strip().lower()[:250]}", f"address:{address[:64]}"


async def is_throttled(settings: AuthSettings, email: str, address: str) -> bool:
    account, ip = _keys(email, address)
    since = time.time() - settings.failure_window_minutes * 60
    account_failures = await SignInFailure.count().where(
        (SignInFailure.key == account) & (SignInFailure.at > since)
    ).run()
    if account_failures >= settings.max_failures_per_account:
        return True
    address_failures = await SignInFailure.count().where((SignInFailure.key == ip) & (SignInFailure.at > since)).run()
    return address_failures >= settings.max_failures_per_address


async def begin_attempt(settings: AuthSettings, email: str, address: str) -> list[int] | None:
    """Count an attempt *before* its password is checked; ``None`` if it is over a limit.

    The attempt is recorded as a failure first and the limits are checked
    after, counting it: of many attempts sent at once, only as many as the
    limit allow get their password checked (checking first and recording
    after let every parallel attempt through). Pass the result to
    :func:`attempt_succeeded` when the password was right; a wrong one
    leaves the failure recorded.
    """
    account, ip = _keys(email, address)
    now = time.time()
    rows = await SignInFailure.insert(SignInFailure(key=account, at=now), SignInFailure(key=ip, at=now)).returning(
        SignInFailure.id
    ).run()
    ids = [int(row["id"]) for row in rows]
    since = now - settings.failure_window_minutes * 60
    account_failures = await SignInFailure.count().where(
        (SignInFailure.key == account) & (SignInFailure.at > since)
    ).run()
    address_failures = await SignInFailure.count().where((SignInFailure.key == ip) & (SignInFailure.at > since)).run()
    if account_failures > settings.max_failures_per_account or address_failures > settings.max_failures_per_address:
        # A refused attempt does not count: the limit is not extended by asking again.
        await SignInFailure.delete().where(SignInFailure.id.is_in(ids)).run()
        return None
    return ids


async def attempt_succeeded(email: str, attempt: list[int]) -> None:
    """The password was right: forget the account's failures and this attempt."""
    await clear_account(email)
    if attempt:
        await SignInFailure.delete().where(SignInFailure.id.is_in(attempt)).run()


async def record_failure(email: str, address: str) -> None:
    account, ip = _keys(email, address)
    now = time.time()
    await SignInFailure.insert(SignInFailure(key=account, at=now), SignInFailure(key=ip, at=now)).run()


async def clear_account(email: str) -> None:
    account, _ip = _keys(email, "")
    await SignInFailure.delete().where(SignInFailure.key == account).run()


async def forget_old(settings: AuthSettings) -> None:
    await SignInFailure.delete().where(SignInFailure.at < time.time() - settings.failure_window_minutes * 60).run()
