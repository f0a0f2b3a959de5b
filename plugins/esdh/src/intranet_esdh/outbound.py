"""Every request to a document source: one HTTP client, and a guard against SSRF.

A connector never opens a connection itself. It asks :class:`Outbound` for a
request *on behalf of its source*, and the request goes out only if:

- the scheme is ``http`` or ``https``;
- the URL lies under one of the source's own URLs (its base URL, and for
  OAuth its token URL): same scheme, host and port, and a path below the
  base path, with no ``..`` or encoded dots;
- every address the host resolves to is a public one, unless the source's
  ``allow_addresses`` names it. Loopback (``127.0.0.0/8``, ``::1``),
  private ranges, link-local (``169.254.0.0/16``, the cloud metadata
  address), carrier-grade NAT, multicast, reserved and unspecified
  addresses are refused, and so are IPv6 forms that wrap an IPv4 address
  (``::ffff:127.0.0.1``, 6to4, Teredo, NAT64). Decimal, octal and
  hexadecimal IPv4 spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``)
  are read as the addresses they are.

The address check sits where the connection is made (the HTTP client's
network backend): the address that was checked is the one connected to, so a
DNS answer that changes between check and connection (rebinding) gains
nothing. Redirects are followed by hand, each hop checked like the first;
one to another host or outside the base path is refused. Proxies from the
environment are ignored. Answers are read up to a size limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin

import httpcore
import httpx

from intranet_esdh.connectors import SourceError

logger = logging.getLogger(__name__)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_REDIRECTS = 3
MAX_ANSWER_BYTES = 5 * 1024 * 1024
USER_AGENT = "intranet-esdh"
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(SourceError):
    """A request the guard will not send (the message names the reason, never a secret)."""


def _legacy_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """``2130706433``, ``0177.0.0.1``, ``0x7f.1``, ``127.1``: what the C resolver reads as IPv4."""
    if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host) or not host[0].isdigit():
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))
    except (OSError, ValueError):
        return None


def literal_address(host: str) -> IPAddress | None:
    """The address a URL's host spells, in any spelling; ``None`` for a DNS name."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return _legacy_ipv4(host)


