"""The feed page and search at scale, against a bare Litestar handler measured in the same run.

For each database and size asked for (``--run postgres:1000x10000`` …) it
creates a database (PostgreSQL: ``feed_bench_<people>_<posts>`` on the server
of ``--postgres``; SQLite: a file in the working directory), runs ``intranet
init`` and ``intranet migrate``, fills it with ``generate.py`` (people, units,
posts, audiences, search documents: ``COPY`` / ``executemany``, not the ORM),
starts ``intranet run --workers 1`` on a free loopback port, signs in as a
plain member (a team in a district: audience keys ``all``, the organisation,
the district and the team) and measures with wrk, in rounds, interleaved:

* ``bare``: a bare Litestar JSON handler under uvicorn (one worker, started
  by this script once for the whole run: the reference);
* ``floor``: what this stack costs before any query or template: the feed
  page's own HTML (fetched once, signed in), served by a Litestar handler
  behind Litestar's server-side sessions (an in-memory store) and its CSRF
  middleware, to a signed-in client (one worker, started for each run): the
  least a signed-in page costs on Litestar with server-side sessions and
  CSRF. The ``feed`` page adds to it the database (the site's sessions live
  there too), the application's own middleware (authentication, usage,
  security headers) and the templates. After the breakdown (below), a
  ``ceiling`` line adds the feed's template time alone to the floor: the
  best ratio any implementation rendering these templates could reach;
* ``feed``: the signed-in feed page ``/`` (20 posts, pinned posts, comment
  and reaction counts, widgets);
* ``deep``: a feed page far down, ``/?before=<cursor>`` with a cursor half
  way back in time (keyset pagination: it should cost what the first page
  costs, at any depth);
* ``search``: the signed-in search page ``/search?q=overenskomst``.

Throughput with ``--connections`` (default 8) for ``--seconds`` (default 10)
each, then latency with 1 connection for ``--latency-seconds`` (default 5)
each. wrk counts every answer that is not a 200 (a lost session would answer
303); a run with any is marked. The ratios printed are the feed's and
search's requests per second divided by the bare handler's, per round
(median of the rounds), and at the end the feed's median latency (1
connection) at each size divided by the one at the smallest size, per
database.

Each measurement also reads from ``/proc`` the CPU time that the serving
process spent per request, and on PostgreSQL that of the database backends
of its connection pool (found in ``pg_stat_activity``): unlike requests per
second, CPU per request hardly moves when something else is using the
CPUs. The "CPU ratio" is the bare handler's CPU per request divided by the
page's (process and backends together): the throughput ratio the page would
reach if the CPU of the server were the only limit.

Without wrk (``apt-get install -y wrk``) a bounded asyncio load generator
(httpx) is used instead; it is slower than wrk and takes CPU from the
server, so its ratios are lower.

Every process it starts is in its own process group and killed at the end;
the databases and the working directory are removed unless ``--keep``.
``--reuse`` keeps a filled database between runs (PostgreSQL: marked with a
comment on the database; SQLite: a file next to it) and fills only when the
size differs.

Run from the repository root::

    .venv/bin/python benchmarks/feed_bench.py --run postgres:1000x10000 sqlite:1000x10000
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import functools
import importlib.metadata
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).parent))

import generate

INTRANET = Path(sys.executable).parent / "intranet"
HOST = "127.0.0.1"
SEARCH_QUERY = "overenskomst"
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:55432/postgres"
TARGETS = ("bare", "floor", "feed", "deep", "search")

WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("bad") end
  local e = summary.errors
  io.write(string.format("BENCH not_200=%d errors=%d requests=%d duration_us=%d bytes=%d p50_us=%d p99_us=%d\\n",
    n, e.connect + e.read + e.write + e.timeout, summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(99)))
end
"""


@dataclass(frozen=True)
class RunSpec:
    database: str  # postgres | sqlite
    people: int
    posts: int

    @classmethod
    def parse(cls, text: str) -> RunSpec:
        match = re.fullmatch(r"(postgres|sqlite):(\d+)x(\d+)", text)
        if not match:
            raise argparse.ArgumentTypeError(f"{text!r}: expected postgres:PEOPLExPOSTS or sqlite:PEOPLExPOSTS")
        return cls(match.group(1), int(match.group(2)), int(match.group(3)))

    @property
    def label(self) -> str:
        engine = "PostgreSQL" if self.database == "postgres" else "SQLite"
        return f"{engine} {self.people:,} people / {self.posts:,} posts"

    @property
    def name(self) -> str:
        """The PostgreSQL database's name."""
        return f"feed_bench_{self.people}_{self.posts}"

    @property
    def key(self) -> str:
        """Files and directories of this run."""
        return f"{self.database}_{self.people}_{self.posts}"


