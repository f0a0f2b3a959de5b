"""On a phone (360 px): shortcuts, and a document from a real WebDAV server embedded in a district post.

The demo site runs as ``intranet demo`` with a WebDAV source in its
``intranet.toml``; the WebDAV server runs in this test process. The editor
picks the document in the embed picker, publishes it to the district; the
member sees it live on the front page, keeps a shortcut as a favourite; and
axe-core finds nothing serious on the plugin's pages.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from conftest import DAV_PASSWORD_ENV, make_share, webdav_source
from esdh_servers import WebDAVServer

from intranet_core.settings import new_secret_key
from intranet_core.testing_browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    axe_violations,
    require_chromium,
    scroll_width,
    serve_demo,
    sign_in,
)

pytestmark = pytest.mark.browser


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site with a WebDAV source served from this process."""
    require_chromium()
    root = tmp_path_factory.mktemp("esdh-site")
    webdav = WebDAVServer(make_share(root / "dav"))
    webdav.start()
    previous = os.environ.get(DAV_PASSWORD_ENV)
    os.environ[DAV_PASSWORD_ENV] = WebDAVServer.PASSWORD
    demo = root / "intranet-demo"
    demo.mkdir()
    source = webdav_source(webdav)
    lines = [f'secret_key = "{new_secret_key()}"', "", "[database]",
             f'url = "sqlite:///{demo / "demo.sqlite3"}"', "", "[plugins.esdh]", "cache_seconds = 5", "",
             "[plugins.esdh.sources.docs]"]
    lines += [f"{key} = {toml_value(value)}" for key, value in source.items()]
    (demo / "intranet.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    try:
        with serve_demo(root) as url:
            yield url
    finally:
        webdav.stop()
        if previous is None:
            os.environ.pop(DAV_PASSWORD_ENV, None)
        else:
            os.environ[DAV_PASSWORD_ENV] = previous


@pytest.fixture
async def open_phone(site: str) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)

        async def new_page() -> Any:
            context = await browser.new_context(viewport=PHONE, base_url=site, locale="da-DK", is_mobile=True,
                                                has_touch=True)
            return await context.new_page()

        try:
            yield new_page
        finally:
            await browser.close()


async def check(page: Any, path: str, problems: dict[str, Any], within: str | None = None) -> None:
    response = await page.goto(path)
    assert response is not None and response.status < 400, path
    found = await axe_violations(page, within=within)
    width = await scroll_width(page)
    if found or width > PHONE["width"]:
        problems[path] = {"axe": found, "width": width}


async def test_shortcuts_and_an_embedded_document_on_a_phone(open_phone: Any) -> None:
    editor = await open_phone()
    await sign_in(editor, "editor@example.org")
    await editor.goto("/esdh/pick?q=ferieplan")
    await editor.click("li.esdh-pick:has-text('Ferieplan 2027.docx') form button[type=submit]")
    await editor.wait_for_load_state()
    snippet = await editor.input_value("#esdh-snippet")
    assert re.fullmatch(r"\[\[esdh:[a-z0-9]+\]\]", snippet)
    assert "Ferieplan 2027.docx" in await editor.inner_text("main")  # the preview
    await editor.goto("/posts/new")
    await editor.fill("#title", "Ferieplanen er klar")
    await editor.fill("#body", f"Se den her:\n\n{snippet}")
    # The district itself (not a team in it, nor the district's workgroup).
    await editor.get_by_label("Østjylland", exact=True).and_(editor.locator("[value^='unit:']")).check()
    await editor.click("form[action='/posts'] button[type=submit]")
    await editor.wait_for_load_state()

    member = await open_phone()
    await sign_in(member, "member@example.org")
    await member.goto("/")
    embed = member.locator("aside.esdh-embed", has_text="Ferieplan 2027.docx").first
    await embed.wait_for()
    assert await embed.is_visible()
    assert await scroll_width(member) <= PHONE["width"]
    # The shortcuts box is on the front page; a star keeps one first, and in the menu.
    assert await member.locator(".esdh-tiles .esdh-tile").count() > 0
    await member.goto("/shortcuts")
    first = member.locator(".esdh-tile").first
    name = (await first.locator(".esdh-tile-name").inner_text()).strip()
    await first.locator("button.esdh-star").click()
    await member.wait_for_load_state()
    assert await member.locator(".esdh-tile.esdh-favourite .esdh-tile-name").first.inner_text() == name
    assert await member.locator(f".site-nav a:has-text('{name}')").count() == 1
    # The document opens (downloads) from the embed.
    await member.goto("/")
    async with member.expect_download() as download_info:
        await member.locator("aside.esdh-embed a", has_text="Ferieplan 2027.docx").first.click()
    download = await download_info.value
    assert download.suggested_filename == "Ferieplan 2027.docx"


async def test_the_plugins_pages_have_no_serious_accessibility_violations(open_phone: Any) -> None:
    problems: dict[str, Any] = {}
    editor = await open_phone()
    await sign_in(editor, "editor@example.org")
    # The front page is the core's: only the plugin's boxes on it are checked here.
    await check(editor, "/", problems, within=".widgets")
    for path in ("/shortcuts", "/esdh/pick", "/esdh/pick?q=plan", "/esdh/browse/docs?item=%2FGuides",
                 "/esdh/browse/docs?item=%2FGuides%2FVagtplan%20jul.pdf"):
        await check(editor, path, problems)
    await editor.goto("/esdh/pick?q=vagtplan")
    await editor.click("li.esdh-pick form button[type=submit]")
    await editor.wait_for_load_state()
    await check(editor, editor.url, problems)
    admin = await open_phone()
    await sign_in(admin, "admin@example.org")
    for path in ("/admin/esdh", "/admin/esdh/shortcuts/new", "/admin/esdh/shortcuts/1"):
        await check(admin, path, problems)
    await admin.goto("/admin/esdh/shortcuts/new")
    await admin.click("form[action='/admin/esdh/shortcuts'] button[type=submit]")  # empty: the form again
    await admin.wait_for_load_state()
    assert await admin.locator("[aria-invalid=true]").count() >= 2
    found = await axe_violations(admin)
    if found:
        problems["/admin/esdh/shortcuts (errors)"] = found
    assert problems == {}
