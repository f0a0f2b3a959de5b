"""The `intranet` command, run as a person runs it: a real process."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from support import INTRANET, install_fake_plugin, run_cli

MISSPELLED = """
from intranet_core import hookimpl

@hookimpl
def register_nav_item(app, request):
    return []
"""

GOOD = """
import msgspec
from intranet_core import hookimpl

class Settings(msgspec.Struct, forbid_unknown_fields=True):
    colour: str = "blue"

@hookimpl
def register_settings(app):
    return Settings
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    result = run_cli("init", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_init_writes_a_secret_and_refuses_to_overwrite(tmp_path: Path) -> None:
    assert run_cli("init", cwd=tmp_path).returncode == 0
    first = (tmp_path / "intranet.toml").read_text()
    assert 'secret_key = "' in first
    assert oct((tmp_path / "intranet.toml").stat().st_mode & 0o777) == "0o600"
    again = run_cli("init", cwd=tmp_path)
    assert one_line_error(again) == "error: intranet.toml already exists; not overwriting it"
    assert (tmp_path / "intranet.toml").read_text() == first
    other = run_cli("init", cwd=tmp_path / "..")
    assert other.returncode in (0, 2)


@pytest.mark.parametrize("command", [["check"], ["migrate"], ["run"], ["plugins"]])
def test_bad_config_gives_one_line_and_status_2(site: Path, command: list[str]) -> None:
    toml = site / "intranet.toml"
    toml.write_text(toml.read_text().replace("port = 8000", 'port = "eighty"'))
    line = one_line_error(run_cli(*command, cwd=site))
    assert line == "error: intranet.toml: server.port: expected integer, got str"


def test_plugin_failing_to_import_gives_one_line(site: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_fake_plugin(packages, "broken", "intranet_broken", "import does_not_exist_anywhere\n")
    line = one_line_error(run_cli("migrate", cwd=site, site_dir=packages))
    assert line == (
        "error: plugin 'broken' (intranet_broken) failed to import: "
        "ModuleNotFoundError: No module named 'does_not_exist_anywhere'"
    )
    # Disabled in the settings, it is not imported at all.
    toml = site / "intranet.toml"
    toml.write_text(toml.read_text().replace("disabled = []", 'disabled = ["broken"]'))
    assert run_cli("migrate", cwd=site, site_dir=packages).returncode == 0


def test_misspelled_hook_gives_one_line(site: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_fake_plugin(packages, "typo", "intranet_typo", MISSPELLED)
    line = one_line_error(run_cli("run", cwd=site, site_dir=packages))
    assert line.startswith("error: plugin 'typo' implements unknown hook 'register_nav_item'")


def test_invalid_plugin_settings_give_one_line(site: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_fake_plugin(packages, "paint", "intranet_paint", GOOD)
    toml = site / "intranet.toml"
    toml.write_text(toml.read_text() + "\n[plugins.paint]\ncolour = 3\n")
    line = one_line_error(run_cli("check", cwd=site, site_dir=packages))
    assert line == "problem: intranet.toml: plugins.paint.colour: expected string, got int"


def test_check_lists_every_broken_plugin(site: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_fake_plugin(packages, "broken", "intranet_broken", "raise RuntimeError('boom')\n")
    install_fake_plugin(packages, "gone", "intranet_gone", None)
    result = run_cli("check", cwd=site, site_dir=packages)
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert problems == [
        "problem: plugin 'broken' (intranet_broken) failed to import: RuntimeError: boom",
        "problem: plugin 'gone' (intranet_gone) failed to import: ModuleNotFoundError: No module named 'intranet_gone'",
    ]


def test_plugins_lists_name_version_enabled_hooks(site: Path, tmp_path: Path) -> None:
    packages = tmp_path / "packages"
    install_fake_plugin(packages, "paint", "intranet_paint", GOOD)
    result = run_cli("plugins", cwd=site, site_dir=packages)
    assert result.returncode == 0, result.stderr
    rows = {line.split()[0]: line.split(None, 3) for line in result.stdout.splitlines()[1:]}
    assert rows["paint"][1:] == ["0.0.1", "yes", "register_settings"]
    assert rows["core"][1:3] == ["built-in", "yes"]
    toml = site / "intranet.toml"
    toml.write_text(toml.read_text().replace("disabled = []", 'disabled = ["paint"]'))
    listing = run_cli("plugins", cwd=site, site_dir=packages).stdout
    rows = {line.split()[0]: line.split() for line in listing.splitlines()[1:]}
    assert rows["paint"][1:] == ["0.0.1", "no", "-"]


def test_migrate_check_then_migrate_then_check(site: Path) -> None:
    pending = run_cli("migrate", "--check", cwd=site)
    assert pending.returncode == 1
    assert "core_store:" in pending.stdout
    applied = run_cli("migrate", cwd=site)
    assert applied.returncode == 0, applied.stderr
    assert "applied core_store:" in applied.stdout
    assert run_cli("migrate", "--check", cwd=site).returncode == 0
    assert "up to date" in run_cli("migrate", cwd=site).stdout
    ok = run_cli("check", cwd=site)
    assert ok.returncode == 0, ok.stderr


def test_run_refuses_while_migrations_are_pending(site: Path) -> None:
    result = run_cli("run", "--port", str(free_port()), cwd=site, timeout=30)
    assert result.returncode == 1
    assert "migration(s) pending: core_store:" in result.stderr
    assert "intranet migrate" in result.stderr


def test_commands_that_write_refuse_a_database_behind_the_code(site: Path) -> None:
    people = site / "people.csv"
    people.write_text("email;name\nanna@example.org;Anna\n", encoding="utf-8")
    for args in (("import", "--people", str(people)), ("demo-data",)):
        result = run_cli(*args, cwd=site, timeout=30)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert "migration(s) pending" in result.stderr and "Traceback" not in result.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, process: subprocess.Popen[str], seconds: float = 30) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return bytes(response.read())
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer in {seconds} s")


def serve(args: list[str], cwd: Path) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    return subprocess.Popen(
        [INTRANET, *args], cwd=cwd, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_run_serves_with_two_workers(site: Path) -> None:
    assert run_cli("migrate", cwd=site).returncode == 0
    port = free_port()
    process = serve(["run", "--port", str(port), "--workers", "2"], site)
    try:
        body = wait_for(f"http://127.0.0.1:{port}/healthz", process)
        assert b'"status":"ok"' in body
        page = wait_for(f"http://127.0.0.1:{port}/signin", process)
        assert b"<!doctype html>" in page
    finally:
        stop(process)


def test_demo_prepares_once_and_reuses(tmp_path: Path) -> None:
    first = run_cli("demo", "--no-serve", "--port", "8123", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "Loaded the demo data" in first.stdout
    assert "http://127.0.0.1:8123/" in first.stdout
    second = run_cli("demo", "--no-serve", cwd=tmp_path)
    assert "Reusing the demo data" in second.stdout
    reset = run_cli("demo", "--no-serve", "--reset", cwd=tmp_path)
    assert "Loaded the demo data" in reset.stdout


def test_demo_serves_a_page(tmp_path: Path) -> None:
    port = free_port()
    process = serve(["demo", "--port", str(port)], tmp_path)
    try:
        page = wait_for(f"http://127.0.0.1:{port}/signin", process, seconds=60)
        assert b"<!doctype html>" in page
    finally:
        stop(process)


def test_every_command_has_help(tmp_path: Path) -> None:
    top = run_cli("--help", cwd=tmp_path)
    assert top.returncode == 0
    for command in ("init", "check", "migrate", "run", "plugins", "demo"):
        assert command in top.stdout
        result = run_cli(command, "--help", cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert "Usage: intranet" in result.stdout
    assert INTRANET


def test_createuser_makes_the_first_admin(site: Path) -> None:
    assert run_cli("migrate", cwd=site).returncode == 0
    created = subprocess.run(
        [INTRANET, "createuser", "--email", "Boss@Example.org", "--name", "Bo Boss", "--admin", "--password-stdin"],
        cwd=site, input="correct horse battery staple\n", capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")},
    )
    assert created.returncode == 0, created.stderr
    assert "Created boss@example.org" in created.stdout
    again = subprocess.run(
        [INTRANET, "createuser", "--email", "boss@example.org", "--name", "X", "--password-stdin"],
        cwd=site, input="correct horse battery staple\n", capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")},
    )
    assert one_line_error(again) == "error: email: boss@example.org already has an account"
    weak = subprocess.run(
        [INTRANET, "createuser", "--email", "w@example.org", "--name", "W", "--password-stdin"],
        cwd=site, input="password\n", capture_output=True, text=True, timeout=60, check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")},
    )
    assert one_line_error(weak) == "error: password: expected not one of the most common passwords"
