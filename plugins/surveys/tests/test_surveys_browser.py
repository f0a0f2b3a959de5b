"""On a phone (360 px), against `intranet demo`: answering surveys, conditions shown as you answer, the
"done means" walk-through (an admin sends an anonymous pulse to a district, a member answers it, the results
stay hidden below k), and no serious accessibility faults on the plugin's pages, charts included.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from intranet_core.testing_browser import PHONE, axe_violations, scroll_width, sign_in

pytestmark = pytest.mark.browser


async def _pulse_link(page: Any) -> str:
    await page.goto("/surveys")
    link = page.locator("main .survey-list a", has_text="Trivselspuls Østjylland")
    assert await link.count() == 1
    return str(await link.get_attribute("href"))


async def test_a_member_answers_the_running_pulse_on_a_phone(phone: Any) -> None:
    await sign_in(phone, "member@example.org")
    # The front page tells them a survey is open for them.
    await phone.goto("/")
    assert await phone.locator(".widget", has_text="Trivselspuls Østjylland").count() == 1
    href = await _pulse_link(phone)
    await phone.goto(href)
    assert "Dine svar er anonyme." in await phone.inner_text("main")
    assert await scroll_width(phone) <= PHONE["width"]
    problems = await axe_violations(phone)
    # Sending without the required answers: the form again, with the problems listed and linked.
    await phone.click("button[name=_go][value=next]")
    await phone.wait_for_load_state()
    assert await phone.locator("[role=alert] li a").count() == 3
    problems += await axe_violations(phone)
    await phone.locator("#question-mood label", has_text="Enig").first.click()
    await phone.locator("#question-workload label", has_text="Hverken").click()
    await phone.locator("#question-support label", has_text="Ja").click()
    await phone.fill("#question-comment textarea", "Godt med de nye møder.")
    assert await scroll_width(phone) <= PHONE["width"]
    await phone.click("button[name=_go][value=next]")
    await phone.wait_for_load_state()
    assert "Tak for dine svar." in await phone.inner_text("main")
    problems += await axe_violations(phone)
    assert problems == []
    # Answered: no longer in the front page's box.
    await phone.goto("/")
    assert await phone.locator(".widget", has_text="Trivselspuls Østjylland").count() == 0


async def _send_survey(page: Any, title: str, start: str, district: str) -> str:
    """As the admin: a new survey from a starting point, sent anonymously to a district; returns its path."""
    await page.goto("/surveys/new")
    await page.fill("#title", title)
    await page.check(f"input[name=start][value={start}]")
    await page.click("main form button[type=submit]")
    await page.wait_for_load_state()
    match = re.search(r"/surveys/(\d+)/questions", page.url)
    assert match, page.url
    survey = f"/surveys/{match.group(1)}"
    await page.goto(survey + "/settings")
    await page.locator("main fieldset label", has_text=re.compile(rf"^[\s\u2013]*{district}\s*$")).locator(
        "input").check()
    await page.click("main form[action$='/settings'] button[type=submit]")
    await page.wait_for_load_state()
    assert page.url.endswith(survey + "/results"), page.url
    return survey


async def test_an_admin_sends_a_pulse_to_a_district_and_a_member_answers(browser: Any, live_site: str) -> None:
    admin = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK", is_mobile=True,
                                      has_touch=True)
    member = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK", is_mobile=True,
                                       has_touch=True)
    try:
        hr = await admin.new_page()
        await sign_in(hr, "admin@example.org")
        survey = await _send_survey(hr, "Puls efter flytningen", "pulse", "Østjylland")
        text = await hr.inner_text("main")
        assert "Færre end 5 svar: resultaterne er skjult." in text
        assert await scroll_width(hr) <= PHONE["width"]

        person = await member.new_page()
        await sign_in(person, "member@example.org")
        await person.goto(survey)
        for question, answer in (("mood", "Meget enig"), ("workload", "Enig"), ("support", "Nej")):
            await person.locator(f"#question-{question} label", has_text=answer).first.click()
        await person.click("button[name=_go][value=next]")
        await person.wait_for_load_state()
        assert "Tak for dine svar." in await person.inner_text("main")

        # One answer: counted as answered, the figures still hidden.
        await hr.reload()
        text = await hr.inner_text("main")
        assert "Færre end 5 svar: resultaterne er skjult." in text
        assert re.search(r"1\s+har svaret", text)
        assert await hr.locator("svg.chart").count() == 0
    finally:
        await admin.close()
        await member.close()


async def test_a_conditional_question_appears_as_you_answer_and_without_javascript_too(
    browser: Any, live_site: str
) -> None:
    admin = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK")
    try:
        hr = await admin.new_page()
        await sign_in(hr, "admin@example.org")
        survey = await _send_survey(hr, "Temperaturen i Østjylland", "temperature", "Østjylland")
    finally:
        await admin.close()
    scripted = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK", is_mobile=True,
                                         has_touch=True)
    plain = await browser.new_context(viewport=PHONE, base_url=live_site, locale="da-DK", java_script_enabled=False)
    try:
        page = await scripted.new_page()
        await sign_in(page, "member@example.org")
        await page.goto(survey)
        why = page.locator("#question-why_rarely")
        assert await why.is_hidden()
        await page.locator("#question-frequency label", has_text="Sjældent").click()
        assert await why.is_visible()
        assert await page.locator("#question-why_rarely .question-condition").is_hidden()
        await page.locator("#question-frequency label", has_text="Dagligt").click()
        assert await why.is_hidden()
        assert await axe_violations(page) == []

        # Without JavaScript: shown, saying when to answer it; the server drops it if it does not apply.
        bare = await plain.new_page()
        await sign_in(bare, "member@example.org")
        await bare.goto(survey)
        assert await bare.locator("#question-why_rarely").is_visible()
        assert "Besvar dette, hvis du svarede" in await bare.inner_text("#question-why_rarely")
        await bare.locator("#question-frequency label", has_text="Dagligt").click()
        await bare.fill("#question-why_rarely textarea", "Ikke relevant")
        await bare.locator("#question-device label", has_text="Min telefon").click()
        await bare.click("button[name=_go][value=next]")
        await bare.wait_for_load_state()
        assert "Side 2 af 3" in await bare.inner_text("main")
        hidden = await bare.locator("input[type=hidden][name='q.why_rarely']").count()
        assert hidden == 0
    finally:
        await scripted.close()
        await plain.close()


async def test_the_surveys_pages_have_no_serious_accessibility_violations(phone: Any) -> None:
    await sign_in(phone, "admin@example.org")
    await phone.goto("/surveys/manage")
    temperature = await phone.locator("main .survey-list a", has_text="Intranettets temperatur").get_attribute("href")
    pulse = await phone.locator("main .survey-list a", has_text="Trivselspuls Østjylland").get_attribute("href")
    assert temperature and pulse
    survey = temperature.rsplit("/", 1)[0]
    # The demo's temperature survey (closed, charts and figures per unit) and pulse (trends across rounds).
    pages = ["/surveys", "/surveys/manage", "/surveys/new", "/surveys/temperature",
             "/surveys/temperature?days=365", temperature, pulse, survey, survey + "/questions",
             survey + "/preview", survey + "/settings"]
    problems = {}
    for path in pages:
        response = await phone.goto(path)
        assert response is not None and response.status == 200, path
        if found := await axe_violations(phone):
            problems[path] = found
        assert await scroll_width(phone) <= PHONE["width"], path
    await phone.goto(temperature)
    assert await phone.locator("svg.chart").count() >= 7
    await phone.goto(pulse)
    assert await phone.locator("svg.chart").count() >= 3  # the trends
    # A form shown again with its problems.
    await phone.goto("/surveys/new")
    await phone.click("main form button[type=submit]")
    await phone.wait_for_load_state()
    if found := await axe_violations(phone):
        problems["the new-survey form with an error"] = found
    assert problems == {}
