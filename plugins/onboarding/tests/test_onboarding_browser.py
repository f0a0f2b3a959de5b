"""On a phone (360 px): the demo's new hire signs in before starting, sees only the checklist, answers and ticks.

The demo site runs as ``intranet demo`` with the core, the surveys plugin and
this one only. axe-core finds nothing serious on the plugin's pages, and none
of them scrolls sideways.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from intranet_core.plugins import discover_entry_points
from intranet_core.testing_browser import (
    PHONE,
    axe_violations,
    browser,  # noqa: F401 - a fixture
    require_chromium,
    scroll_width,
    serve_demo,
    sign_in,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    require_chromium()
    others = [ep.name for ep in discover_entry_points() if ep.name not in ("onboarding", "surveys")]
    directory = tmp_path_factory.mktemp("onboarding-site")
    with serve_demo(directory, disabled=others) as url:
        database = next(directory.rglob("demo.sqlite3"))
        with sqlite3.connect(database) as db:
            row = db.execute(
                "SELECT p.email FROM onboarding_flow f JOIN person p ON p.id = f.person "
                "WHERE f.anchor_date > date('now') AND p.password_hash IS NOT NULL").fetchone()
        assert row is not None, "the demo has a new hire who may sign in"
        yield url, str(row[0])


@pytest.fixture
async def phone(browser: Any, site: tuple[str, str]) -> AsyncIterator[Any]:  # noqa: F811 - the fixture above
    context = await browser.new_context(viewport=PHONE, base_url=site[0], locale="da-DK", is_mobile=True,
                                        has_touch=True)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def test_new_hire_checklist_on_a_phone(phone: Any, site: tuple[str, str]) -> None:
    await sign_in(phone, site[1])
    # Before the start date: the front page leads to the checklist, the rest of the site is not there.
    assert phone.url.endswith("/onboarding")
    assert await phone.locator("h1").inner_text() == "Din onboarding"
    response = await phone.goto("/search?q=a")
    assert response is not None and response.status == 404
    await phone.goto("/onboarding")
    problems = await axe_violations(phone)
    assert problems == []
    assert await scroll_width(phone) <= PHONE["width"]
    # The welcome questionnaire, answered through the surveys plugin's form.
    await phone.click("a[href$='/answer']")
    await phone.wait_for_load_state()
    assert await axe_violations(phone) == []
    await phone.locator("input[name='q.welcome'][value='5']").check()
    await phone.locator("input[name='q.laptop'][value='yes']").check()
    await phone.locator("form[action$='/answer'] button[type=submit]").last.click()
    await phone.wait_for_load_state()
    assert "/onboarding/flows/" in phone.url
    # Tick a task off.
    before = await phone.locator(".onb-done").count()
    await phone.locator("form.onb-tick button[type=submit]").first.click()
    await phone.wait_for_load_state()
    assert await phone.locator(".onb-done").count() == before + 1
    # Hand in the tax card: a file chosen on the phone, sent with the tick.
    document = phone.locator("form.onb-tick[enctype='multipart/form-data']").first
    await document.locator("input[type=file]").set_input_files(
        files=[{"name": "skattekort.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
    await document.locator("button[type=submit]").click()
    await phone.wait_for_load_state()
    assert await phone.locator(".onb-done").count() == before + 2
    link = phone.locator(".onb-files a", has_text="skattekort.pdf")
    assert await link.count() == 1
    assert await axe_violations(phone) == []
    assert await scroll_width(phone) <= PHONE["width"]


async def test_no_serious_accessibility_faults_on_hr_pages(phone: Any) -> None:
    await sign_in(phone, "admin@example.org")
    problems: dict[str, list[str]] = {}
    await phone.goto("/onboarding/hr")
    flow = await phone.locator("table.onb-table a[href^='/onboarding/flows/']").first.get_attribute("href")
    assert flow
    await phone.goto("/onboarding/templates")
    template = await phone.locator("main a[href^='/onboarding/templates/']").last.get_attribute("href")
    assert template
    for path in ("/onboarding/hr", "/onboarding/start", "/onboarding", flow, "/onboarding/templates", template,
                 "/onboarding/templates/new", "/"):
        response = await phone.goto(path)
        assert response is not None and response.status == 200, path
        found = await axe_violations(phone, within=".widgets" if path == "/" else None)
        if found:
            problems[path] = found
        if await scroll_width(phone) > PHONE["width"]:
            problems.setdefault(path, []).append(f"scrolls sideways: {await scroll_width(phone)} px")
    assert problems == {}