@dataclass
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    not_200: int
    errors: int
    bytes_per_response: float
    app_cpu_ms: float = float("nan")  # CPU time of the serving process per request
    db_cpu_ms: float = float("nan")  # CPU time of the PostgreSQL backends serving it, per request


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (and their children still running), from /proc."""
    total = 0.0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def postgres_backends(url: str, database: str) -> list[int]:
    """The pids of the PostgreSQL backends connected to ``database`` (the server's pool)."""
    import asyncpg

    async def pids() -> list[int]:
        connection = await asyncpg.connect(url)
        try:
            rows = await connection.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", database)
            return [int(row["pid"]) for row in rows]
        finally:
            await connection.close()

    return asyncio.run(pids())


def measured(load: Callable[..., Measure], url: str, app_pids: list[int], db_pids: list[int],
             **kwargs: Any) -> Measure:
    """One load run, with the CPU time the server (and its database backends) spent per request."""
    app0, db0 = cpu_seconds(app_pids), cpu_seconds(db_pids)
    measure = load(url, **kwargs)
    if measure.requests:
        measure.app_cpu_ms = (cpu_seconds(app_pids) - app0) * 1000 / measure.requests
        if db_pids:
            measure.db_cpu_ms = (cpu_seconds(db_pids) - db0) * 1000 / measure.requests
    return measure


def load_average() -> str:
    """The 1-minute load average: anything else using the CPUs shows here."""
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


@dataclass
class Result:
    spec: RunSpec
    fill: str = ""
    size: str = ""
    load: str = ""
    throughput: dict[str, list[Measure]] = field(default_factory=dict)
    latency: dict[str, list[Measure]] = field(default_factory=dict)
    breakdown: dict[str, Any] = field(default_factory=dict)
    error: str = ""


# --- processes ---------------------------------------------------------------------------


def environment(disabled: list[str]) -> dict[str, str]:
    """This environment without its ``INTRANET_*`` overrides; installed plugins switched off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    env["PYTHONUNBUFFERED"] = "1"
    if disabled:
        env["INTRANET_PLUGINS_DISABLED"] = ",".join(disabled)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


@contextlib.contextmanager
def started(args: list[str], cwd: Path, log: Path, env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            kill_group(process)


def wait_for(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    import httpx

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"exited {process.returncode}:\n{log.read_text(errors='replace')[-2000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=1).status_code == 200:
                return
        time.sleep(0.05)
    raise RuntimeError(f"no 200 from {url} within {timeout:g} s")


def cli(directory: Path, env: dict[str, str], *args: str, timeout: float = 600) -> str:
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(INTRANET), *args], cwd=directory, env=env, capture_output=True, text=True, timeout=timeout,
        start_new_session=True, check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"`intranet {' '.join(args)}` exited {done.returncode}:\n{done.stdout}{done.stderr}")
    return done.stdout


# --- the bare handler ------------------------------------------------------------------------


def serve_bare(port: int) -> None:
    """A bare Litestar JSON handler under uvicorn, served as ``intranet run`` serves (1 worker)."""
    import uvicorn
    from litestar import Litestar, get

    @get("/", sync_to_thread=False)
    def hello() -> dict[str, Any]:
        return {"hello": "world", "posts": []}

    uvicorn.run(Litestar(route_handlers=[hello], logging_config=None), host=HOST, port=port, server_header=False,
                log_level="info")


def serve_floor(port: int, page_file: Path) -> None:
    """The ``floor`` target: a rendered page behind Litestar's sessions and CSRF, nothing else."""
    import uvicorn
    from litestar import Litestar, MediaType, Request, get
    from litestar.config.csrf import CSRFConfig
    from litestar.exceptions import NotAuthorizedException
    from litestar.middleware.session.server_side import ServerSideSessionConfig
    from litestar.stores.memory import MemoryStore

    page = page_file.read_text()

    @get("/signin", sync_to_thread=False)
    def signin(request: Request[Any, Any, Any]) -> str:
        request.set_session({"person": 1})
        return "signed in"

    @get("/", sync_to_thread=False, media_type=MediaType.HTML)
    def feed(request: Request[Any, Any, Any]) -> str:
        if request.session.get("person") != 1:
            raise NotAuthorizedException()
        return page

    app = Litestar(route_handlers=[signin, feed], logging_config=None,
                   middleware=[ServerSideSessionConfig(max_age=3600).middleware],
                   stores={"sessions": MemoryStore()}, csrf_config=CSRFConfig(secret="floor-" + "x" * 26))
    uvicorn.run(app, host=HOST, port=port, server_header=False, log_level="info")


# --- load ----------------------------------------------------------------------------------


def wrk(url: str, *, seconds: float, connections: int, headers: dict[str, str], script: Path) -> Measure:
    args = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s", "--latency",
            "-s", str(script)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    done = subprocess.run([*args, url], capture_output=True, text=True, check=False,  # noqa: S603
                          timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    values = {k: int(v) for k, v in (part.split("=") for part in line.split()[1:])}
    requests = values["requests"]
    return Measure(
        rps=requests / (values["duration_us"] / 1e6), p50_ms=values["p50_us"] / 1000, p99_ms=values["p99_us"] / 1000,
        requests=requests, not_200=values["not_200"], errors=values["errors"],
        bytes_per_response=values["bytes"] / requests if requests else 0.0,
    )


async def _load(url: str, seconds: float, connections: int, headers: dict[str, str]) -> dict[str, Any]:
    import httpx

    latencies: list[float] = []
    counts = {"not_200": 0, "errors": 0, "bytes": 0}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(headers=headers, timeout=30) as http:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await http.get(url)
                except httpx.HTTPError:
                    counts["errors"] += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                counts["bytes"] += len(response.content)
                if response.status_code != 200:
                    counts["not_200"] += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    elapsed = time.perf_counter() - t0
    latencies.sort()
    pick = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else (
        lambda q: float("nan"))
    return {"rps": len(latencies) / elapsed, "p50_ms": pick(0.5), "p99_ms": pick(0.99), "requests": len(latencies),
            "not_200": counts["not_200"], "errors": counts["errors"],
            "bytes_per_response": counts["bytes"] / len(latencies) if latencies else 0.0}


def python_load(url: str, *, seconds: float, connections: int, headers: dict[str, str]) -> Measure:
    """The fallback: the asyncio load generator in a process of its own."""
    done = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, "--load-generator", url, str(seconds), str(connections), json.dumps(headers)],
        capture_output=True, text=True, check=True, timeout=seconds + 60,
    )
    return Measure(**json.loads(done.stdout))


