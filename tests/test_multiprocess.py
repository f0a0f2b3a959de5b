"""Several processes, one site: three `intranet run` behind nginx, sharing one PostgreSQL.

The site is the large-organisation example as shipped: its ``intranet.toml``
(with the secrets and addresses given as ``INTRANET_*`` variables, as its
systemd units give them) and its ``nginx.conf`` (with loopback ports and a
throw-away certificate put in), run by Debian's nginx as an ordinary process
with every path of its own under the test's directory. The database is
migrated once by ``intranet migrate``, filled by the example's data
generator, and only then are the three processes started.

Each check talks to the processes directly as well as through nginx: a
request sent straight to a process carries the headers nginx would add
(``X-Forwarded-Proto: https``, ``X-Forwarded-For``), which the processes
trust from loopback (``[server] proxy_headers``). Cookies are kept by hand so
that one person's cookies can go to any process.

Runs on the PostgreSQL session (``INTRANET_TEST_DATABASE_URL``); skipped on
SQLite and where nginx or openssl is not installed (``.ci/run`` installs
both). Installed plugins are switched off: this is about the core's shared
state, not about any plugin.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import importlib.metadata
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from support import INTRANET, is_postgres

from intranet_core.testing import TEST_DATABASE_ENV, TEST_SECRET_KEY, csrf_token_of, free_port, reset_database

pytestmark = pytest.mark.multiprocess

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "large-organisation"
PROCESSES = 3
WAIT = 10.0
PASSWORD = "a password long enough for the test"
EDITOR = ("editor@example.org", "Eva Editor")
READER = ("ole@example.org", "Ole Olsen")
TARGET = ("tove@example.org", "Tove Throttled")
MAX_FAILURES = 10  # [auth] max_failures_per_account of the example


def _nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None)


def _skip_reason(url: str) -> str | None:
    if not is_postgres(url):
        return f"needs PostgreSQL ({TEST_DATABASE_ENV}): several processes share one database"
    if _nginx() is None:
        return "nginx is not installed (Debian: apt-get install nginx; .ci/run installs it)"
    if shutil.which("openssl") is None:
        return "openssl is not installed (it makes the test's TLS certificate)"
    return None


# --- the site ------------------------------------------------------------------------------


@dataclass
class Site:
    root: Path
    config: Path
    env: dict[str, str]
    ports: list[int]
    logs: list[Path]
    https: str
    started_at: datetime.datetime
    refused: subprocess.CompletedProcess[str]
    applied: list[str]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def backend(self, index: int) -> str:
        return f"http://127.0.0.1:{self.ports[index]}"

    def log_text(self, index: int) -> str:
        return self.logs[index].read_text(errors="replace")


def _cli(site_env: dict[str, str], *args: str, input: str | None = None, timeout: float = 120,
         program: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(program or [INTRANET]), *args], env=site_env, input=input, capture_output=True,
                          text=True, timeout=timeout, check=False)


def _wait_until_up(url: str, process: subprocess.Popen[bytes] | None, log: Path, *, verify: bool = True) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited with {process.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{url}/healthz", verify=verify, timeout=2).status_code == 200:
                return
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} did not answer:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)


def _stop(process: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def nginx_site_config(ports: list[int], http_port: int, https_port: int, certificate: Path, key: Path) -> str:
    """The example's nginx.conf with loopback ports and the test's certificate put in."""
    text = (EXAMPLE / "nginx.conf").read_text()
    replacements = {
        "    listen 80;\n": f"    listen 127.0.0.1:{http_port};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https_port} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/letsencrypt/live/intranet.example.org/fullchain.pem": str(certificate),
        "/etc/letsencrypt/live/intranet.example.org/privkey.pem": str(key),
    }
    for index in range(PROCESSES):
        replacements[f"server 127.0.0.1:{8001 + index} "] = f"server 127.0.0.1:{ports[index]} "
    for old, new in replacements.items():
        assert text.count(old) == 1, f"examples/large-organisation/nginx.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def nginx_main_config(root: Path, site_config: Path) -> str:
    """A whole nginx.conf around the site's: in the foreground, every path under ``root``."""
    # A master started as root runs its workers as `nobody`, who cannot enter the test's directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    return f"""\
{user}daemon off;
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/nginx-error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {root}/nginx-access.log;
    client_body_temp_path {root}/client_body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    include {site_config};
}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    url = os.environ.get(TEST_DATABASE_ENV, "")
    reason = _skip_reason(url)
    if reason:
        pytest.skip(reason)
    root = tmp_path_factory.mktemp("site")
    asyncio.run(reset_database(url))
    ports = [free_port() for _ in range(PROCESSES)]
    http_port, https_port = free_port(), free_port()
    installed = [ep.name for ep in importlib.metadata.entry_points(group="intranet")]
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    env.update({
        "INTRANET_CONFIG": str(EXAMPLE / "intranet.toml"),
        "INTRANET_SECRET_KEY": TEST_SECRET_KEY,
        "INTRANET_DATABASE_URL": url,
        "INTRANET_BASE_URL": f"https://127.0.0.1:{https_port}",
        "INTRANET_UPLOADS_DIRECTORY": str(root / "uploads"),
        "INTRANET_PLUGINS_DISABLED": ",".join(installed),
        "INTRANET_MAIL_HOST": "127.0.0.1",
        "INTRANET_MAIL_PORT": str(free_port()),
    })
    config = EXAMPLE / "intranet.toml"
    logs = [root / f"process-{index}.log" for index in range(PROCESSES)]

    # Before `intranet migrate`, a process refuses to start.
    refused = _cli(env, "run", "--port", str(ports[0]))
    migrated = _cli(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    applied = re.findall(r"^applied (\S+)$", migrated.stdout, re.MULTILINE)
    generated = _cli(env, "--people", "300", "--posts", "3000",
                     program=[sys.executable, str(EXAMPLE / "generate_data.py")])
    assert generated.returncode == 0, generated.stderr
    assert "filled 300 people" in generated.stdout, generated.stdout
    for (email, name), admin in ((EDITOR, True), (READER, False), (TARGET, False)):
        made = _cli(env, "createuser", "--email", email, "--name", name, "--password-stdin",
                    *(["--admin"] if admin else []), input=f"{PASSWORD}\n")
        assert made.returncode == 0, made.stderr

    started_at = datetime.datetime.now(datetime.UTC)
    made_site = Site(root, config, env, ports, logs, f"https://127.0.0.1:{https_port}", started_at, refused, applied)
    nginx: subprocess.Popen[bytes] | None = None
    try:
        for port, log in zip(ports, logs, strict=True):
            with log.open("wb") as output:
                made_site.processes.append(subprocess.Popen(
                    [INTRANET, "run", "--port", str(port)], env=env, stdout=output, stderr=subprocess.STDOUT,
                    start_new_session=True,
                ))
        for index, process in enumerate(made_site.processes):
            _wait_until_up(made_site.backend(index), process, logs[index])

        certificate, key = root / "tls.crt", root / "tls.key"
        openssl = subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
             "-keyout", str(key), "-out", str(certificate)], capture_output=True, timeout=60, check=False)
        assert openssl.returncode == 0, openssl.stderr
        site_config = root / "intranet-site.conf"
        site_config.write_text(nginx_site_config(ports, http_port, https_port, certificate, key))
        main_config = root / "nginx.conf"
        main_config.write_text(nginx_main_config(root, site_config))
        nginx_path = _nginx()
        assert nginx_path is not None
        with (root / "nginx.out").open("wb") as output:
            nginx = subprocess.Popen(
                [nginx_path, "-p", f"{root}/", "-c", str(main_config), "-e", str(root / "nginx-error.log")],
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        _wait_until_up(made_site.https, nginx, root / "nginx-error.log", verify=False)
        yield made_site
    finally:
        if nginx is not None:
            _stop(nginx, signal.SIGQUIT)
        for process in made_site.processes:
            _stop(process)


# --- a person's browser, with its cookies kept by hand ---------------------------------------


class Visitor:
    """One person's browser; its cookies go to whichever process or nginx it asks."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.cookies: dict[str, str] = {}
        self.client = httpx.AsyncClient(verify=False, timeout=WAIT, follow_redirects=False)

    async def close(self) -> None:
        await self.client.aclose()

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        # What nginx sends (the Host without its port, as nginx's $host); nginx replaces them with its own.
        headers = {"Host": "127.0.0.1", "X-Forwarded-Proto": "https", "X-Forwarded-For": self.address,
                   "Accept": "text/html,application/xhtml+xml,*/*;q=0.8", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        return headers

    def keep(self, response: httpx.Response) -> None:
        for cookie in response.cookies.jar:
            if cookie.value in ("", '""', "null") or (cookie.expires is not None and cookie.expires < time.time()):
                self.cookies.pop(cookie.name, None)
            else:
                self.cookies[cookie.name] = cookie.value or ""
        self.client.cookies.clear()

    async def get(self, base: str, path: str, **kwargs: Any) -> httpx.Response:
        response = await self.client.get(f"{base}{path}", headers=self.headers(kwargs.pop("headers", None)), **kwargs)
        self.keep(response)
        return response

    async def post(self, base: str, path: str, data: dict[str, Any], token_from: str) -> httpx.Response:
        page = await self.get(base, token_from)
        assert page.status_code == 200, (token_from, page.status_code)
        response = await self.client.post(f"{base}{path}", headers=self.headers(),
                                          data={**data, "_csrf_token": csrf_token_of(page.text)})
        self.keep(response)
        return response

    async def sign_in(self, base: str, email: str, password: str = PASSWORD) -> httpx.Response:
        return await self.post(base, "/signin", {"email": email, "password": password}, token_from="/signin")

    @contextlib.asynccontextmanager
    async def events(self, base: str) -> AsyncIterator[asyncio.Queue[int]]:
        """An open ``/feed/live`` stream; the ids of the posts it announces arrive in the queue."""
        queue: asyncio.Queue[int] = asyncio.Queue()
        subscribed = asyncio.Event()

        async def read(response: httpx.Response) -> None:
            async for line in response.aiter_lines():
                if line.startswith(":") and "live" in line:
                    subscribed.set()
                elif line.startswith("data:"):
                    await queue.put(int(line.partition(":")[2].strip()))

        headers = self.headers({"Accept": "text/event-stream"})
        async with self.client.stream("GET", f"{base}/feed/live", headers=headers, timeout=None) as response:
            assert response.status_code == 200, response.status_code
            reader = asyncio.create_task(read(response))
            try:
                await asyncio.wait_for(subscribed.wait(), WAIT)
                yield queue
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError, httpx.StreamError):
                    await reader


@contextlib.asynccontextmanager
async def visitor(address: str) -> AsyncIterator[Visitor]:
    one = Visitor(address)
    try:
        yield one
    finally:
        await one.close()


# --- what must hold ---------------------------------------------------------------------------


async def test_migrations_ran_once_before_the_processes_started(site: Site) -> None:
    assert site.refused.returncode == 1, site.refused.stderr
    assert "migration(s) pending" in site.refused.stderr and "Run `intranet migrate` first" in site.refused.stderr
    assert site.applied, "intranet migrate applied nothing"
    connection = await asyncpg.connect(site.env["INTRANET_DATABASE_URL"])
    try:
        rows = await connection.fetch("SELECT app_name, name, ran_on FROM migration")
    finally:
        await connection.close()
    recorded = [f"{row['app_name']}:{row['name']}" for row in rows]
    assert sorted(recorded) == sorted(site.applied), "every migration recorded exactly once, by `intranet migrate`"
    latest = max(row["ran_on"] for row in rows)
    started = site.started_at if latest.tzinfo else site.started_at.astimezone().replace(tzinfo=None)
    assert latest < started
    for index in range(PROCESSES):
        assert "applied" not in site.log_text(index)
    check = await asyncio.to_thread(_cli, site.env, "migrate", "--check")
    assert check.returncode == 0 and check.stdout.strip() == "No migrations pending."


async def test_a_session_started_through_one_process_works_on_the_others(site: Site) -> None:
    async with visitor("198.51.100.10") as ole:
        signed_in = await ole.sign_in(site.backend(0), READER[0])
        assert signed_in.status_code == 303, signed_in.text
        session = next(name for name in ole.cookies if "session" in name)
        assert session == "__Host-intranet_session"  # https, as nginx tells the processes
        for index in (1, 2):
            page = await ole.get(site.backend(index), "/")
            assert page.status_code == 200 and READER[1] in page.text, (index, page.status_code)

        # nginx hands requests round to every process, and each knows the session.
        before = [len(site.log_text(index)) for index in range(PROCESSES)]
        for n in range(2 * PROCESSES):
            page = await ole.get(site.https, f"/?probe={n}")
            assert page.status_code == 200 and READER[1] in page.text
        for index in range(PROCESSES):
            assert "GET /?probe=" in site.log_text(index)[before[index]:], f"process {index} served none of them"

        # Signed out through one process, the session is over everywhere, even for a copy of its cookie.
        kept = dict(ole.cookies)
        out = await ole.post(site.backend(2), "/signout", {}, token_from="/")
        assert out.status_code == 303
        ole.cookies = kept
        for base in (site.backend(0), site.backend(1), site.https):
            page = await ole.get(base, "/")
            assert page.status_code in (302, 303) and "/signin" in page.headers["location"], base
            ole.cookies = kept


async def test_sign_in_throttling_holds_across_processes(site: Site) -> None:
    async with visitor("198.51.100.20") as someone:
        for attempt in range(MAX_FAILURES):
            # From a different address each time: it is the account's limit that is reached.
            someone.address = f"198.51.100.{30 + attempt}"
            failed = await someone.sign_in(site.backend(attempt % PROCESSES), TARGET[0], "not the password")
            assert failed.status_code == 400, (attempt, failed.status_code)
        someone.address = "198.51.100.99"
        for base in (site.backend(MAX_FAILURES % PROCESSES), site.backend((MAX_FAILURES + 1) % PROCESSES),
                     site.https):
            refused = await someone.sign_in(base, TARGET[0])
            assert refused.status_code == 429, (base, refused.status_code)
            assert "Too many attempts" in refused.text or "For mange forsøg" in refused.text
        assert not any("session" in name for name in someone.cookies)


async def test_a_post_published_through_one_process_appears_live_on_the_others(site: Site) -> None:
    async with visitor("198.51.100.40") as eva, visitor("198.51.100.41") as ole:
        assert (await eva.sign_in(site.backend(0), EDITOR[0])).status_code == 303
        assert (await ole.sign_in(site.backend(1), READER[0])).status_code == 303
        async with ole.events(site.backend(1)) as direct, ole.events(site.https) as through_nginx:
            title = f"Live across processes {time.time_ns()}"
            published = await eva.post(site.backend(0), "/posts", {
                "title": title, "body": "Published through the first process.", "audience": "all",
            }, token_from="/posts/new")
            assert published.status_code == 303, published.text
            post_id = int(published.headers["location"].rsplit("/", 1)[1])
            assert await asyncio.wait_for(direct.get(), WAIT) == post_id
            assert await asyncio.wait_for(through_nginx.get(), WAIT) == post_id
        card = await ole.get(site.backend(2), f"/feed/card/{post_id}")
        assert card.status_code == 200 and title in card.text
        feed = await ole.get(site.https, "/")
        assert title in feed.text


async def test_a_backup_is_taken_while_the_processes_serve(site: Site) -> None:
    made = await asyncio.to_thread(_cli, site.env, "backup", "--output", str(site.root))
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.split(": ", 1)[0].removeprefix("Wrote "))
    with tarfile.open(archive) as tar:
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
    assert manifest["database"]["kind"] == "postgres"
    assert sorted(manifest["migrations"]) == sorted(site.applied)
    async with visitor("198.51.100.50") as someone:
        assert (await someone.get(site.https, "/healthz")).status_code == 200
