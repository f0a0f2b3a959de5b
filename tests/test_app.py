from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar, get

from intranet_core import Widget, hookimpl
from intranet_core.testing import build_app, client_for, make_settings, sign_in

HTML = {"accept": "text/html"}


def csrf_token(html: str) -> str:
    match = re.search(r'name="_csrf_token" value="([0-9a-f]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def test_front_page_needs_sign_in_then_renders_layout_and_nav(intranet_client: Any, intranet_app: Any) -> None:
    anonymous = await intranet_client.get("/", headers=HTML)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/signin?next=/"
    await sign_in(intranet_client, intranet_app)
    response = await intranet_client.get("/", headers={**HTML, "accept-language": "en"})
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert 'href="/" aria-current="page">Front page</a>' in html
    assert "/static/core/intranet.css" in html


async def test_danish_from_accept_language_and_cookie(intranet_client: Any) -> None:
    response = await intranet_client.get("/signin", headers={**HTML, "accept-language": "da-DK,da;q=0.9,en;q=0.5"})
    assert '<html lang="da">' in response.text
    assert "Log ind" in response.text
    english = await intranet_client.get("/signin", headers={**HTML, "accept-language": "en-GB"})
    assert "Sign in" in english.text

    token = csrf_token(english.text)
    switched = await intranet_client.post(
        "/language", data={"language": "da", "next": "/", "_csrf_token": token}, follow_redirects=False
    )
    assert switched.status_code == 303
    assert switched.headers["location"] == "/"
    again = await intranet_client.get("/signin", headers={**HTML, "accept-language": "en"})
    assert '<html lang="da">' in again.text


async def test_language_switch_refuses_open_redirect(intranet_client: Any) -> None:
    page = await intranet_client.get("/signin", headers=HTML)
    response = await intranet_client.post(
        "/language",
        data={"language": "en", "next": "//evil.example/", "_csrf_token": csrf_token(page.text)},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


async def test_unsafe_request_without_csrf_token_is_refused(intranet_client: Any) -> None:
    await intranet_client.get("/signin", headers=HTML)
    response = await intranet_client.post("/language", data={"language": "da"}, follow_redirects=False)
    assert response.status_code == 403
    wrong = await intranet_client.post(
        "/language", data={"language": "da", "_csrf_token": "0" * 128}, follow_redirects=False
    )
    assert wrong.status_code == 403


async def test_a_signed_out_client_cannot_send_a_large_body(intranet_client: Any, intranet_app: Any,
                                                             tmp_path: Path) -> None:
    from intranet_core.app import ANONYMOUS_MAX_BODY

    page = await intranet_client.get("/signin", headers=HTML)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    big = {"file": ("big.png", b"\x89PNG" + b"0" * (ANONYMOUS_MAX_BODY + 1), "image/png")}
    refused = await intranet_client.post("/posts", data={"_csrf_token": token.group(1), "body": "x"}, files=big)
    assert refused.status_code == 413
    # A sign-in form is small and still welcome; once signed in, the routes' own limits apply.
    await sign_in(intranet_client, intranet_app, "poster@example.org")
    page = await intranet_client.get("/", headers=HTML)
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    signed_in = await intranet_client.post("/posts", data={"_csrf_token": token.group(1), "body": "x"},
                                           files=big, follow_redirects=False)
    assert signed_in.status_code != 413


async def test_security_headers_on_pages_static_and_errors(intranet_client: Any) -> None:
    for path in ("/", "/static/core/intranet.css", "/no-such-page", "/healthz"):
        response = await intranet_client.get(path, headers=HTML)
        csp = response.headers["content-security-policy"]
        assert "object-src 'none'" in csp
        assert "base-uri 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in response.headers  # plain http here


async def test_hsts_and_secure_cookies_over_https(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}", site={"base_url": "https://intranet.example.org"})
    app = await build_app(settings)
    async with client_for(app, base_url="https://intranet.example.org") as client:
        response = await client.get("/signin", headers=HTML)
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert "secure" in response.headers["set-cookie"].lower()


async def test_error_pages_html_for_browsers_json_for_clients(intranet_client: Any) -> None:
    html = await intranet_client.get("/missing", headers={**HTML, "accept-language": "da"})
    assert html.status_code == 404
    assert "Siden findes ikke" in html.text
    assert "Traceback" not in html.text
    api = await intranet_client.get("/missing", headers={"accept": "application/json"})
    assert api.status_code == 404
    assert api.json()["status_code"] == 404


async def test_unhandled_error_shows_no_internals(tmp_path: Path) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> str:
        raise RuntimeError("secret internals")

    class Boom:
        @hookimpl
        def register_routes(self, app: Any) -> list[Any]:
            return [boom]

    app = await build_app(make_settings(f"sqlite:///{tmp_path / 'x.sqlite3'}"), plugins=[("boom", Boom())])
    async with client_for(app) as client:
        for headers in (HTML, {"accept": "application/json"}):
            response = await client.get("/boom", headers=headers)
            assert response.status_code == 500
            assert "secret internals" not in response.text
            assert "RuntimeError" not in response.text


async def test_openapi_schema(intranet_client: Any) -> None:
    response = await intranet_client.get("/schema/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/healthz" in schema["paths"]


class TemplatePlugin:
    def __init__(self, root: Path) -> None:
        self.root = root

    @hookimpl
    def register_template_dirs(self, app: Any) -> list[Path]:
        return [self.root / "plugin_templates"]

    @hookimpl
    def register_static_dirs(self, app: Any) -> list[Path]:
        return [self.root / "plugin_static"]

    @hookimpl
    async def register_front_page_widgets(self, app: Any, request: Any) -> list[Widget]:
        return [
            Widget(title="Second", template="widget.html", context={"text": "<b>two</b>"}, order=20),
            Widget(title="First", template="widget.html", context={"text": "one"}, order=10),
        ]


@pytest.fixture
def template_root(tmp_path: Path) -> Path:
    (tmp_path / "plugin_templates").mkdir()
    (tmp_path / "plugin_static").mkdir()
    (tmp_path / "site_templates").mkdir()
    (tmp_path / "plugin_templates" / "widget.html").write_text("<p class='w'>{{ widget.context.text }}</p>")
    (tmp_path / "plugin_static" / "app.js").write_text("console.log('hi');")
    # The site overrides the core's base layout and extends the original.
    (tmp_path / "site_templates" / "base.html").write_text(
        '{% extends "core/base.html" %}{% block topbar_tools %}<span id="site-banner">Our banner</span>'
        "{% endblock %}"
    )
    return tmp_path


async def test_templates_site_then_plugins_then_core(template_root: Path) -> None:
    settings = make_settings(
        f"sqlite:///{template_root / 'x.sqlite3'}",
        site={"templates_dir": str(template_root / "site_templates"), "name": "Kontoret <3"},
    )
    app: Litestar = await build_app(settings, plugins=[("tpl", TemplatePlugin(template_root))])
    async with client_for(app) as client:
        await sign_in(client, app)
        page = await client.get("/", headers=HTML)
        html = page.text
        assert '<span id="site-banner">Our banner</span>' in html
        assert "Kontoret &lt;3" in html  # autoescaped
        assert html.index("<p class='w'>one</p>") < html.index("<p class='w'>&lt;b&gt;two&lt;/b&gt;</p>")
        static = await client.get("/static/tpl/app.js")
        assert static.status_code == 200
        assert "javascript" in static.headers["content-type"]
        assert (await client.get("/static/tpl/../plugin_templates/widget.html")).status_code == 404
