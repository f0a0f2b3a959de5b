"""Outbound requests reach each source's own base URL and nothing else.

Where the guard must refuse a private address, the network backend beneath
it is replaced by one that records connection attempts instead of making
them: if the guard failed, the test fails without a packet leaving for an
address that is not ours. Loopback cases use a real listener on this
machine and count the connections it accepted.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpcore
import httpx
import pytest
from esdh_servers import ODataServer
from intranet_esdh.connectors import SourceError
from intranet_esdh.outbound import (
    GuardedBackend,
    Outbound,
    OutboundRefused,
    SourcePolicy,
    base_url,
    is_public,
    literal_address,
    parse_networks,
)

PRIVATE_HOSTS = [
    "127.0.0.1", "127.8.9.10", "[::1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "169.254.169.254",
    "10.0.0.1", "172.16.0.1", "172.31.255.254", "192.168.1.1", "100.64.0.1", "0.0.0.0", "[::]",  # noqa: S104 - refused, never bound
    "2130706433", "0x7f.1", "0x7f000001", "127.1", "017700000001", "[fe80::1]", "[fc00::1]", "[fd12:3456::1]",
    "[64:ff9b::7f00:1]", "[2002:7f00:1::]", "[2001::7f00:1]", "224.0.0.1", "[ff02::1]", "255.255.255.255",
    "localhost", "LOCALHOST.", "ip6-localhost",
]


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """Stands where the real backend connects: records what it was asked and connects only to ``through``."""

    def __init__(self, inner: Any, through: set[tuple[str, int]]) -> None:
        self.attempts: list[tuple[str, int]] = []
        self.inner = inner
        self.through = through

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109
                          local_address: str | None = None, socket_options: Any = None) -> Any:
        if (host, port) in self.through:
            return await self.inner.connect_tcp(host, port, timeout=timeout, local_address=local_address,
                                                socket_options=socket_options)
        self.attempts.append((host, port))
        raise httpcore.ConnectError("recording only")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded(outbound: Outbound, through: set[tuple[str, int]] | None = None) -> tuple[GuardedBackend, RecordingBackend]:
    pool = outbound.client._transport._pool  # type: ignore[attr-defined]
    backend = pool._network_backend
    assert isinstance(backend, GuardedBackend)
    recorder = RecordingBackend(backend.inner, through or set())
    backend.inner = recorder  # type: ignore[assignment]
    return backend, recorder


@pytest.fixture
async def outbound() -> AsyncIterator[Outbound]:
    client = Outbound()
    yield client
    await client.aclose()


def add_source(outbound: Outbound, url: str, allow: list[str] | None = None, name: str = "src") -> httpx.URL:
    base = base_url(url, "base_url")
    outbound.policy.add(SourcePolicy(name, [base], parse_networks(allow or [], "allow_addresses")))
    return base


@pytest.fixture
def listener() -> Iterator[tuple[int, list[int]]]:
    """A real TCP listener on loopback counting the connections it accepts."""
    accepted: list[int] = []
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                connection, _address = server.accept()
            except OSError:
                continue
            accepted.append(1)
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield server.getsockname()[1], accepted
    stop.set()
    thread.join()
    server.close()


# --- addresses ---------------------------------------------------------------------------------


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
async def test_a_source_at_a_private_address_is_refused_unless_named(host: str, outbound: Outbound) -> None:
    add_source(outbound, f"http://{host}/odata/")
    _backend, recorder = guarded(outbound)
    # Refused; or, for a name this machine cannot resolve ("ip6-localhost"), not reached either.
    with pytest.raises((OutboundRefused, SourceError)) as raised:
        await outbound.request("src", "GET", f"http://{host}/odata/Records")
    if literal_address(host) is not None or host == "localhost":
        assert isinstance(raised.value, OutboundRefused)
    assert recorder.attempts == []


def test_every_spelling_of_a_private_address_is_read_as_that_address() -> None:
    for host in PRIVATE_HOSTS:
        address = literal_address(host)
        if address is not None:
            assert not is_public(address), host
    assert str(literal_address("2130706433")) == "127.0.0.1"
    assert str(literal_address("0177.0.0.1")) == "127.0.0.1"
    assert str(literal_address("0x7f.1")) == "127.0.0.1"
    assert literal_address("workzone.example.org") is None
    assert is_public(literal_address("93.184.215.14"))  # type: ignore[arg-type]
    assert is_public(literal_address("[2606:4700::1111]"))  # type: ignore[arg-type]


def test_an_octal_address_is_not_a_base_url() -> None:
    with pytest.raises(ValueError, match="base_url"):
        base_url("http://0177.0.0.1/odata/", "base_url")


async def test_loopback_named_by_the_source_is_reached_and_nothing_else(
    listener: tuple[int, list[int]], outbound: Outbound
) -> None:
    port, accepted = listener
    add_source(outbound, f"http://127.0.0.1:{port}/dav/", allow=["127.0.0.1"])
    with pytest.raises(SourceError):  # the listener hangs up: but it was reached
        await outbound.request("src", "GET", f"http://127.0.0.1:{port}/dav/x")
    assert len(accepted) == 1
    # The same address in other spellings, or through a name, is not what was named for this source.
    for url in (f"http://localhost:{port}/dav/x", f"http://2130706433:{port}/dav/x", f"http://[::1]:{port}/dav/x",
                f"http://[::ffff:127.0.0.1]:{port}/dav/x"):
        with pytest.raises(OutboundRefused):
            await outbound.request("src", "GET", url)
    assert len(accepted) == 1


async def test_a_name_resolving_to_loopback_is_refused_when_connecting(
    listener: tuple[int, list[int]], outbound: Outbound
) -> None:
    port, accepted = listener
    add_source(outbound, f"http://localhost:{port}/dav/")
    with pytest.raises(OutboundRefused, match="resolves to"):
        await outbound.request("src", "GET", f"http://localhost:{port}/dav/x")
    assert accepted == []
    # Naming loopback explicitly lets the same source through.
    allowed = Outbound()
    add_source(allowed, f"http://localhost:{port}/dav/", allow=["127.0.0.0/8", "::1"])
    try:
        with pytest.raises(SourceError):
            await allowed.request("src", "GET", f"http://localhost:{port}/dav/x")
    finally:
        await allowed.aclose()
    assert len(accepted) == 1


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://evil.example.org/odata/Records",
    "https://wz.example.org.evil.example/odata/Records",
    "https://wz.example.org:8443/odata/Records",
    "http://wz.example.org/odata/Records",
    "https://wz.example.org/admin",
    "https://wz.example.org/odata-other/Records",
    "https://wz.example.org/odata/../admin",
    "https://wz.example.org/odata/%2e%2e/admin",
    "https://wz.example.org/odata/%2E%2E%2Fadmin",
    "file:///etc/passwd",
    "ftp://wz.example.org/odata/Records",
    "gopher://wz.example.org/odata/Records",
    "https://169.254.169.254/latest/meta-data/",
])
async def test_urls_outside_the_base_url_are_refused(url: str, outbound: Outbound) -> None:
    add_source(outbound, "https://wz.example.org/odata/")
    _backend, recorder = guarded(outbound)
    with pytest.raises((OutboundRefused, SourceError)):
        await outbound.request("src", "GET", url)
    assert recorder.attempts == []


async def test_a_request_for_an_unknown_source_or_from_another_source_is_refused(outbound: Outbound) -> None:
    add_source(outbound, "https://wz.example.org/odata/", name="wz")
    add_source(outbound, "https://dav.example.org/dav/", name="dav")
    _backend, recorder = guarded(outbound)
    with pytest.raises(OutboundRefused):
        await outbound.request("nobody", "GET", "https://wz.example.org/odata/Records")
    with pytest.raises(OutboundRefused):
        await outbound.request("dav", "GET", "https://wz.example.org/odata/Records")
    # The client itself refuses a request that names no source (a bug elsewhere cannot go around the guard).
    with pytest.raises(OutboundRefused):
        await outbound.client.get("https://wz.example.org/odata/Records")
    assert recorder.attempts == []


@pytest.mark.parametrize("url", ["ftp://files.example.org/", "file:///srv/", "http://user:pw@files.example.org/",
                                 "https:///nohost", "javascript:alert(1)", "https://files.example.org/?q=1"])
def test_a_base_url_must_be_plain_http(url: str) -> None:
    with pytest.raises(ValueError):
        base_url(url, "base_url")


# --- redirects -----------------------------------------------------------------------------------


@pytest.fixture
async def odata_outbound(odata: ODataServer) -> AsyncIterator[tuple[ODataServer, Outbound]]:
    client = Outbound()
    add_source(client, odata.url, allow=["127.0.0.1"])
    yield odata, client
    await client.aclose()


async def test_a_redirect_within_the_base_url_is_followed(odata_outbound: tuple[ODataServer, Outbound]) -> None:
    server, client = odata_outbound
    status, _headers, _body = await client.request("src", "GET", f"{server.url}moved/Records")
    assert status == 401  # reached the moved address (which wants a token)
    assert [r["path"] for r in server.state.requests] == ["/odata/moved/Records", "/odata/Records"]


@pytest.mark.parametrize("target", [
    "http://localhost:{port}/odata/Records", "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:{port}/token", "http://127.0.0.1:{port}/odata/../token", "file:///etc/passwd",
    "http://[::ffff:127.0.0.1]:{port}/odata/Records", "http://2130706433:{port}/odata/Records",
    "http://10.0.0.1/odata/Records", "//evil.example.org/odata/Records",
])
async def test_a_redirect_elsewhere_is_refused(odata_outbound: tuple[ODataServer, Outbound], target: str) -> None:
    server, client = odata_outbound
    server.state.redirect_to = target.format(port=server.port)
    _backend, recorder = guarded(client, through={("127.0.0.1", server.port)})
    with pytest.raises(OutboundRefused):
        await client.request("src", "GET", f"{server.url}Records")
    assert recorder.attempts == []
    assert [r["path"] for r in server.state.requests] == ["/odata/Records"]


async def test_endless_redirects_stop(odata_outbound: tuple[ODataServer, Outbound]) -> None:
    server, client = odata_outbound
    server.state.redirect_to = f"{server.url}Records"
    with pytest.raises(SourceError, match="redirects"):
        await client.request("src", "GET", f"{server.url}Records")


async def test_proxies_from_the_environment_are_not_used(
    odata_outbound: tuple[ODataServer, Outbound], monkeypatch: pytest.MonkeyPatch
) -> None:
    server, client = odata_outbound
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("ALL_PROXY", "http://127.0.0.1:9")
    status, _headers, _body = await client.request("src", "GET", f"{server.url}Records")
    assert status == 401


async def test_an_answer_larger_than_the_limit_is_refused(odata_outbound: tuple[ODataServer, Outbound]) -> None:
    server, client = odata_outbound
    with pytest.raises(SourceError, match="larger than"):
        await client.request("src", "GET", f"{server.url}Records", max_bytes=10)
