"""The page shell: top bar, user menu, search box, web app manifest and icons, no inline code."""

from __future__ import annotations

import json
import re
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar

from intranet_core.auth.passwords import hash_password
from intranet_core.people import service as people
from intranet_core.site import icons
from intranet_core.site.plugin import initials
from intranet_core.testing import client_for, http_client

HTML = {"accept": "text/html"}
DA = {**HTML, "accept-language": "da-DK,da;q=0.9"}
EN = {**HTML, "accept-language": "en"}
PASSWORD = "a long and private pass phrase"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')
STATIC = Path(icons.__file__).parent / "static"


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> None:
    page = await client.get("/signin", headers=HTML)
    response = await client.post(
        "/signin", data={"email": email, "password": password, "_csrf_token": csrf_from(page.text), "next": "/"},
        headers=HTML,
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"


@pytest.fixture
async def signed_in(intranet_app: Litestar) -> Any:
    """A client signed in as Åse Ærø-Østergaard, a unit secretary."""
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app) as client:
        await people.create_person(
            intranet, actor_id=None,
            fields={"email": "aase@example.org", "name": "Åse Ærø-Østergaard", "title": "Sekretær"},
            password_hash=hash_password(PASSWORD),
        )
        await sign_in(client, "aase@example.org")
        yield client


# A page anyone may open (the front page asks visitors to sign in first).
PUBLIC_PAGE = "/password-reset"


def user_menu(html: str) -> str:
    match = re.search(r'<details class="user-menu">.*?</details>', html, re.S)
    assert match, "no user menu"
    return match.group(0)


# --- signed out / signed in ----------------------------------------------------------------------


async def test_signed_out_page_offers_sign_in(intranet_client: httpx.AsyncClient) -> None:
    html = (await intranet_client.get(PUBLIC_PAGE, headers=EN)).text
    assert '<a class="sign-in-link" href="/signin?next=/password-reset">Sign in</a>' in html
    assert "user-menu" not in html
    assert 'action="/signout"' not in html
    # Not on the sign-in page itself, which is all about signing in.
    signin = (await intranet_client.get("/signin", headers=EN)).text
    assert "sign-in-link" not in signin
    # From another page, it comes back there afterwards.
    missing = (await intranet_client.get("/no-such-page", headers=EN)).text
    assert 'href="/signin?next=/no-such-page"' in missing


async def test_signed_in_page_shows_name_account_link_and_sign_out_form(signed_in: httpx.AsyncClient) -> None:
    html = (await signed_in.get("/", headers=EN)).text
    assert "sign-in-link" not in html
    menu = user_menu(html)
    assert '<span class="user-name">Åse Ærø-Østergaard</span>' in menu
    assert '<span class="avatar" aria-hidden="true">ÅØ</span>' in menu
    assert "Sekretær" in menu
    assert '<a href="/account">My account</a>' in menu
    form = re.search(r'<form method="post" action="/signout"[^>]*>(.*?)</form>', menu, re.S)
    assert form, "no sign-out form"
    assert 'name="_csrf_token"' in form.group(1)
    assert "Sign out" in form.group(1)
    # The form works: it signs out, and the page offers sign-in again.
    response = await signed_in.post("/signout", data={"_csrf_token": csrf_from(form.group(1))}, headers=HTML)
    assert response.status_code == 303
    again = (await signed_in.get(PUBLIC_PAGE, headers=EN)).text
    assert "user-menu" not in again
    assert "sign-in-link" in again
    assert (await signed_in.get("/", headers=HTML)).headers["location"] == "/signin?next=/"


async def test_names_are_escaped_in_the_menu(intranet_app: Litestar) -> None:
    intranet = intranet_app.state.intranet
    async with client_for(intranet_app) as client:
        await people.create_person(
            intranet, actor_id=None,
            fields={"email": "x@example.org", "name": '<script>alert(1)</script> "Eve"', "title": "<b>t</b>"},
            password_hash=hash_password(PASSWORD),
        )
        await sign_in(client, "x@example.org")
        html = (await client.get("/", headers=EN)).text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &#34;Eve&#34;" in html
    assert "<b>t</b>" not in html


def test_initials() -> None:
    assert initials("Anne Krogh Friis") == "AF"
    assert initials("Anne-Mette Friis") == "AF"
    assert initials("Åse Ærø-Østergaard") == "ÅØ"
    assert initials("Cher") == "C"
    assert initials("  ") == "?"


# --- search box -----------------------------------------------------------------------------------


async def test_search_box_in_the_top_bar(intranet_app: Litestar) -> None:
    # The core's search page is route "search"; the box appears because it exists.
    assert any(route.path == "/search" for route in intranet_app.routes)
    app = intranet_app
    async with client_for(app) as client:
        html = (await client.get(PUBLIC_PAGE, headers=EN)).text
        form = re.search(r'<form class="topbar-search" method="get" action="/search" role="search">(.*?)</form>',
                         html, re.S)
        assert form, "no search form"
        assert '<label class="visually-hidden" for="site-search">Search</label>' in form.group(1)
        assert 'id="site-search" type="search" name="q"' in form.group(1)
        danish = (await client.get(PUBLIC_PAGE, headers=DA)).text
        assert 'placeholder="Søg på intranettet"' in danish


