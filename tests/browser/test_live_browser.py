"""As a member with the feed open on a phone: a new post appears at the top without reloading.

And only the posts the reader may see: a post to a district appears for a
member of it, never for a member elsewhere.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from browser_support import sign_in

pytestmark = pytest.mark.browser

APPEARS_WITHIN_MS = 10_000
PHONE = {"width": 360, "height": 740}


@pytest.fixture
async def contexts(browser: Any, live_site: str) -> AsyncIterator[Any]:
    """Opens browser contexts (separate cookie jars: separate people); closes them all afterwards."""
    opened: list[Any] = []

    async def open_page(*, phone: bool = True) -> Any:
        options: dict[str, Any] = {"base_url": live_site, "locale": "da-DK"}
        if phone:
            options.update(viewport=PHONE, is_mobile=True, has_touch=True)
        context = await browser.new_context(**options)
        opened.append(context)
        return await context.new_page()

    try:
        yield open_page
    finally:
        for context in opened:
            await context.close()


async def open_feed(page: Any, email: str) -> list[str]:
    """Sign in, land on the feed, and wait until its live stream is open; returns the page's console errors."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    async with page.expect_response(lambda r: "/feed/live" in r.url and r.status == 200, timeout=10_000):
        await sign_in(page, email)
        assert page.url.endswith("/"), page.url
        assert await page.locator("#feed[data-live]").count() == 1
        assert await page.locator("script[src*='/static/core.live/live.js']").count() == 1, (
            "the feed page does not load live.js"
        )
    # Marks this very page: a reload would forget it.
    await page.evaluate("window.liveTestMarker = 'still the same page'")
    return errors


async def publish(page: Any, title: str, *, audience: str = "all", label: str | None = None) -> None:
    """Write a post through the composer, to an audience key or to the choice with this label."""
    await page.goto("/posts/new")
    await page.fill("#title", title)
    await page.fill("#body", f"{title}. Written in a browser, shown live.")
    if label is not None:
        await page.get_by_label(label, exact=True).check()
    else:
        await page.locator(f"input[name=audience][value='{audience}']").check()
    await page.click("form[action='/posts'] button[type=submit]")
    await page.wait_for_load_state()
    assert "/posts/" in page.url, page.url


async def test_a_new_post_appears_on_an_open_feed_without_reloading(contexts: Any) -> None:
    reader = await contexts()
    errors = await open_feed(reader, "member@example.org")
    shown_before = await reader.locator("#feed article.post").count()

    editor = await contexts(phone=False)
    await sign_in(editor, "admin@example.org")
    title = f"Live news {uuid.uuid4().hex[:8]}"
    await publish(editor, title)

    card = reader.locator("#feed article.post", has_text=title)
    await card.wait_for(timeout=APPEARS_WITHIN_MS)
    assert await reader.evaluate("window.liveTestMarker") == "still the same page"
    # At the top, once, announced to screen readers, and usable like any other card.
    assert await reader.locator("#feed article.post").first.inner_text() == await card.inner_text()
    assert await card.count() == 1
    assert await reader.locator("#feed article.post").count() == shown_before + 1
    assert title in await reader.locator("p[role=status]").inner_text()
    assert errors == []  # no script error, nothing refused by the Content-Security-Policy
    await card.locator("h2 a").click()
    await reader.wait_for_load_state()
    assert "/posts/" in reader.url
    assert title in await reader.inner_text("main")


async def test_a_post_to_a_district_appears_only_for_its_members(contexts: Any) -> None:
    member = await contexts()
    await open_feed(member, "member@example.org")
    elsewhere = await contexts()
    await open_feed(elsewhere, "member2@example.org")

    editor = await contexts(phone=False)
    await sign_in(editor, "editor@example.org")
    title = f"District news {uuid.uuid4().hex[:8]}"
    # The editor may publish to their district (Østjylland, where the member works) and its teams.
    await publish(editor, title, label="Østjylland")

    await member.locator("#feed article.post", has_text=title).wait_for(timeout=APPEARS_WITHIN_MS)
    await asyncio.sleep(1.5)  # time enough for the other page to have shown it, had it been told
    assert await elsewhere.locator("#feed article.post", has_text=title).count() == 0
    assert await elsewhere.evaluate("window.liveTestMarker") == "still the same page"