# --- where a page's time goes (in-process) ---------------------------------------------------


def _normal_sql(sql: str) -> str:
    """A statement with its values taken out, to count statements of one kind together."""
    sql = re.sub(r"\s+", " ", sql)
    sql = re.sub(r"'[0-9T:. +-]{19,}'", "?", sql)
    sql = re.sub(r"\((?:DEFAULT|\d)[^()]*\)(?:,\s*\((?:DEFAULT|\d)[^()]*\))*", "(…)", sql)
    sql = re.sub(r"IN \([\d, ]+\)", "IN (…)", sql)
    sql = re.sub(r"'(?:sessions|unit|all)[^']*'", "?", sql)
    return re.sub(r"(?<![\w$])\d+(?:\.\d+)?", "?", sql)


async def _breakdown(site: Path, paths: list[str], count: int) -> dict[str, Any]:
    """Serve ``paths`` in this process ``count`` times each, signed in, timing statements and templates."""
    import httpx
    import jinja2
    from piccolo.query.base import Query

    from intranet_core.app import create_app
    from intranet_core.settings import load_settings
    from intranet_core.testing import client_for

    statements: list[tuple[float, str]] = []
    queries: list[float] = []
    renders: list[float] = []
    engines = []
    for module, name in (("piccolo.engine.postgres", "PostgresEngine"), ("piccolo.engine.sqlite", "SQLiteEngine")):
        engines.append(getattr(__import__(module, fromlist=[name]), name))

    def timed_engine(original: Any) -> Any:
        async def run_querystring(self: Any, querystring: Any, in_pool: bool = True) -> Any:
            t0 = time.perf_counter()
            try:
                return await original(self, querystring, in_pool=in_pool)
            finally:
                statements.append((time.perf_counter() - t0, str(querystring)))
        return run_querystring

    for engine in engines:
        engine.run_querystring = timed_engine(engine.run_querystring)
    original_run = Query._run

    async def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return await original_run(self, *args, **kwargs)
        finally:
            queries.append(time.perf_counter() - t0)

    Query._run = run  # type: ignore[method-assign]
    original_render = jinja2.Template.render

    def render(self: Any, *args: Any, **kwargs: Any) -> str:
        t0 = time.perf_counter()
        try:
            return original_render(self, *args, **kwargs)
        finally:
            renders.append(time.perf_counter() - t0)

    jinja2.Template.render = render  # type: ignore[method-assign]
    os.chdir(site)
    app = create_app(load_settings())
    results: dict[str, Any] = {}
    async with client_for(app, base_url="http://127.0.0.1") as client:
        page = await client.get("/signin", headers={"accept": "text/html"})
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        answer = await client.post("/signin", data={"email": generate.BENCH_EMAIL, "password": generate.BENCH_PASSWORD,
                                                     "_csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.status_code
        headers = {"accept": "text/html", "accept-language": "da"}
        for path in paths:
            for _ in range(max(3, count // 5)):  # warm-up
                await client.get(path, headers=headers)
            statements.clear()
            queries.clear()
            renders.clear()
            t0 = time.perf_counter()
            for _ in range(count):
                answer = await client.get(path, headers=headers)
                if answer.status_code != 200:
                    raise httpx.HTTPError(f"{path} answered {answer.status_code}")
            total = (time.perf_counter() - t0) / count
            kinds: dict[str, list[float]] = {}
            for seconds, sql in statements:
                kinds.setdefault(_normal_sql(sql), []).append(seconds)
            results[path] = {
                "ms": total * 1000, "statements": len(statements) / count,
                "queries_ms": sum(queries) * 1000 / count, "engine_ms": sum(s for s, _ in statements) * 1000 / count,
                "render_ms": sum(renders) * 1000 / count,
                "slowest": sorted(((sum(v) * 1000 / count, len(v) / count, k[:150]) for k, v in kinds.items()),
                                  reverse=True)[:4],
            }
    return results


def breakdown(site: Path, urls: dict[str, str], count: int, env: dict[str, str]) -> dict[str, Any]:
    """:func:`_breakdown` in a process of its own (the app binds Piccolo's tables to its database)."""
    paths = {target: url.split("/", 3)[3] for target, url in urls.items() if target != "bare"}
    done = subprocess.run(  # noqa: S603 - this script
        [sys.executable, __file__, "--breakdown-of", str(site), str(count), *("/" + p for p in paths.values())],
        capture_output=True, text=True, check=False, timeout=600, env=env,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the breakdown failed:\n{done.stderr[-3000:]}")
    by_path = json.loads(done.stdout.strip().splitlines()[-1])
    return {target: by_path["/" + path] for target, path in paths.items()}


# --- one run -------------------------------------------------------------------------------


def prepare_database(spec: RunSpec, args: argparse.Namespace, work: Path, env: dict[str, str]) -> tuple[str, str]:
    """Create (or reuse) and fill the database; returns its URL and what was done."""
    import asyncpg

    marker = f"filled {spec.people}x{spec.posts} seed {generate.SEED}"
    plan = generate.Plan(spec.people, spec.posts)
    if spec.database == "postgres":
        admin = args.postgres
        url = admin.rsplit("/", 1)[0] + f"/{spec.name}"

        async def create() -> bool:
            connection = await asyncpg.connect(admin)
            try:
                exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", spec.name)
                if exists and args.reuse:
                    comment = await connection.fetchval(
                        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", spec.name
                    )
                    if comment == marker:
                        return False
                await connection.execute(f'DROP DATABASE IF EXISTS "{spec.name}"')
                await connection.execute(f'CREATE DATABASE "{spec.name}"')
                return True
            finally:
                await connection.close()

        fresh = asyncio.run(create())
    else:
        path = work / f"{spec.key}.sqlite3"
        url = f"sqlite:///{path}"
        sidecar = path.with_suffix(".filled")
        fresh = not (args.reuse and sidecar.exists() and sidecar.read_text() == marker)
        if fresh:
            for leftover in work.glob(f"{spec.key}.sqlite3*"):
                leftover.unlink()
            sidecar.unlink(missing_ok=True)
    site = work / spec.key
    site.mkdir(exist_ok=True)
    (site / "intranet.toml").unlink(missing_ok=True)
    cli(site, env, "init", "--database-url", url)
    cli(site, env, "migrate")
    if not fresh:
        return url, "reused the filled database"
    print(f"  filling {spec.label} …", flush=True)
    t0 = time.perf_counter()

    def log(line: str) -> None:
        print(line, flush=True)

    if spec.database == "postgres":
        report = asyncio.run(generate.fill_postgres(url, plan, log))

        async def mark() -> None:
            connection = await asyncpg.connect(args.postgres)
            try:
                await connection.execute(f"COMMENT ON DATABASE \"{spec.name}\" IS '{marker}'")
            finally:
                await connection.close()

        asyncio.run(mark())
    else:
        report = asyncio.run(generate.fill_sqlite(str(path), plan, log))
        sidecar.write_text(marker)
    return url, report.line() + f"; {time.perf_counter() - t0:.0f} s in all"


def database_size(spec: RunSpec, url: str, args: argparse.Namespace) -> str:
    if spec.database == "postgres":
        import asyncpg

        async def size() -> int:
            connection = await asyncpg.connect(url)
            try:
                return int(await connection.fetchval("SELECT pg_database_size(current_database())"))
            finally:
                await connection.close()

        total = asyncio.run(size())
    else:
        path = Path(url.removeprefix("sqlite:///"))
        total = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return f"{total / 2**20:,.0f} MiB"


def sign_in(base: str) -> dict[str, str]:
    """Sign in through the form; the headers of a signed-in browser (cookies, Accept)."""
    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as http:
        page = http.get("/signin", headers={"accept": "text/html"})
        token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
        if token is None:
            raise RuntimeError("no CSRF field on /signin")
        answer = http.post("/signin", headers={"accept": "text/html"}, data={
            "email": generate.BENCH_EMAIL, "password": generate.BENCH_PASSWORD, "_csrf_token": token.group(1),
        })
        if answer.status_code != 303:
            raise RuntimeError(f"sign-in answered {answer.status_code}")
        cookies = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
    return {"Cookie": cookies, "Accept": "text/html", "Accept-Language": "da"}


def check_pages(urls: dict[str, str], headers: dict[str, str]) -> str:
    """The pages answer 200 with what they should hold (before anything is measured)."""
    import httpx

    seen = []
    for target in ("feed", "deep"):
        page = httpx.get(urls[target], headers=headers, timeout=60)
        posts = page.text.count('class="card post')
        if page.status_code != 200 or posts < 20:
            raise RuntimeError(f"the {target} page answered {page.status_code} with {posts} posts")
        seen.append(f"{target} page {len(page.content) / 1024:.1f} KiB with {posts} posts")
    found = httpx.get(urls["search"], headers=headers, timeout=60)
    hits = found.text.count('href="/posts/')
    if found.status_code != 200 or not hits:
        raise RuntimeError(f"the search page answered {found.status_code} with {hits} post links")
    seen.append(f"search page {len(found.content) / 1024:.1f} KiB with {hits} post links")
    return "; ".join(seen)


@dataclass
class Floor:
    url: str
    pid: int


def _start_floor(feed_url: str, headers: dict[str, str], work: Path, spec: RunSpec, env: dict[str, str],
                 stack: contextlib.ExitStack) -> tuple[Floor, dict[str, str]]:
    """Start the ``floor`` server with this run's feed page; its URL and a signed-in client's headers."""
    import httpx

    page_file = work / f"{spec.key}.page.html"
    page_file.write_text(httpx.get(feed_url, headers=headers, timeout=60).text)
    port = free_port()
    log = work / f"{spec.key}.floor.log"
    process = stack.enter_context(started([sys.executable, __file__, "--serve-floor", str(port), str(page_file)],
                                          work, log, env))
    url = f"http://{HOST}:{port}/"
    wait_for(url + "signin", process, log)
    with httpx.Client(base_url=url, timeout=30) as http:
        http.get("/signin")
        cookies = "; ".join(f"{name}={value}" for name, value in http.cookies.items())
        if http.get("/", headers={"Cookie": cookies}).status_code != 200:
            raise RuntimeError("the floor page did not answer 200 when signed in")
    return Floor(url, process.pid), {"Cookie": cookies, "Accept": "text/html"}


def one_run(spec: RunSpec, args: argparse.Namespace, work: Path, env: dict[str, str], bare_url: str,
            bare_pid: int, load: Callable[..., Measure]) -> Result:
    result = Result(spec)
    url, result.fill = prepare_database(spec, args, work, env)
    result.size = database_size(spec, url, args)
    site = work / spec.key
    port = free_port()
    log = work / f"{spec.key}.log"
    command = [str(INTRANET), "run", "--host", HOST, "--port", str(port), "--workers", "1"]
    with started(command, site, log, env) as process, contextlib.ExitStack() as stack:
        base = f"http://{HOST}:{port}"
        wait_for(base + "/healthz", process, log)
        headers = sign_in(base)
        halfway = generate.now() - datetime.timedelta(days=generate.Plan(spec.people, spec.posts).days / 2)
        deep = quote(f"{halfway.isoformat()}_{2**31 - 1}")
        urls = {"bare": bare_url, "feed": base + "/", "deep": f"{base}/?before={deep}",
                "search": f"{base}/search?q={SEARCH_QUERY}"}
        print(f"  {check_pages(urls, headers)}", flush=True)
        floor, floor_headers = _start_floor(urls["feed"], headers, work, spec, env, stack)
        urls["floor"] = floor.url
        pids = {"bare": [bare_pid], "floor": [floor.pid]}
        before = load_average()
        for target in ("feed", "deep", "search"):  # warm-up: caches, connection pool, the planner's statistics
            load(urls[target], seconds=2, connections=args.connections, headers=headers)
        # The pool's connections are open now: their backends are the database's share of the work.
        db_pids = postgres_backends(args.postgres, spec.name) if spec.database == "postgres" else []
        for round_index in range(args.rounds):
            for connections, into in ((args.connections, result.throughput), (1, result.latency)):
                for target in TARGETS:
                    own = target in pids  # the references: their own process, no database
                    measure = measured(load, urls[target], pids.get(target, [process.pid]), [] if own else db_pids,
                                       seconds=args.seconds if connections > 1 else args.latency_seconds,
                                       connections=connections,
                                       headers={"bare": {}, "floor": floor_headers}.get(target, headers))
                    into.setdefault(target, []).append(measure)
            print(f"  round {round_index + 1}: " + ", ".join(
                f"{t} {result.throughput[t][-1].rps:,.0f} rps" for t in TARGETS), flush=True)
        result.load = f"{before} before the measurements, {load_average()} after"
        if process.poll() is not None:
            result.error = f"the server exited {process.returncode}"
    if args.breakdown:
        result.breakdown = breakdown(site, {t: u for t, u in urls.items() if t != "floor"}, args.breakdown, env)
    for measures in (*result.throughput.values(), *result.latency.values()):
        bad = sum(m.not_200 + m.errors for m in measures)
        if bad:
            result.error = f"{bad} answers were not 200 (see {log})"
    return result


# --- reporting -----------------------------------------------------------------------------


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def cpu_ratio(target: list[Measure], bare: list[Measure]) -> float:
    """The bare handler's CPU per request over the target's (its process and its database backends)."""
    spent = median([m.app_cpu_ms + (0.0 if m.db_cpu_ms != m.db_cpu_ms else m.db_cpu_ms) for m in target])
    return median([m.app_cpu_ms for m in bare]) / spent if spent else float("nan")


def report(result: Result, connections: int) -> list[str]:
    lines = [f"{result.spec.label}: {result.fill}",
             f"  database size {result.size}; load average {result.load or '?'}"]
    bare = result.throughput.get("bare", [])
    header = (f"  {'target':<7} {'rps (c=' + str(connections) + ')':>12} {'ratio':>6} "
              f"{'p50 ms':>8} {'p99 ms':>8}  {'p50 ms (c=1)':>12} {'p99 ms (c=1)':>12} {'KiB':>5}  "
              f"{'app CPU ms':>10} {'db CPU ms':>9} {'CPU ratio':>9}")
    lines += [header, "  " + "-" * (len(header) - 2)]
    for target in TARGETS:
        measures = result.throughput.get(target, [])
        single = result.latency.get(target, [])
        if not measures:
            continue
        ratios = [m.rps / b.rps for m, b in zip(measures, bare, strict=False)] if target != "bare" else []
        ratio = f"{median(ratios):.3f}" if ratios else "1"
        db_cpu = median([m.db_cpu_ms for m in measures])
        lines.append(
            f"  {target:<7} {median([m.rps for m in measures]):>12,.0f} {ratio:>6} "
            f"{median([m.p50_ms for m in measures]):>8.2f} {median([m.p99_ms for m in measures]):>8.2f}  "
            f"{median([m.p50_ms for m in single]):>12.2f} {median([m.p99_ms for m in single]):>12.2f} "
            f"{median([m.bytes_per_response for m in measures]) / 1024:>5.1f}  "
            f"{median([m.app_cpu_ms for m in measures]):>10.3f} "
            + (f"{db_cpu:>9.3f}" if db_cpu == db_cpu else f"{'-':>9}")
            + f" {cpu_ratio(measures, bare) if target != 'bare' else 1:>9.3f}"
        )
    for target in TARGETS[1:]:
        rounds = ", ".join(
            f"{m.rps / b.rps:.3f}" for m, b in zip(result.throughput.get(target, []), bare, strict=False)
        )
        lines.append(f"  {target}/bare per round: {rounds}")
    if result.breakdown:
        lines.append("  in-process, signed in, one request at a time (ms per request; statements per request):")
        for target, figures in result.breakdown.items():
            rest = figures["ms"] - figures["queries_ms"] - figures["render_ms"]
            lines.append(
                f"    {target:<7} {figures['ms']:6.2f} ms: {figures['statements']:4.1f} SQL statements "
                f"{figures['queries_ms']:6.2f} ms (of which waiting on the engine {figures['engine_ms']:5.2f}), "
                f"templates {figures['render_ms']:5.2f}, the rest {rest:5.2f}"
            )
            for ms, times, sql in figures["slowest"]:
                lines.append(f"      {ms:6.2f} ms {times:4.1f}x {sql}")
        floor = result.throughput.get("floor", [])
        if floor and bare and "feed" in result.breakdown:
            floor_cpu = median([m.app_cpu_ms for m in floor])
            render = result.breakdown["feed"]["render_ms"]
            lines.append(
                f"  ceiling: the floor's CPU per request ({floor_cpu:.3f} ms) plus only the feed's templates "
                f"({render:.2f} ms in-process), with no query and no other code: CPU ratio at most "
                f"{median([m.app_cpu_ms for m in bare]) / (floor_cpu + render):.3f}"
            )
    if result.error:
        lines.append(f"  FAILED: {result.error}")
    return lines


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-floor":
        serve_floor(int(sys.argv[2]), Path(sys.argv[3]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--breakdown-of":
        site, count, *paths = sys.argv[2:]
        print(json.dumps(asyncio.run(_breakdown(Path(site), paths, int(count)))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--load-generator":
        url, seconds, connections, headers = sys.argv[2:6]
        print(json.dumps(asyncio.run(_load(url, float(seconds), int(connections), json.loads(headers)))))
        return 0

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--run", type=RunSpec.parse, nargs="+", dest="runs",
                        default=[RunSpec.parse("postgres:1000x10000"), RunSpec.parse("sqlite:1000x10000")],
                        help="database:PEOPLExPOSTS, several (default postgres:1000x10000 sqlite:1000x10000)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES,
                        help=f"a PostgreSQL URL allowed to create databases (default {DEFAULT_POSTGRES})")
    parser.add_argument("--seconds", type=float, default=10, help="throughput measurement per target (default 10)")
    parser.add_argument("--latency-seconds", type=float, default=5, help="1-connection latency per target (default 5)")
    parser.add_argument("--connections", type=int, default=8, help="connections for throughput (default 8)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--dir", type=Path, help="working directory (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the working directory")
    parser.add_argument("--reuse", action="store_true",
                        help="reuse a database filled at the same size (implies --keep)")
    parser.add_argument("--breakdown", type=int, default=50, metavar="N",
                        help="afterwards, serve each page N times in-process and show where the time goes "
                             "(SQL statements, templates, the rest); 0 to skip (default 50)")
    parser.add_argument("--installed-plugins", action="store_true", help="also load installed plugins")
    parser.add_argument("--python-load", action="store_true", help="use the asyncio load generator even with wrk")
    args = parser.parse_args()
    args.keep = args.keep or args.reuse
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not INTRANET.exists():
        raise SystemExit(f"{INTRANET} not found: install the project into this interpreter's environment")

    installed = sorted({ep.name for ep in importlib.metadata.entry_points(group="intranet")})
    env = environment([] if args.installed_plugins else installed)
    use_wrk = shutil.which("wrk") is not None and not args.python_load
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-feed-"))
    work.mkdir(parents=True, exist_ok=True)
    script = work / "status.lua"
    script.write_text(WRK_SCRIPT)
    load: Callable[..., Measure] = functools.partial(wrk, script=script) if use_wrk else python_load
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; load: "
          f"{'wrk, 1 thread' if use_wrk else 'asyncio + httpx (no wrk)'}; {args.connections} connections, "
          f"{args.seconds:g} s each, {args.rounds} rounds; 1-connection latency {args.latency_seconds:g} s each")
    results: list[Result] = []
    try:
        bare_port = free_port()
        bare_log = work / "bare.log"
        with started([sys.executable, __file__, "--serve-bare", str(bare_port)], work, bare_log, env) as bare:
            bare_url = f"http://{HOST}:{bare_port}/"
            wait_for(bare_url, bare, bare_log)
            load(bare_url, seconds=2, connections=args.connections, headers={})
            for spec in args.runs:
                print(f"\n{spec.label}", flush=True)
                try:
                    result = one_run(spec, args, work, env, bare_url, bare.pid, load)
                except Exception as exc:  # reported, and the next run goes on
                    result = Result(spec, error=f"{type(exc).__name__}: {exc}")
                results.append(result)
                print("\n".join(report(result, args.connections)), flush=True)
        print("\nSummary")
        for result in results:
            feed = result.throughput.get("feed", [])
            bare_runs = result.throughput.get("bare", [])
            if not feed:
                print(f"  {result.spec.label}: FAILED {result.error}")
                continue
            ratios = ", ".join(
                f"{target}/bare {median([m.rps / b.rps for m, b in zip(measures, bare_runs, strict=False)]):.3f} "
                f"(CPU {cpu_ratio(measures, bare_runs):.3f})"
                for target in TARGETS[1:] if (measures := result.throughput.get(target))
            )
            latencies = ", ".join(f"{target} {median([m.p50_ms for m in result.latency[target]]):.2f} ms"
                                  for target in TARGETS if result.latency.get(target))
            print(f"  {result.spec.label}: {ratios}; p50 (c=1): {latencies}"
                  + (f"  FAILED: {result.error}" if result.error else ""))
        for database in ("postgres", "sqlite"):
            runs = [r for r in results if r.spec.database == database and r.latency.get("feed")]
            if len(runs) < 2:
                continue
            smallest = min(runs, key=lambda r: (r.spec.posts, r.spec.people))
            for other in runs:
                if other is smallest:
                    continue
                for target in ("feed", "deep", "search"):
                    if not other.latency.get(target) or not smallest.latency.get(target):
                        continue
                    base = median([m.p50_ms for m in smallest.latency[target]])
                    p50 = median([m.p50_ms for m in other.latency[target]])
                    print(f"  {target} p50 (c=1), {other.spec.label} / {smallest.spec.label}: {p50 / base:.2f}")
        return 1 if any(r.error for r in results) else 0
    finally:
        if args.keep:
            print(f"\nkept {work}" + (" and the PostgreSQL databases feed_bench_*" if any(
                s.database == "postgres" for s in args.runs) else ""))
        else:
            shutil.rmtree(work, ignore_errors=True)
            drop = [s for s in args.runs if s.database == "postgres"]
            if drop:
                asyncio.run(_drop_databases(args.postgres, [s.name for s in drop]))


async def _drop_databases(admin: str, names: list[str]) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin)
    try:
        for name in names:
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


if __name__ == "__main__":
    sys.exit(main())
