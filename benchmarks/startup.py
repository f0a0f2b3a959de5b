"""Start-up time and resident memory of ``intranet run``, with 1 and with 3 workers.

In a temporary directory it runs ``intranet init`` and ``intranet migrate``
(SQLite), then starts ``intranet run --workers N`` on a free loopback port and
measures:

* time from starting the process to the first ``200`` on ``/healthz``;
* time until every worker has logged "Application startup complete";
* VmRSS (``/proc/<pid>/status``) of the parent and of each worker process,
  half a second after every worker is up, before any other request;
* time from SIGTERM to the exit of the whole process group.

Each worker count runs ``--repeat`` times (default 3); the median is printed.
Every process it starts is in its own process group, which is always killed.

Run from the repository root::

    .venv/bin/python benchmarks/startup.py
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

INTRANET = Path(sys.executable).parent / "intranet"
HOST = "127.0.0.1"
READY_LINE = b"Application startup complete"


@dataclass
class Run:
    workers: int
    first_200_s: float = float("nan")
    all_ready_s: float = float("nan")
    stop_s: float = float("nan")
    parent_rss_mib: float = float("nan")
    worker_rss_mib: list[float] = field(default_factory=list)
    other_rss_mib: dict[str, float] = field(default_factory=dict)
    error: str = ""

    @property
    def total_rss_mib(self) -> float:
        return self.parent_rss_mib + sum(self.worker_rss_mib) + sum(self.other_rss_mib.values())


DISABLED: list[str] = []  # installed plugins switched off (all, unless --installed-plugins)


def installed_plugins() -> list[str]:
    """Entry-point names of the installed plugins (the ``intranet`` group)."""
    return sorted({ep.name for ep in importlib.metadata.entry_points(group="intranet")})


def environment() -> dict[str, str]:
    """This environment without its ``INTRANET_*`` overrides, so the settings file decides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    env["PYTHONUNBUFFERED"] = "1"
    if DISABLED:
        env["INTRANET_PLUGINS_DISABLED"] = ",".join(DISABLED)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def healthz(port: int, timeout: float = 1.0) -> int | None:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        response = connection.getresponse()
        response.read()
        return response.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        connection.close()


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def children(pid: int) -> list[int]:
    """Direct children of ``pid``, from /proc/<pid>/stat (field 4 is the parent pid)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def kill_group(process: subprocess.Popen[bytes], grace_s: float = 10.0) -> float:
    """SIGTERM the process group, SIGKILL what is left after ``grace_s``; seconds to exit."""
    t0 = time.perf_counter()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace_s)
        stopped = time.perf_counter() - t0
    except subprocess.TimeoutExpired:
        stopped = float("nan")
    # Whatever is still in the group (workers, or a parent that ignored SIGTERM) is killed.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    return stopped


@contextlib.contextmanager
def started(args: list[str], cwd: Path, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - our own command line
            args,
            cwd=cwd,
            env=environment(),
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            if process.poll() is None or group_alive(process.pid):
                kill_group(process)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def cli(directory: Path, *args: str, timeout: float = 60) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own command line
        [str(INTRANET), *args],
        cwd=directory,
        env=environment(),
        capture_output=True,
        timeout=timeout,
        start_new_session=True,
        check=False,
    )
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(
            f"`intranet {' '.join(args)}` exited {done.returncode}:\n{done.stdout.decode()}{done.stderr.decode()}"
        )
    return elapsed


def one_run(directory: Path, workers: int, index: int, timeout: float) -> Run:
    run = Run(workers)
    port = free_port()
    log = directory / f"run-{workers}w-{index}.log"
    args = [str(INTRANET), "run", "--host", HOST, "--port", str(port), "--workers", str(workers)]
    t0 = time.perf_counter()
    with started(args, directory, log) as process:
        deadline = t0 + timeout
        while time.perf_counter() < deadline:
            if process.poll() is not None:
                run.error = f"exited {process.returncode} before answering"
                break
            if healthz(port, timeout=0.5) == 200:
                run.first_200_s = time.perf_counter() - t0
                break
            time.sleep(0.01)
        else:
            run.error = f"no 200 on /healthz within {timeout:g} s"
        if not run.error:
            while time.perf_counter() < deadline and log.read_bytes().count(READY_LINE) < workers:
                time.sleep(0.01)
            if log.read_bytes().count(READY_LINE) >= workers:
                run.all_ready_s = time.perf_counter() - t0
            else:
                run.error = f"only {log.read_bytes().count(READY_LINE)} of {workers} workers started"
        if not run.error:
            time.sleep(0.5)
            run.parent_rss_mib = rss_mib(process.pid)
            for child in children(process.pid):
                command = cmdline(child)
                try:
                    rss = rss_mib(child)
                except OSError:
                    continue
                if "spawn_main" in command or "multiprocessing.spawn" in command:
                    run.worker_rss_mib.append(rss)
                else:  # e.g. multiprocessing's resource tracker
                    name = "resource tracker" if "resource_tracker" in command else f"pid {child}"
                    run.other_rss_mib[name] = rss
            if workers > 1 and len(run.worker_rss_mib) != workers:
                run.error = f"found {len(run.worker_rss_mib)} worker processes, expected {workers}"
        run.stop_s = kill_group(process)
    if run.error:
        tail = log.read_text(errors="replace").strip().splitlines()[-15:]
        run.error += "\n    " + "\n    ".join(tail)
    return run


def import_time(timeout: float) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "import intranet_core.app"],
        check=True,
        timeout=timeout,
        env=environment(),
        capture_output=True,
    )
    return time.perf_counter() - t0


def median(values: list[float]) -> float:
    values = [v for v in values if v == v]  # drop NaN
    return statistics.median(values) if values else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 3], help="worker counts (default 1 3)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per worker count (default 3)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for one start-up (default 60)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (logs) and print it")
    parser.add_argument(
        "--installed-plugins",
        action="store_true",
        help="also load the plugins installed in this environment (default: the core only)",
    )
    args = parser.parse_args()
    # SIGTERM ends this script through its `finally` blocks, which kill what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    if not INTRANET.exists():
        raise SystemExit(f"{INTRANET} not found: install the project into this interpreter's environment")

    installed = installed_plugins()
    if not args.installed_plugins:
        DISABLED[:] = installed
    directory = Path(tempfile.mkdtemp(prefix="bench-startup-"))
    try:
        print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs; {INTRANET}")
        enabled = [name for name in installed if name not in DISABLED]
        print(
            "Plugins: the core's built-in ones"
            + (f" + installed: {', '.join(enabled)}" if enabled else "")
            + (f" (installed but disabled: {', '.join(DISABLED)})" if DISABLED else "")
        )
        init_s = cli(directory, "init")
        migrate_s = cli(directory, "migrate")
        imports = [import_time(args.timeout) for _ in range(args.repeat)]
        print(
            f"`intranet init` {init_s:.2f} s, `intranet migrate` {migrate_s:.2f} s (SQLite), "
            f"`python -c 'import intranet_core.app'` {median(imports):.2f} s "
            f"(median of {args.repeat})\n"
        )

        runs: dict[int, list[Run]] = {w: [] for w in args.workers}
        for index in range(args.repeat):  # interleaved, so drift hits every worker count alike
            for workers in args.workers:
                run = one_run(directory, workers, index, args.timeout)
                runs[workers].append(run)
                if run.error:
                    print(f"run {index + 1}, {workers} worker(s): FAILED: {run.error}")
                else:
                    detail = ", ".join(f"{r:.1f}" for r in run.worker_rss_mib) or "in the parent"
                    others = "".join(f", {k} {r:.1f} MiB" for k, r in run.other_rss_mib.items())
                    print(
                        f"run {index + 1}, {workers} worker(s): first 200 {run.first_200_s:.2f} s, "
                        f"all workers up {run.all_ready_s:.2f} s, "
                        f"RSS parent {run.parent_rss_mib:.1f} MiB, "
                        f"workers [{detail}] MiB{others}, stop {run.stop_s:.2f} s"
                    )

        print(f"\nMedian of {args.repeat} runs (RSS half a second after start-up, before other requests):")
        header = (
            f"{'workers':>7}  {'first 200':>9}  {'all up':>7}  {'parent RSS':>10}  "
            f"{'per worker RSS':>14}  {'total RSS':>9}  {'stop':>6}  failed"
        )
        print(header)
        print("-" * len(header))
        for workers, results in runs.items():
            good = [r for r in results if not r.error]
            per_worker = median([w for r in good for w in r.worker_rss_mib])
            print(
                f"{workers:>7}  {median([r.first_200_s for r in good]):>8.2f}s  "
                f"{median([r.all_ready_s for r in good]):>6.2f}s  "
                f"{median([r.parent_rss_mib for r in good]):>6.1f} MiB  "
                + (f"{per_worker:>10.1f} MiB" if good and good[0].worker_rss_mib else f"{'(parent)':>14}")
                + f"  {median([r.total_rss_mib for r in good]):>5.1f} MiB"
                f"  {median([r.stop_s for r in good]):>5.2f}s  {len(results) - len(good)}"
            )
        failed = any(r.error for results in runs.values() for r in results)
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"\nlogs kept in {directory}")
        else:
            import shutil

            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
