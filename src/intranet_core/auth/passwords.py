"""Passwords: argon2id with OWASP's parameters, verified off the event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
MAX_LENGTH = 128
_COMMON_FILE = Path(__file__).parent / "common_passwords.txt"
_common: frozenset[str] | None = None

# Verified when no account matches, so a wrong address takes as long as a wrong password.
_DUMMY_HASH = HASHER.hash("not a real password, only for equal timing")


def hash_password(password: str) -> str:
    return HASHER.hash(password)


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(HASHER.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored or _DUMMY_HASH, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """True if ``password`` matches ``stored``; ``stored=None`` costs the same and is False."""
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    return HASHER.check_needs_rehash(stored)


def common_passwords() -> frozenset[str]:
    global _common
    if _common is None:
        _common = frozenset(
            line.strip().lower() for line in _COMMON_FILE.read_text(encoding="utf-8").splitlines() if line.strip()
        )
    return _common


def password_problem(password: str, min_length: int, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused (a message id to translate), or ``None``.

    Length and a list of common passwords only: no composition rules (ASVS).
    """
    if len(password) < min_length:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    lowered = password.lower()
    if lowered in common_passwords():
        return "common"
    if email and lowered in {email.lower(), email.split("@")[0].lower()}:
        return "personal"
    if name and lowered.replace(" ", "") == name.lower().replace(" ", ""):
        return "personal"
    return None
