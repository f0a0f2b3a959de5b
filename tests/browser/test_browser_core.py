"""As a person on a phone: sign in, sign out, switch language; no serious accessibility faults."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from browser_support import sign_in

pytestmark = pytest.mark.browser


async def test_sign_in_and_out_on_a_phone(phone: Any) -> None:
    await phone.goto("/")
    assert "/signin" in phone.url  # the front page needs a signed-in person
    await sign_in(phone, "member@example.org")
    assert phone.url.endswith("/")
    assert await phone.locator("form[action='/signout']").count() == 1
    # Nothing scrolls sideways at 360 px.
    width = await phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360
    await phone.click(".user-menu summary")
    await phone.locator("form[action='/signout'] button").first.click()
    await phone.wait_for_load_state()
    assert "/signin" in phone.url
    await phone.goto("/")
    assert "/signin" in phone.url


async def test_wrong_password_is_refused(phone: Any) -> None:
    await sign_in(phone, "member@example.org", "not-the-password")
    assert "/signin" in phone.url
    assert await phone.locator("[role=alert]").count() == 1


async def test_switching_language(phone: Any) -> None:
    await phone.goto("/signin")
    assert await phone.get_attribute("html", "lang") == "da"
    await phone.select_option("#language-select", "en")
    await phone.click(".language-form button[type=submit]")
    await phone.wait_for_load_state()
    assert await phone.get_attribute("html", "lang") == "en"
    assert "Sign in" in await phone.inner_text("h1")
    await phone.select_option("#language-select", "da")
    await phone.click(".language-form button[type=submit]")
    await phone.wait_for_load_state()
    assert "Log ind" in await phone.inner_text("h1")


async def axe_violations(page: Any) -> list[str]:
    from axe_playwright_python.async_playwright import Axe

    results = await Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


SIGNED_OUT_PAGES = ["/signin", "/password-reset", "/no-such-page"]
SIGNED_IN_PAGES = ["/", "/account", "/account/sessions", "/account/tokens", "/admin", "/admin/people",
                   "/admin/people/new", "/admin/units", "/admin/roles", "/admin/import", "/audit"]


async def test_core_pages_have_no_serious_accessibility_violations(phone: Any) -> None:
    problems = {}
    for path in SIGNED_OUT_PAGES:
        await phone.goto(path)
        if found := await axe_violations(phone):
            problems[path] = found
    await sign_in(phone, "admin@example.org")
    for path in SIGNED_IN_PAGES:
        response = await phone.goto(path)
        assert response is not None and response.status < 500, path
        if found := await axe_violations(phone):
            problems[path] = found
    assert problems == {}


async def test_admin_creates_a_person_in_a_district(phone: Any) -> None:
    await sign_in(phone, "admin@example.org")
    await phone.goto("/admin/people/new")
    await phone.fill("#f-email", "Ny.Kollega@Example.org")
    await phone.fill("#f-name", "Ny Kollega")
    await phone.fill("#f-title", "Faglig konsulent")
    fyn = await phone.locator("#f-unit_id option", has_text="Fyn").first.get_attribute("value")
    await phone.select_option("#f-unit_id", value=fyn)
    await phone.fill("#f-password", "a long and fine password")
    await phone.click("form.admin-form button[type=submit]")
    await phone.wait_for_load_state()
    assert "/admin/people/" in phone.url
    assert "Ny Kollega" in await phone.inner_text("main")
    # The new colleague can sign in at once.
    await phone.context.clear_cookies()
    await sign_in(phone, "ny.kollega@example.org", "a long and fine password")
    assert urlsplit(phone.url).path == "/"
    assert await phone.locator("form[action='/signout']").count() == 1
