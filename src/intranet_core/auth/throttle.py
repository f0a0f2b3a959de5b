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


async def record_failure(email: str, address: str) -> None:
    account, ip = _keys(email, address)
    now = time.time()
    await SignInFailure.insert(SignInFailure(key=account, at=now), SignInFailure(key=ip, at=now)).run()


async def clear_account(email: str) -> None:
    account, _ip = _keys(email, "")
    await SignInFailure.delete().where(SignInFailure.key == account).run()


async def forget_old(settings: AuthSettings) -> None:
    await SignInFailure.delete().where(SignInFailure.at < time.time() - settings.failure_window_minutes * 60).run()
