"""The example setups in examples/: each is set up as its README says, started, and its main pages checked.

Runs the real `intranet` command and server on a copy of the example. An
example whose plugins are not installed is skipped, naming them (`nox -s
tests` installs every plugin). The large-organisation example needs nginx and
PostgreSQL: tests/test_multiprocess.py runs it.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from support import INTRANET, run_cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
DEMO_PASSWORD = "intranet-demo"
ADMIN_PASSWORD = "example administrator passphrase"


def installed_plugins() -> set[str]:
    return {entry.name for entry in importlib.metadata.entry_points(group="intranet")}


def need(*plugins: str) -> None:
    missing = sorted(set(plugins) - installed_plugins())
    if missing:
        pytest.skip(f"needs the plugins {', '.join(missing)} installed")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def set_up(name: str, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    site = tmp_path / name
    shutil.copytree(EXAMPLES / name, site)
    env = {"INTRANET_SECRET_KEY": secrets.token_urlsafe(48)}
    return site, env


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stderr[-2000:]}"
    return result.stdout


@pytest.fixture
def serve() -> Iterator[object]:
    started: list[subprocess.Popen[bytes]] = []

    def start(site: Path, env: dict[str, str]) -> str:
        port = free_port()
        environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
        process = subprocess.Popen(
            [INTRANET, "run", "-c", "intranet.toml", "--port", str(port)], cwd=site, env={**environ, **env},
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"the server stopped: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    return base
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError("the server did not answer within 60 s")

    yield start
    for process in started:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


@contextlib.contextmanager
def signed_in(base: str, email: str, password: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base, timeout=30, headers={"accept": "text/html"}) as client:
        form = client.get("/signin")
        token = re.search(r'name="_csrf_token" value="([^"]+)"', form.text)
        assert token is not None
        answer = client.post("/signin", data={"email": email, "password": password, "_csrf_token": token.group(1)})
        assert answer.status_code == 303, answer.text[:500]
        yield client


def test_small_company(tmp_path: Path, serve: object) -> None:
    need("phonebook", "workgroups")
    site, env = set_up("small-company", tmp_path)
    ok(run_cli("migrate", "-c", "intranet.toml", cwd=site, env=env))
    assert "Imported 6 units and 30 people." in ok(
        run_cli("import", "-c", "intranet.toml", "--units", "units.csv", "--people", "people.csv", cwd=site, env=env)
    )
    # The import is all or nothing: the same files again are refused, each problem named.
    again = run_cli("import", "-c", "intranet.toml", "--people", "people.csv", cwd=site, env=env)
    assert again.returncode == 1 and "people: line 2:" in again.stderr
    created = subprocess.run(
        [INTRANET, "createuser", "-c", "intranet.toml", "--admin", "--email", "it@northwind.example",
         "--name", "IT Administrator", "--password-stdin"],
        cwd=site, env={**{k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}, **env},
        input=ADMIN_PASSWORD, capture_output=True, text=True, timeout=60, check=False,
    )
    assert created.returncode == 0, created.stderr

    base = serve(site, env)  # type: ignore[operator]
    with signed_in(base, "it@northwind.example", ADMIN_PASSWORD) as client:
        home = client.get("/")
        assert home.status_code == 200 and '<html lang="en"' in home.text and "Northwind Intranet" in home.text
        # Only the two plugins it enables, whatever else is installed.
        assert 'href="/phonebook"' in home.text and 'href="/groups"' in home.text
        assert 'href="/surveys"' not in home.text and 'href="/shortcuts"' not in home.text
        assert client.get("/surveys").status_code == 404
        phonebook = client.get("/phonebook", params={"q": "Emma"})
        assert phonebook.status_code == 200 and "Emma Kelly" in phonebook.text
        assert client.get("/groups").status_code == 200
        admin = client.get("/admin/people")
        assert admin.status_code == 200 and admin.text.count("@northwind.example") >= 30


def test_the_union(tmp_path: Path, serve: object) -> None:
    need("phonebook", "workgroups", "surveys", "onboarding", "esdh")
    site, env = set_up("union", tmp_path)
    ok(run_cli("migrate", "-c", "intranet.toml", cwd=site, env=env, timeout=180))
    ok(run_cli("check", "-c", "intranet.toml", cwd=site, env=env))
    loaded = ok(run_cli("demo-data", "-c", "intranet.toml", cwd=site, env=env, timeout=300))
    assert "member@example.org" in loaded and "intranet-demo" in loaded
    assert "already loaded" in ok(run_cli("demo-data", "-c", "intranet.toml", cwd=site, env=env, timeout=120))

    base = serve(site, env)  # type: ignore[operator]
    with signed_in(base, "member@example.org", DEMO_PASSWORD) as client:
        home = client.get("/")
        assert home.status_code == 200 and '<html lang="da"' in home.text
        assert "Ny procedure ved databrud" in home.text
        for path in ("/phonebook", "/groups", "/surveys", "/shortcuts", "/search?q=databrud", "/notifications"):
            page = client.get(path)
            assert page.status_code == 200, f"{path}: {page.status_code}"
            assert '<html lang="da"' in page.text, path
        found = client.get("/search", params={"q": "databrud"}).text
        assert "Ny procedure ved databrud" in re.sub(r"<[^>]+>", "", found)  # the word is highlighted
