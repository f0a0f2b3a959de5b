"""On a phone (360 px), with the demo accounts: join a group, post in it, see the post in the main feed.

The demo site runs as ``intranet demo`` with the core and this plugin only
(every other installed plugin disabled), so what is checked here is this
plugin's. axe-core finds nothing serious on the plugin's pages, and none of
them scrolls sideways.
"""

from __future__ import annotations

import re
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
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    others = [ep.name for ep in discover_entry_points() if ep.name != "workgroups"]
    with serve_demo(tmp_path_factory.mktemp("workgroups-site"), disabled=others) as url:
        yield url


@pytest.fixture
async def phone(browser: Any, site: str) -> AsyncIterator[Any]:  # noqa: F811 - the fixture above
    context = await browser.new_context(viewport=PHONE, base_url=site, locale="da-DK", is_mobile=True,
                                        has_touch=True)
    page = await context.new_page()
    try:
        yield page
    finally:
        await context.close()


async def group_href(page: Any, name: str) -> str:
    await page.goto("/groups")
    link = page.locator(f"main a.group-link:text-is('{name}')").first
    href = await link.get_attribute("href")
    assert href and re.fullmatch(r"/groups/\d+", href), href
    return str(href)


async def test_join_post_and_see_it_in_the_feed(phone: Any) -> None:
    await sign_in(phone, "member2@example.org")
    gdpr = await group_href(phone, "GDPR")
    await phone.goto(gdpr)
    assert await scroll_width(phone) <= PHONE["width"]
    await phone.click("form[action$='/join'] button")
    await phone.wait_for_load_state()
    assert "Du er medlem." in await phone.inner_text("main")
    # Post in the group.
    await phone.fill("#post-body", "Må jeg sende en lønseddel på almindelig mail?")
    await phone.fill("#post-title", "Spørgsmål om lønsedler")
    await phone.click("form.group-composer button[type=submit]")
    await phone.wait_for_load_state()
    assert "#post-" in phone.url
    assert "Spørgsmål om lønsedler" in await phone.inner_text("#posts")
    # ... and it is in the main feed.
    await phone.goto("/")
    assert await phone.locator("article.post h2:has-text('Spørgsmål om lønsedler')").count() == 1
    # The data-breach page is found through the site's search.
    await phone.goto("/search?q=brud")
    assert await phone.locator(f"a[href^='{gdpr}/pages/']").count() >= 1
    assert await scroll_width(phone) <= PHONE["width"]


async def test_no_serious_accessibility_faults_on_the_groups_pages(phone: Any) -> None:
    await sign_in(phone, "editor@example.org")
    board = await group_href(phone, "Bestyrelsen Østjylland")
    await phone.goto(board)
    page_href = await phone.locator("#pages ol.page-list a").first.get_attribute("href")
    assert page_href
    # A second version, so that the history and a difference have something to show.
    await phone.goto(page_href + "/edit")
    await phone.fill("#page-body", "Godkendt budget.\n\nNæste møde: den første tirsdag.")
    await phone.click("form[action$='/edit'] button[type=submit]")
    await phone.wait_for_load_state()
    assert phone.url.endswith(page_href)
    # A file, uploaded as a person would.
    await phone.goto(board + "/files")
    await phone.set_input_files("#file-input", files=[{"name": "referat.txt", "mimeType": "text/plain",
                                                      "buffer": "Referat af mødet".encode()}])
    await phone.click("form[action$='/files'] button[type=submit]")
    await phone.wait_for_load_state()
    file_href = phone.url
    assert re.search(r"/files/\d+$", file_href), file_href
    paths = ["/groups", "/groups?q=GDPR", "/groups/new", board, board + "/members", board + "/settings",
             board + "/units", board + "/delete", board + "/files", file_href, board + "/pages/new", page_href,
             page_href + "/edit", page_href + "/history", page_href + "/history/2", "/"]
    problems: dict[str, list[str]] = {}
    for path in paths:
        response = await phone.goto(path)
        assert response is not None and response.status == 200, path
        # On the front page only the plugin's box is ours.
        found = await axe_violations(phone, within=".widgets" if path == "/" else None)
        if found:
            problems[path] = found
        if await scroll_width(phone) > PHONE["width"]:
            problems.setdefault(path, []).append(f"scrolls sideways: {await scroll_width(phone)} px")
    assert problems == {}
