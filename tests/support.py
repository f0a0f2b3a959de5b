"""Helpers shared by the core's tests (fixtures come from intranet_core.testing)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

INTRANET = str(Path(sys.executable).parent / "intranet")


def install_fake_plugin(site_dir: Path, name: str, module: str, source: str | None) -> None:
    """Make ``name`` an installed plugin for subprocesses with ``site_dir`` on PYTHONPATH.

    Writes a real ``.dist-info`` with an ``intranet`` entry point, exactly what
    pip writes, so discovery goes through importlib.metadata as in production.
    """
    dist = site_dir / f"intranet_{name}-0.0.1.dist-info"
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: intranet-{name}\nVersion: 0.0.1\n")
    (dist / "entry_points.txt").write_text(f"[intranet]\n{name} = {module}\n")
    if source is not None:
        (site_dir / f"{module}.py").write_text(source)


def run_cli(*args: str, cwd: Path, site_dir: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 60) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    if site_dir is not None:
        environ["PYTHONPATH"] = str(site_dir)
    environ.update(env or {})
    return subprocess.run(
        [INTRANET, *args], cwd=cwd, env=environ, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture
def database_url(intranet_settings: Any) -> str:
    return intranet_settings.database.url


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://"))
