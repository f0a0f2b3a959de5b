"""Automation: `nox -s tests` (SQLite), `tests_postgres`, `lint`, `typecheck`, `demo`."""

from __future__ import annotations

import os

import nox

nox.options.default_venv_backend = "uv"
nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
PACKAGES = ["-e", ".[test]", "-e", "examples/hello-plugin"]


def install(session: nox.Session) -> None:
    session.install(*PACKAGES)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite on a throw-away SQLite database."""
    install(session)
    env = {"INTRANET_TEST_DATABASE_URL": ""}
    session.run("pytest", *(session.posargs or ["-q"]), env=env)


@nox.session(python=PYTHON)
def tests_postgres(session: nox.Session) -> None:
    """The test suite on the PostgreSQL in $INTRANET_TEST_DATABASE_URL (emptied by the tests)."""
    url = os.environ.get("INTRANET_TEST_DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        session.error("set INTRANET_TEST_DATABASE_URL to a PostgreSQL database the tests may empty")
    install(session)
    # The browser tests drive `intranet demo`, which is SQLite; they run in `tests`.
    session.run("pytest", *(session.posargs or ["-q", "-m", "not browser"]), env={"INTRANET_TEST_DATABASE_URL": url})


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: style and common bugs."""
    session.install("ruff")
    session.run("ruff", "check", "src", "tests", "examples", "benchmarks", "noxfile.py")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy on the core."""
    session.install("-e", ".[test]", "mypy")
    session.run("mypy", "src/intranet_core")


@nox.session(python=PYTHON)
def demo(session: nox.Session) -> None:
    """The demo site with every example plugin."""
    install(session)
    session.run("intranet", "demo", *session.posargs)
