"""Answers read once per request: a person's memberships and permissions.

A page asks the same questions several times (the feed asks for the
reader's units to choose the posts and again for the unit filter; the
navigation, the composer and the restore link each ask about a
permission). During a ``GET`` or ``HEAD`` request, which changes neither,
:func:`once` answers a repeated question from the first answer.

The memo lives only until the response starts: a streamed response (the
live feed) runs for minutes and must see memberships change, so from its
first byte on every question goes to the database again. Unsafe requests
(``POST`` …) have no memo at all: what they decide is always read fresh,
inside their transaction.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from litestar.types import ASGIApp, Message, Receive, Scope, Send

T = TypeVar("T")

_READ_ONLY = frozenset({"GET", "HEAD"})


class Memo:
    """The answers of one request; :meth:`close` forgets them and stops remembering."""

    __slots__ = ("answers", "open")

    def __init__(self) -> None:
        self.answers: dict[Hashable, Any] = {}
        self.open = True

    def close(self) -> None:
        self.open = False
        self.answers.clear()


_current: ContextVar[Memo | None] = ContextVar("intranet_request_memo", default=None)


def active() -> bool:
    """Whether answers are being remembered now (inside a read-only request, before its response)."""
    memo = _current.get()
    return memo is not None and memo.open


async def once(key: Hashable, compute: Callable[[], Awaitable[T]]) -> T:
    """``compute()``'s answer, computed once per read-only request for ``key``.

    The answer is shared by every caller: keep it immutable (a tuple, a
    frozenset).
    """
    memo = _current.get()
    if memo is None or not memo.open:
        return await compute()
    if key in memo.answers:
        return memo.answers[key]
    answer = await compute()
    if memo.open:
        memo.answers[key] = answer
    return answer


@contextmanager
def remembering() -> Iterator[Memo]:
    """Remember answers inside this block (what a read-only request does until it answers)."""
    memo = Memo()
    token = _current.set(memo)
    try:
        yield memo
    finally:
        memo.close()
        _current.reset(token)


def memo_middleware(app: ASGIApp) -> ASGIApp:
    """Give each ``GET``/``HEAD`` request a memo, closed when its response starts."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in _READ_ONLY:
            await app(scope, receive, send)
            return
        with remembering() as memo:

            async def sending(message: Message) -> None:
                if message["type"] == "http.response.start":
                    memo.close()
                await send(message)

            await app(scope, receive, sending)

    return middleware