# --- manifest and icons ---------------------------------------------------------------------------


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_manifest_and_icons_are_served_and_linked(intranet_client: httpx.AsyncClient) -> None:
    html = (await intranet_client.get(PUBLIC_PAGE, headers=EN)).text
    manifest_href = re.search(r'<link rel="manifest" href="([^"]+)">', html)
    assert manifest_href and manifest_href.group(1).startswith("/static/core/manifest.webmanifest")
    assert re.search(r'<link rel="apple-touch-icon" href="/static/core/apple-touch-icon.png[^"]*">', html)
    assert re.search(r'<link rel="icon" href="/static/core/icon.svg[^"]*" type="image/svg\+xml">', html)
    assert re.search(r'<meta name="theme-color" content="#[0-9a-f]{6}"', html)

    response = await intranet_client.get(manifest_href.group(1))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text)
    assert manifest["name"] == "Intranet"
    assert manifest["start_url"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["background_color"])
    sizes = set()
    for icon in manifest["icons"]:
        # Relative to the manifest's own URL.
        got = await intranet_client.get(f"/static/core/{icon['src']}")
        assert got.status_code == 200, icon
        assert got.headers["content-type"].startswith(icon["type"]), icon
        if icon["type"] == "image/png":
            width, height = png_size(got.content)
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
        else:
            assert "<script" not in got.text
    assert {192, 512} <= sizes
    touch = await intranet_client.get("/static/core/apple-touch-icon.png")
    assert png_size(touch.content) == (180, 180)
    # The one script is a file (the CSP allows no inline script), loaded deferred.
    script = re.search(r'<script src="(/static/core/shell.js[^"]*)" defer></script>', html)
    assert script
    got = await intranet_client.get(script.group(1))
    assert got.status_code == 200 and "javascript" in got.headers["content-type"]


def test_committed_icons_are_what_the_script_draws() -> None:
    name, size, rounded = icons.ICONS[0]
    data = (STATIC / name).read_bytes()
    assert png_size(data) == (size, size)
    idat = b""
    position = 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position:position + 4])
        kind = data[position + 4:position + 8]
        if kind == b"IDAT":
            idat += data[position + 8:position + 8 + length]
        position += 12 + length
    assert zlib.decompress(idat) == icons.draw(size, rounded)


# --- no inline code; accessibility basics --------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.I)
EVENT_ATTRIBUTE = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)


def assert_no_inline_code(html: str, path: str) -> None:
    assert not INLINE_SCRIPT.search(html), f"{path}: inline <script>"
    assert "<style" not in html.lower(), f"{path}: <style> element"
    assert not STYLE_ATTRIBUTE.search(html), f"{path}: style= attribute"
    assert not EVENT_ATTRIBUTE.search(html), f"{path}: on...= attribute"
    assert "javascript:" not in html.lower(), f"{path}: javascript: URL"
    assert not re.search(r'(?:src|href|action)="(?:https?:)?//', html), f"{path}: an external URL"


def anonymous_client(app: Litestar) -> httpx.AsyncClient:
    """Another client for an app already started (by ``client_for``), with no cookies."""
    return http_client(app)


async def test_pages_have_no_inline_script_or_style(signed_in: httpx.AsyncClient, intranet_app: Litestar) -> None:
    for path in ("/", "/no-such-page"):
        response = await signed_in.get(path, headers=EN)
        assert response.headers["content-type"].startswith("text/html"), path
        assert_no_inline_code(response.text, path)
    async with anonymous_client(intranet_app) as anonymous:
        for path in ("/", "/signin", "/no-such-page"):
            assert_no_inline_code((await anonymous.get(path, headers=EN)).text, path)


async def test_shell_landmarks_and_labels(signed_in: httpx.AsyncClient) -> None:
    html = (await signed_in.get("/", headers=EN)).text
    assert re.search(r'<html lang="en">', html)
    assert '<a class="skip-link" href="#main">' in html
    assert '<main id="main"' in html
    assert html.count("<header") == 1 and html.count("<footer") == 1
    assert '<nav class="site-nav" aria-label="Main navigation">' in html
    # The brand's image is decorative; the link is named by the site name.
    assert re.search(r'<a class="brand" href="/">\s*<img class="brand-mark" [^>]*alt=""', html)
    # Every form control has a label.
    for control_id in re.findall(r'<(?:input|select|textarea)[^>]*\sid="([^"]+)"', html):
        assert f'for="{control_id}"' in html, control_id


async def test_shell_in_danish(signed_in: httpx.AsyncClient, intranet_app: Litestar) -> None:
    html = (await signed_in.get("/", headers=DA)).text
    assert '<html lang="da">' in html
    assert "Gå til indholdet" in html
    assert '<a href="/account">Min konto</a>' in html
    assert "Log ud" in html
    assert "(kontomenu)" in html
    async with anonymous_client(intranet_app) as client:
        signed_out = (await client.get(PUBLIC_PAGE, headers=DA)).text
    assert '<a class="sign-in-link" href="/signin?next=/password-reset">Log ind</a>' in signed_out
