"""On a phone (360 px): find a colleague as you type, call them; the same without JavaScript; axe-clean pages.

Runs against `intranet demo` with the installed plugins (the phonebook among them).
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from intranet_core.testing_browser import PHONE, axe_violations, scroll_width, sign_in

pytestmark = pytest.mark.browser


async def _results(page: Any) -> list[str]:
    return [text.strip() for text in await page.locator("#pb-results .pb-name").all_inner_texts()]


async def test_search_as_you_type_on_a_phone_and_call(phone: Any) -> None:
    await sign_in(phone, "member@example.org")
    await phone.goto("/phonebook")
    assert await scroll_width(phone) <= PHONE["width"]
    # Typed a letter at a time: the results follow without a press of the button.
    await phone.locator("#pb-q").press_sequentially("jen", delay=60)
    await phone.wait_for_function(
        "() => document.querySelectorAll('#pb-results .pb-name').length > 0 && location.search.includes('q=jen')"
    )
    names = await _results(phone)
    assert names and all(re.search(r"\bjen", name, re.IGNORECASE) for name in names[:3]), names
    assert await scroll_width(phone) <= PHONE["width"]
    # A number typed in pairs finds its owner.
    await phone.locator("#pb-q").fill("")
    await phone.locator("#pb-q").press_sequentially("86 12", delay=40)
    await phone.wait_for_function("() => location.search.includes('q=86+12')")
    await phone.wait_for_function("() => document.querySelectorAll('#pb-results .pb-name').length > 0")
    # A call button is a tel: link big enough to tap.
    call = phone.locator("#pb-results a.pb-action[href^='tel:']").first
    box = await call.bounding_box()
    assert box is not None and box["height"] >= 44
    assert re.fullmatch(r"tel:\+45\d{8}", await call.get_attribute("href") or "")
    # Into a profile: the numbers are tel: links there too, and nothing scrolls sideways.
    await phone.locator("#pb-results .pb-name").first.click()
    await phone.wait_for_load_state()
    assert re.search(r"/people/\d+$", phone.url)
    assert await phone.locator("main a[href^='tel:']").count() >= 1
    assert await phone.locator("main a[href^='mailto:']").count() == 1
    assert await scroll_width(phone) <= PHONE["width"]


async def test_search_without_javascript(browser: Any, live_site: str) -> None:
    context = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK",
                                        java_script_enabled=False)
    page = await context.new_page()
    try:
        await sign_in(page, "member@example.org")
        await page.goto("/phonebook")
        await page.fill("#pb-q", "pension")
        await page.click("form.pb-search button[type=submit]")
        await page.wait_for_load_state()
        assert "q=pension" in page.url
        assert await _results(page)
    finally:
        await context.close()


async def test_a_number_for_administrators_only_is_not_found_by_a_member(phone: Any) -> None:
    await sign_in(phone, "admin@example.org")
    await phone.goto("/phonebook?q=camilla+aagaard")
    await phone.locator("#pb-results .pb-name").first.click()
    await phone.wait_for_load_state()
    # The demo is in Danish: the mobile number is the link labelled "Mobil".
    mobile = await phone.locator("main a.profile-action[href^='tel:']", has_text="Mobil").first.get_attribute("href")
    assert mobile
    profile = phone.url
    await phone.context.clear_cookies()
    await sign_in(phone, "member@example.org")
    await phone.goto(f"/phonebook?q={mobile.removeprefix('tel:+45')}")
    assert await _results(phone) == []
    await phone.goto(profile)
    assert await phone.locator(f"main a[href='{mobile}']").count() == 0


async def test_the_phonebooks_pages_have_no_serious_accessibility_violations(phone: Any) -> None:
    await sign_in(phone, "admin@example.org")
    await phone.goto("/phonebook/contacts?q=pension")
    contact = await phone.locator(".pb-name").first.get_attribute("href")
    await phone.goto("/phonebook?q=jens")
    person = await phone.locator("#pb-results .pb-name").first.get_attribute("href")
    await phone.goto("/phonebook/units")
    units = phone.url
    await phone.locator(".pb-units a").first.click()
    await phone.wait_for_load_state()
    pages = [
        "/phonebook", "/phonebook?q=jens", "/phonebook?q=zzzz", "/phonebook/contacts", "/phonebook/contacts/new",
        str(contact), str(contact) + "/edit", str(person), units, phone.url, "/phonebook/profile",
    ]
    problems = {}
    for path in pages:
        response = await phone.goto(path)
        assert response is not None and response.status == 200, path
        if found := await axe_violations(phone):
            problems[path] = found
        assert await scroll_width(phone) <= PHONE["width"], path
    # The front page is the feed's: only the phonebook's box on it is checked here.
    await phone.goto("/")
    assert await phone.locator(".pb-widget").count() == 1
    if found := await axe_violations(phone, within=".pb-widget"):
        problems["the front page's New colleagues box"] = found
    # A form shown again with its problems.
    await phone.goto("/phonebook/profile")
    await phone.fill("#f-office", "x" * 250)
    await phone.evaluate("document.querySelector('#f-office').removeAttribute('maxlength')")
    await phone.fill("#f-office", "x" * 250)
    await phone.click("form.pb-form[action$='/edit'] button[type=submit]")
    await phone.wait_for_load_state()
    assert await phone.locator(".pb-error").count() == 1
    if found := await axe_violations(phone):
        problems["the form with an error"] = found
    assert problems == {}