def unwrapped(address: IPAddress) -> IPAddress:
    """The IPv4 address inside an IPv6 one that carries it (mapped, 6to4, Teredo, NAT64)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address.sixtofour is not None:
            return address.sixtofour
        if address.teredo is not None:
            return address.teredo[1]
        if address in _NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def is_public(address: IPAddress) -> bool:
    """Whether the address is on the public internet (and nothing else it could also be)."""
    inner = unwrapped(address)
    for candidate in {address, inner}:
        if (not candidate.is_global or candidate.is_private or candidate.is_loopback or candidate.is_link_local
                or candidate.is_multicast or candidate.is_reserved or candidate.is_unspecified):
            return False
    return True


def parse_networks(values: Iterable[str], where: str) -> list[IPNetwork]:
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{where}: expected an address or network such as 127.0.0.1 or 10.0.0.0/8, "
                             f"got {value!r}") from None
    return networks


@dataclass(frozen=True)
class Origin:
    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, url: httpx.URL) -> Origin:
        port = url.port or (443 if url.scheme == "https" else 80)
        return cls(url.scheme, url.host.lower().rstrip("."), port)


@dataclass
class SourcePolicy:
    """Where one source may be reached: URL prefixes, and the non-public addresses it names."""

    name: str
    prefixes: list[httpx.URL] = field(default_factory=list)
    allow: list[IPNetwork] = field(default_factory=list)

    def allows_address(self, address: IPAddress) -> bool:
        if is_public(address):
            return True
        return any(address in network or unwrapped(address) in network for network in self.allow)


def base_url(value: str, where: str) -> httpx.URL:
    """A source's base URL, checked: ``http(s)``, a host, no user name or password, ending in ``/``."""
    try:
        url = httpx.URL(value)
    except httpx.InvalidURL:
        raise ValueError(f"{where}: expected an http:// or https:// URL, got {value!r}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError(f"{where}: expected an http:// or https:// URL, got {value!r}")
    if url.userinfo:
        raise ValueError(f"{where}: put no user name or password in the URL (use the source's settings)")
    if url.query or url.fragment:
        raise ValueError(f"{where}: expected a URL without ?query or #fragment")
    path = url.raw_path.decode("ascii")
    return url.copy_with(raw_path=(path if path.endswith("/") else path + "/").encode("ascii"))


def _under(url: httpx.URL, prefix: httpx.URL) -> bool:
    if Origin.of(url) != Origin.of(prefix):
        return False
    raw = url.raw_path.decode("ascii", "replace").split("?", 1)[0]
    if "%2e" in raw.lower() or ".." in unquote(raw).split("/"):
        return False
    base = prefix.raw_path.decode("ascii")
    return raw == base.rstrip("/") or raw.startswith(base)


class OutboundPolicy:
    """Every source's policy; shared by the guard in the transport and the one in the network backend."""

    def __init__(self) -> None:
        self.sources: dict[str, SourcePolicy] = {}

    def add(self, policy: SourcePolicy) -> None:
        self.sources[policy.name] = policy

    def check_url(self, source: str, url: httpx.URL) -> None:
        policy = self.sources.get(source)
        if policy is None:
            raise OutboundRefused(f"no source named {source!r}")
        if url.scheme not in ("http", "https"):
            raise OutboundRefused(f"source {source!r}: scheme {url.scheme!r} is not http or https")
        if not any(_under(url, prefix) for prefix in policy.prefixes):
            raise OutboundRefused(f"source {source!r}: {url.scheme}://{url.host} (path) is not under its base URL")
        address = literal_address(url.host)
        if address is not None and not policy.allows_address(address):
            raise OutboundRefused(f"source {source!r}: address {address} is not public and not allowed")

    def for_host(self, host: str, port: int) -> list[SourcePolicy]:
        """The sources that may reach this host and port."""
        host = host.lower().strip("[]").rstrip(".")
        found = []
        for policy in self.sources.values():
            for prefix in policy.prefixes:
                origin = Origin.of(prefix)
                if origin.host.strip("[]") == host and origin.port == port:
                    found.append(policy)
                    break
        return found


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses a source may reach: resolve, check, connect to the checked address."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        sources = self.policy.for_host(host, port)
        if not sources:
            raise OutboundRefused(f"{host}:{port} is no source's address")
        literal = literal_address(host)
        if literal is not None:
            addresses: list[IPAddress] = [literal]
        else:
            loop = asyncio.get_running_loop()
            try:
                infos = await asyncio.wait_for(
                    loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout=timeout
                )
            except (OSError, TimeoutError) as exc:
                raise httpcore.ConnectError(f"cannot resolve {host}: {type(exc).__name__}") from None
            addresses = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos))
        if not addresses:
            raise httpcore.ConnectError(f"{host} has no address")
        # Every address must be acceptable: a name that also resolves inside is refused whole.
        for address in addresses:
            if not any(source.allows_address(address) for source in sources):
                raise OutboundRefused(f"{host} resolves to {address}, which is not public and not allowed")
        return await self.inner.connect_tcp(
            str(addresses[0]), port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    async def connect_unix_socket(self, path: str, timeout: float | None = None,  # noqa: ASYNC109
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        raise OutboundRefused("unix sockets are not a source's address")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded network backend; refuses a URL no source may reach."""

    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__(trust_env=False)
        self.policy = policy
        # httpx builds its pool without a way to pass a network backend: rebuild it with ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(), max_connections=50, max_keepalive_connections=10,
            keepalive_expiry=30.0, http1=True, http2=False, network_backend=GuardedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        source = request.extensions.get("esdh_source")
        if not isinstance(source, str):
            raise OutboundRefused("a request without its source")
        self.policy.check_url(source, request.url)
        return await super().handle_async_request(request)


DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0, pool=5.0)


class Outbound:
    """The one HTTP client of the plugin. Every request names its source."""

    def __init__(self, policy: OutboundPolicy | None = None) -> None:
        self.policy = policy or OutboundPolicy()
        self._client: httpx.AsyncClient | None = None

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(
                transport=GuardedTransport(self.policy), timeout=DEFAULT_TIMEOUT, follow_redirects=False,
                trust_env=False, headers={"User-Agent": USER_AGENT},
            )
        return self._client

    async def aclose(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.aclose()

    @contextlib.asynccontextmanager
    async def stream(
        self, source: str, method: str, url: str | httpx.URL, *, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None, data: Mapping[str, str] | None = None,
        content: bytes | None = None, seconds: float | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A response whose body is not read yet; same-origin redirects followed, each hop checked."""
        target = httpx.URL(str(url), params=params) if params else httpx.URL(str(url))
        response: httpx.Response | None = None
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                self.policy.check_url(source, target)
                request = self.client.build_request(
                    method, target, headers=dict(headers or {}), data=data, content=content,
                    timeout=seconds if seconds is not None else httpx.USE_CLIENT_DEFAULT,
                    extensions={"esdh_source": source},
                )
                try:
                    response = await self.client.send(request, stream=True)
                except OutboundRefused:
                    raise
                except httpx.HTTPError as exc:
                    raise SourceError(f"source {source!r}: {type(exc).__name__}") from None
                if response.is_redirect and "location" in response.headers:
                    location = response.headers["location"]
                    await response.aclose()
                    response = None
                    try:
                        target = httpx.URL(urljoin(str(target), location))
                    except httpx.InvalidURL:
                        raise OutboundRefused(f"source {source!r}: a redirect to an invalid URL") from None
                    # Only GET and HEAD follow a redirect with the same request.
                    if method not in ("GET", "HEAD", "PROPFIND"):
                        raise OutboundRefused(f"source {source!r}: a redirect of {method}")
                    continue
                yield response
                return
            raise SourceError(f"source {source!r}: more than {MAX_REDIRECTS} redirects")
        finally:
            if response is not None:
                await response.aclose()

    async def request(
        self, source: str, method: str, url: str | httpx.URL, *, headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None, data: Mapping[str, str] | None = None,
        content: bytes | None = None, seconds: float | None = None, max_bytes: int = MAX_ANSWER_BYTES,
    ) -> tuple[int, Mapping[str, str], bytes]:
        """Send a request and read the answer (at most ``max_bytes``): status, headers, body."""
        async with self.stream(source, method, url, headers=headers, params=params, data=data, content=content,
                               seconds=seconds) as response:
            body = bytearray()
            try:
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > max_bytes:
                        raise SourceError(f"source {source!r}: an answer larger than {max_bytes} bytes")
            except httpx.HTTPError as exc:
                raise SourceError(f"source {source!r}: {type(exc).__name__} while reading") from None
            return response.status_code, response.headers, bytes(body)
