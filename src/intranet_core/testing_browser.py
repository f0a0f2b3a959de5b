"""Browser tests for the core and for plugins: Debian's Chromium, driven by Playwright, against `intranet demo`.

No browser is downloaded: Playwright launches /usr/bin/chromium (or
``$INTRANET_CHROMIUM``). On CI (``CI=true``) a missing browser fails the
run; elsewhere the tests that need it are skipped with the reason. Needs
``intranet-core[test]`` (playwright, axe-playwright-python).

A plugin's ``conftest.py`` takes the fixtures by importing them::

    from intranet_core.testing_browser import browser, live_site, phone  # noqa: F401 - fixtures

``live_site``
    The demo site (every installed and enabled plugin, with its demo data)
    served by ``intranet demo`` on a free loopback port, once per test
    session; ``hello``, the example plugin, is left out.
``browser``
    A headless Chromium.
``phone``
    A page in a 360 x 740 px, touch, Danish browser context on ``live_site``.

and signs in with :func:`sign_in`, and checks a page with
:func:`axe_violations`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import AsyncIterator, Iterator, Sequence
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
DEMO_PASSWORD = "intranet-demo"  # noqa: S105 - the published password of the demo accounts
SERIOUS = ("serious", "critical")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def require_chromium() -> None:
    """Skip the test (fail on CI) when there is no Chromium to drive."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}; CI must install it")
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")


@contextlib.contextmanager
def serve_demo(directory: Path, *, disabled: Sequence[str] = ("hello",), timeout: float = 90) -> Iterator[str]:
    """``intranet demo`` in ``directory`` on a free port, without the ``disabled`` plugins; yields its URL.

    The server runs in a process group of its own, ended (SIGTERM, then
    SIGKILL) when the block is left. ``INTRANET_*`` variables of the calling
    environment are not passed on.
    """
    port = _free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("INTRANET_")}
    if disabled:
        environ["INTRANET_PLUGINS_DISABLED"] = ",".join(disabled)
    process = subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [INTRANET, "demo", "--port", str(port)], cwd=directory, env=environ, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if process.poll() is not None:
                raise AssertionError(f"intranet demo exited: {process.stdout.read() if process.stdout else ''}")
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 - our own loopback server
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"intranet demo did not start in {timeout:.0f} s") from None
                time.sleep(0.3)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


async def sign_in(page: Any, email: str, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the sign-in form, as a person would."""
    await page.goto("/signin")
    await page.fill("#email", email)
    await page.fill("#password", password)
    await page.click("form[action='/signin'] button[type=submit]")
    await page.wait_for_load_state()


async def axe_violations(page: Any, impacts: Sequence[str] = SERIOUS, *, within: str | None = None) -> list[str]:
    """axe-core's violations of the given impacts on the page as it is now, one line each.

    ``within``: a CSS selector, to check only that part of the page (a
    plugin's box on a page that is not the plugin's).
    """
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page, context=within)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


async def scroll_width(page: Any) -> int:
    """How wide the page's content is: more than the viewport means it scrolls sideways."""
    return int(await page.evaluate("document.documentElement.scrollWidth"))


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site served by `intranet demo` on a free loopback port."""
    require_chromium()
    with serve_demo(tmp_path_factory.mktemp("site")) as url:
        yield url


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    require_chromium()
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
