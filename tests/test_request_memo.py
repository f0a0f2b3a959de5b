"""Answers remembered during a read-only request: only there, and only until the response starts."""

from __future__ import annotations

from collections.abc import AsyncIterator

from litestar import Litestar, get, post
from litestar.response import Stream
from litestar.testing import AsyncTestClient

from intranet_core import request_memo


@get("/answer")
async def answer() -> dict[str, bool]:
    calls = 0

    async def compute() -> int:
        nonlocal calls
        calls += 1
        return calls

    first, second = await request_memo.once("k", compute), await request_memo.once("k", compute)
    return {"active": request_memo.active(), "remembered": first == second == 1}


@post("/answer", status_code=200)
async def unsafe() -> dict[str, bool]:
    return {"active": request_memo.active()}


@get("/stream")
async def stream() -> Stream:
    before = request_memo.active()

    async def body() -> AsyncIterator[bytes]:
        # A streamed response runs long after it started: nothing is remembered any more.
        yield f"{before} {request_memo.active()}".encode()

    return Stream(body())


def _app() -> Litestar:
    return Litestar([answer, unsafe, stream], middleware=[request_memo.memo_middleware])


async def test_a_get_request_remembers_and_a_post_does_not() -> None:
    async with AsyncTestClient(_app()) as client:
        assert (await client.get("/answer")).json() == {"active": True, "remembered": True}
        assert (await client.post("/answer")).json() == {"active": False}


async def test_the_memo_closes_when_the_response_starts() -> None:
    async with AsyncTestClient(_app()) as client:
        assert (await client.get("/stream")).text == "True False"


async def test_nothing_is_remembered_outside_a_request() -> None:
    assert not request_memo.active()
    calls: list[int] = []

    async def compute() -> int:
        calls.append(1)
        return len(calls)

    assert await request_memo.once("k", compute) == 1
    assert await request_memo.once("k", compute) == 2
