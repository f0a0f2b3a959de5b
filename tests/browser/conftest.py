"""Browser tests: Debian's Chromium driven by Playwright against a real `intranet run`.

No browser is downloaded: Playwright launches /usr/bin/chromium (or
$INTRANET_CHROMIUM). On CI (CI=true) a missing browser fails the run;
elsewhere these tests are skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

INTRANET = str(Path(sys.executable).parent / "intranet")
CHROMIUM = os.environ.get("INTRANET_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"width": 360, "height": 740}
DEMO_PASSWORD = "intranet-demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site served by `intranet demo` on a free loopback port."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install it")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    directory = tmp_path_factory.mktemp("site")
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    environ["INTRANET_PLUGINS_DISABLED"] = "hello"
    process = subprocess.Popen(
        [INTRANET, "demo", "--port", str(port)], cwd=directory, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        if process.poll() is not None:
            raise AssertionError(f"intranet demo exited: {process.stdout.read() if process.stdout else ''}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                break
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError("intranet demo did not start in 90 s") from None
            time.sleep(0.3)
    try:
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        instance = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            await instance.close()


@pytest.fixture
async def phone(browser: Any, live_site: str) -> AsyncIterator[Any]:
    """A page in a phone-sized browser context (360 px wide), Danish by default."""
    context = await browser.new_context(
        viewport=PHONE, base_url=live_site, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()
