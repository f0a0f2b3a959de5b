"""Automation.

* ``tests`` (the README's command): the core and every first-party plugin
  installed together, each test suite on a throw-away SQLite database.
* ``tests_postgres``: the same on the PostgreSQL in ``$INTRANET_TEST_DATABASE_URL``.
* ``plugin_alone``: each plugin installed with the core and nothing else (its
  declared ``intranet-*`` dependencies aside), its own tests on SQLite and, when
  ``$INTRANET_TEST_DATABASE_URL`` is set, on PostgreSQL. This is what proves a
  plugin does not lean on another one it does not declare.
* ``lint``, ``typecheck``, ``demo``.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import nox
import nox.command

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
HERE = Path(__file__).parent
PLUGINS = sorted(path.name for path in (HERE / "plugins").iterdir() if (path / "pyproject.toml").is_file())
CORE = ["-e", ".[test]", "-e", "examples/hello-plugin"]


def plugin_requirements(name: str) -> list[str]:
    """The plugin and the first-party plugins it depends on, as editable installs."""
    return [arg for plugin in plugins_needed(name) for arg in ("-e", plugin_path(plugin))]


def plugins_needed(name: str) -> list[str]:
    """``name`` after the first-party plugins it depends on (their own dependencies first)."""
    meta = tomllib.loads((HERE / "plugins" / name / "pyproject.toml").read_text())["project"]
    needed: list[str] = []
    for requirement in meta.get("dependencies", []):
        distribution = requirement.split(";")[0].strip().split(" ")[0]
        for stop in "<>=!~[":
            distribution = distribution.split(stop)[0]
        other = distribution.removeprefix("intranet-")
        if distribution.startswith("intranet-") and other in PLUGINS:
            needed += plugins_needed(other)
    return list(dict.fromkeys([*needed, name]))


def plugin_path(name: str) -> str:
    """The plugin's folder, with its ``test`` extra when it declares one (real peers its tests start)."""
    meta = tomllib.loads((HERE / "plugins" / name / "pyproject.toml").read_text())["project"]
    return f"plugins/{name}[test]" if "test" in meta.get("optional-dependencies", {}) else f"plugins/{name}"


def every_plugin() -> list[str]:
    return [arg for plugin in PLUGINS for arg in ("-e", plugin_path(plugin))]


def suites() -> list[str]:
    """The core's tests, then each plugin's: one pytest run each, so their conftests stay apart."""
    return ["tests", *(f"plugins/{plugin}/tests" for plugin in PLUGINS)]


def run_suites(session: nox.Session, commands: list[list[str]], env: dict[str, str]) -> None:
    """Run every suite even when one fails, so one run shows every failure; fail at the end."""
    failed = []
    for command in commands:
        try:
            session.run(*command, env=env)
        except nox.command.CommandFailed:
            failed.append(command[-1])
    if failed:
        session.error(f"failed: {', '.join(failed)}")


def postgres_url(session: nox.Session, *, required: bool) -> str:
    url = os.environ.get("INTRANET_TEST_DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        return url
    if required:
        session.error("set INTRANET_TEST_DATABASE_URL to a PostgreSQL database the tests may empty")
    return ""


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """Every test suite, with the core and every plugin installed, on SQLite."""
    session.install(*CORE, *every_plugin())
    env = {"INTRANET_TEST_DATABASE_URL": ""}
    if session.posargs:
        session.run("pytest", *session.posargs, env=env)
        return
    run_suites(session, [["pytest", "-q", suite] for suite in suites()], env)


@nox.session(python=PYTHON)
def tests_postgres(session: nox.Session) -> None:
    """Every test suite on the PostgreSQL in $INTRANET_TEST_DATABASE_URL (emptied by the tests)."""
    url = postgres_url(session, required=True)
    session.install(*CORE, *every_plugin())
    env = {"INTRANET_TEST_DATABASE_URL": url}
    if session.posargs:
        session.run("pytest", *session.posargs, env=env)
        return
    # The browser tests drive `intranet demo`, which is SQLite; they run in `tests`.
    run_suites(session, [["pytest", "-q", "-m", "not browser", suite] for suite in suites()], env)


@nox.session(python=PYTHON)
@nox.parametrize("plugin", PLUGINS)
def plugin_alone(session: nox.Session, plugin: str) -> None:
    """One plugin with only the core: its tests on SQLite, then on PostgreSQL when configured."""
    session.install("-e", ".[test]", *plugin_requirements(plugin))
    suite = f"plugins/{plugin}/tests"
    session.run("pytest", "-q", *session.posargs, suite, env={"INTRANET_TEST_DATABASE_URL": ""})
    if url := postgres_url(session, required=False):
        session.run("pytest", "-q", "-m", "not browser", *session.posargs, suite,
                    env={"INTRANET_TEST_DATABASE_URL": url})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: style and common bugs."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "examples", "benchmarks", "plugins", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy on the core and every plugin."""
    session.install(*CORE, *every_plugin(), "mypy")
    session.run("mypy", "src/intranet_core", *(f"plugins/{plugin}/src" for plugin in PLUGINS))


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo site with every plugin."""
    session.install(*CORE, *every_plugin())
    session.run("intranet", "demo", *session.posargs)
