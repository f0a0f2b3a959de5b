"""Stored and reflected XSS: a payload corpus through every user field, checked in every output.

The corpus (script tags, event handlers, ``javascript:`` and ``data:`` URLs,
SVG and MathML, broken and nested markup, attribute and element break-outs,
entity and Unicode tricks, template expressions) goes into post titles and
bodies, comments, person names and job titles, and a unit's name, through
the same forms and services people use. Then every page that shows them (the
feed, permalinks, reach, reactions, edit forms, search, notifications,
administration, audit, deleted posts, the live card, error pages), the JSON
of the API and the autocomplete, and the e-mails sent are parsed, and none
may hold executable markup:

* no ``<script>`` element but the site's own (``src`` under ``/static/``,
  nothing inline), no ``<iframe>``, ``<object>``, ``<embed>``, ``<base>``, no
  refreshing ``<meta>``, no ``<style>`` element;
* no ``on*`` attribute, no ``srcdoc``, no ``style`` with ``url(`` or
  ``expression(``;
* no URL attribute (``href``, ``src``, ``action``, ``formaction``, …) with a
  ``javascript:``, ``vbscript:`` or ``data:`` scheme, however spelt;
* no template expression evaluated (``{{7*7}}`` never becomes 49) and the
  secret key nowhere.

Each page must also show some of the payloads (as text): a check that sees
nothing proves nothing. Runs on SQLite, or on the PostgreSQL named by
``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from litestar import Litestar

from intranet_core.auth.passwords import hash_password_async
from intranet_core.markup import render, sanitised
from intranet_core.people.service import create_person, create_unit
from intranet_core.permissions.tables import Role, RoleAssignment
from intranet_core.testing import TEST_PASSWORD, TEST_SECRET_KEY, client_for, csrf_token_of, http_client, log_in

HTML = {"accept": "text/html", "accept-language": "en"}

# Every payload carries its marker (xss01 …), so a finding names the payload.
PAYLOADS: tuple[str, ...] = (
    "<script>alert('xss01')</script>",
    "<img src=x onerror=alert('xss02')>",
    "[xss03](javascript:alert('xss03'))",
    "<svg onload=alert('xss04')><script>alert('xss04')</script></svg>",
    "\"><script>alert('xss05')</script>",
    "[xss06](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==) "
    "![xss06](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<a href=\"javascript:alert('xss07')\">xss07</a>",
    "<img src=\"x\" onerror=\"alert('xss08')\"",
    "<<script>script>alert('xss09')<</script>/script><scr<script>ipt>alert('xss09')</script>",
    "<iframe src=\"javascript:alert('xss10')\"></iframe><object data=\"javascript:alert('xss10')\"></object>",
    "[xss11](&#106;avascript:alert('xss11')) [xss11](JaVaScRiPt:alert('xss11')) <javascript:alert('xss11')>",
    "xss12={{7*7}}= xss12={{ config }}= {% if 1 %}xss12-if{% endif %} ${7*7} #{7*7}",
    "\uff1cscript\uff1ealert('xss13')\uff1c/script\uff1e \u202exss13 gpj.exe",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert('xss14')>",
    "<details open ontoggle=alert('xss15')>xss15</details>",
    "xss16' onmouseover='alert(1)' \" autofocus onfocus=\"alert(1)",
    "<div style=\"background:url(javascript:alert('xss17'))\">xss17</div><style>@import 'javascript:x';</style>",
    "</textarea><script>alert('xss18')</script>",
    "</title><script>alert('xss19')</script>",
    "<base href=\"https://evil.example/\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert('xss20')\">",
    "<form action=\"javascript:alert('xss21')\"><button formaction=\"javascript:alert('xss21')\">xss21</button></form>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert('xss22')>\">",
    "<!--<img src=\"--><img src=x onerror=alert('xss23')//\">",
    "[xss24](<java\tscript:alert('xss24')>) java\u200bscript:alert('xss24') [xss24](vbscript:msgbox('xss24'))",
)
# Markdown that needs several lines: bodies and comments only.
BODY_PAYLOADS: tuple[str, ...] = (
    "[xss25][r]\n\n[r]: javascript:alert('xss25')",
    "```\n</code></pre><script>alert('xss26')</script>\n```\n\n`<img src=x onerror=alert('xss26')>`",
    "| xss27 | <img src=x onerror=alert('xss27')> |\n| --- | --- |\n| [x](javascript:alert('xss27')) | b |",
)
TEMPLATE_EVALUATED = "xss12=49="

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "background", "poster", "data", "cite",
                  "ping", "lowsrc", "dynsrc", "codebase", "manifest", "icon", "srcset", "to", "from", "values"}
FORBIDDEN_ELEMENTS = {"iframe", "frame", "frameset", "object", "embed", "applet", "base", "style", "portal",
                      "foreignobject", "handler", "listener"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:")
_INVISIBLE = re.compile(r"[\x00-\x20\x7f]+")


class InertChecker(HTMLParser):
    """Collects everything in a page that could run script; ``problems`` stays empty for an inert page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)
        if tag == "script":
            self._in_script = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:80]!r}")
        self.text.append(data)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        shown = f"<{tag} {' '.join(f'{n}={v!r}' for n, v in attrs)}>"[:160]
        if tag == "script":
            self._in_script = True
            if not values.get("src", "").startswith("/static/"):
                self.problems.append(f"script element: {shown}")
        if tag in FORBIDDEN_ELEMENTS:
            self.problems.append(f"{tag} element: {shown}")
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self.problems.append(f"refreshing meta: {shown}")
        for name, value in values.items():
            if name.startswith("on"):
                self.problems.append(f"event handler {name}: {shown}")
            if name == "srcdoc":
                self.problems.append(f"srcdoc: {shown}")
            if name == "style" and re.search(r"url\s*\(|expression\s*\(|javascript", value, re.IGNORECASE):
                self.problems.append(f"style with a URL or expression: {shown}")
            if name in URL_ATTRIBUTES:
                # Browsers drop whitespace and control characters from a URL's scheme.
                for part in value.split(","):
                    squeezed = _INVISIBLE.sub("", part).lower()
                    if squeezed.startswith(BAD_SCHEMES):
                        self.problems.append(f"{name} with a {squeezed.split(':')[0]}: URL: {shown}")


def inspect_html(html: str) -> InertChecker:
    checker = InertChecker()
    checker.feed(html)
    checker.close()
    return checker


def problems_in(html: str, where: str, *, expect_payload: bool = True) -> list[str]:
    """What could run in ``html``; also that some payload is shown there (as text or attribute)."""
    checker = inspect_html(html)
    found = [f"{where}: {problem}" for problem in checker.problems]
    if TEMPLATE_EVALUATED in html:
        found.append(f"{where}: a template expression was evaluated ({TEMPLATE_EVALUATED})")
    if TEST_SECRET_KEY in html:
        found.append(f"{where}: the secret key is shown")
    if expect_payload and "xss" not in "".join(checker.text) and "xss" not in html:
        found.append(f"{where}: no payload is shown, so nothing was checked")
    return found


# --- the sanitiser on its own ---------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS + BODY_PAYLOADS, ids=lambda p: re.findall(r"xss\d\d", p)[0])
def test_rendered_markdown_is_inert(payload: str) -> None:
    html = str(render(payload))
    assert problems_in(html, "render", expect_payload=False) == []
    # Stored HTML is cleaned again when shown: whatever a row holds comes out inert.
    assert problems_in(str(sanitised(payload)), "sanitised", expect_payload=False) == []


def test_the_checker_finds_what_it_looks_for() -> None:
    """The checker itself: each of these must be reported."""
    dangerous = [
        "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">x</a>',
        '<a href=" java\tscript:alert(1)">x</a>', '<a href="DATA:text/html,x">x</a>', "<svg onload=alert(1)>",
        "<iframe src=x></iframe>", '<meta http-equiv="refresh" content="0">', '<div style="background:url(x)">',
        '<form action="javascript:alert(1)">', "<style>x</style>", '<script src="https://evil.example/x.js"></script>',
    ]
    for html in dangerous:
        assert inspect_html(html).problems, html
    own = '<script src="/static/core/shell.js?v=1" defer></script><a href="/posts/1">x</a>'
    assert inspect_html(own).problems == []


# --- a site full of payloads ------------------------------------------------------------------


async def token_for(client: httpx.AsyncClient, path: str = "/") -> str:
    return csrf_token_of((await client.get(path, headers=HTML)).text)


def routes_of(app: Litestar) -> set[str]:
    return set(app.route_handler_method_map)


def concrete(template: str) -> str:
    """``/posts/{post_id:int}`` -> ``/posts/{post_id}``: the form used below to ask whether a route exists."""
    return re.sub(r"\{(\w+):[^}]+\}", r"{\1}", template)


class Site:
    """The payload-laden site: who is who, and what was made."""

    def __init__(self, app: Litestar) -> None:
        self.app = app
        self.intranet = app.state.intranet
        self.routes = {concrete(path) for path in routes_of(app)}
        self.mails: list[EmailMessage] = []
        self.posts: list[int] = []
        self.comments: list[tuple[int, int]] = []
        self.people: list[int] = []
        self.unit = 0
        self.admin_id = 0
        self.reader_id = 0

    def has(self, template: str) -> bool:
        return template in self.routes


async def build_site(app: Litestar, admin: httpx.AsyncClient, reader: httpx.AsyncClient,
                     monkeypatch: pytest.MonkeyPatch) -> Site:
    import intranet_core.mail

    site = Site(app)
    # Every mail is kept instead of sent, with all its parts.
    monkeypatch.setattr(intranet_core.mail, "_send", lambda settings, message: site.mails.append(message))
    intranet = site.intranet
    password = await hash_password_async(TEST_PASSWORD)
    org = await create_unit(intranet, name="Org", kind="organisation", parent_id=None, actor_id=None)
    site.unit = await create_unit(intranet, name=PAYLOADS[1], kind="district", parent_id=org, actor_id=None)
    admin_person = await create_person(intranet, actor_id=None, password_hash=password, unit_id=site.unit, fields={
        "email": "admin@example.org", "name": PAYLOADS[0], "title": PAYLOADS[4]})
    site.admin_id = admin_person.id
    role = await Role.select(Role.id).where(Role.name == "admin").first().run()
    assert role is not None
    await RoleAssignment.insert(RoleAssignment(person=site.admin_id, role=role["id"], unit=None)).run()
    reader_person = await create_person(intranet, actor_id=None, password_hash=password, unit_id=site.unit, fields={
        "email": "reader@example.org", "name": PAYLOADS[15], "title": PAYLOADS[18]})
    site.reader_id = reader_person.id
    for number, payload in enumerate(PAYLOADS, start=1):
        person = await create_person(intranet, actor_id=None, password_hash=password, unit_id=site.unit, fields={
            "email": f"xss{number:02d}@example.org", "name": payload, "title": payload})
        site.people.append(person.id)
    await log_in(admin, "admin@example.org")
    await log_in(reader, "reader@example.org")
    with contextlib.suppress(ImportError, AttributeError):
        # The reader's notices wait for the daily summary, so a digest mail is written too.
        from intranet_core.notifications.service import save_preferences
        await save_preferences(intranet, site.reader_id, {"feed.mention": "daily", "feed.important": "daily"})

    token = await token_for(admin, "/posts/new")
    for number, payload in enumerate(PAYLOADS + BODY_PAYLOADS, start=1):
        title = payload if "\n" not in payload else f"xss{number:02d} title"
        mention = f"xss{(number - 1) % len(PAYLOADS) + 1:02d}"
        data: dict[str, Any] = {"title": title, "body": f"{payload}\n\n@{mention} @reader", "audience": "all",
                                "_csrf_token": token}
        if number in (1, 2, 12):
            data["important"] = "on"
        answer = await admin.post("/posts", headers=HTML, data=data)
        assert answer.status_code == 303, (payload, answer.status_code, answer.text[:500])
        site.posts.append(int(answer.headers["location"].rsplit("/", 1)[1]))

    if site.has("/posts/{post_id}/comments"):
        token = await token_for(reader, f"/posts/{site.posts[0]}")
        for post_id, payload in zip(site.posts, PAYLOADS + BODY_PAYLOADS, strict=True):
            answer = await reader.post(f"/posts/{post_id}/comments", headers=HTML,
                                       data={"body": f"{payload} @xss01", "_csrf_token": token})
            assert answer.status_code == 303, (payload, answer.status_code, answer.text[:500])
            comment = re.search(r"#comment-(\d+)", answer.headers["location"])
            if comment:
                site.comments.append((post_id, int(comment.group(1))))
    if site.has("/posts/{post_id}/reactions"):
        token = await token_for(reader, f"/posts/{site.posts[0]}")
        for post_id in site.posts[:3]:
            answer = await reader.post(f"/posts/{post_id}/reactions", headers=HTML,
                                       data={"kind": "like", "next": "/", "_csrf_token": token})
            assert answer.status_code == 303, answer.text[:300]
    if site.has("/posts/{post_id}/delete"):
        token = await token_for(admin, f"/posts/{site.posts[-1]}")
        answer = await admin.post(f"/posts/{site.posts[-1]}/delete", headers=HTML, data={"_csrf_token": token})
        assert answer.status_code == 303, answer.text[:300]
    return site


@pytest.fixture
async def payload_site(intranet_app: Litestar, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[
        tuple[Site, httpx.AsyncClient, httpx.AsyncClient]]:
    async with client_for(intranet_app) as admin, http_client(intranet_app) as reader:
        site = await build_site(intranet_app, admin, reader, monkeypatch)
        yield site, admin, reader


async def page(client: httpx.AsyncClient, path: str) -> str:
    answer = await client.get(path, headers=HTML)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("text/html"), (path, answer.headers["content-type"])
    return answer.text


async def test_pages_show_every_payload_inert(payload_site: tuple[Site, httpx.AsyncClient, httpx.AsyncClient]
                                              ) -> None:
    site, admin, reader = payload_site
    live = [p for p in site.posts[:-1]]  # the last one was deleted
    reader_pages = ["/", f"/?unit={site.unit}", "/notifications", "/account", "/search?q=xss",
                    *(f"/posts/{post_id}" for post_id in live)]
    reader_pages += [f"/search?q={quote(payload)}" for payload in PAYLOADS[:6]]
    if site.has("/posts/{post_id}/reactions"):
        reader_pages += [f"/posts/{post_id}/reactions" for post_id in live[:3]]
    if site.has("/posts/{post_id}/comments/{comment_id}/edit"):
        reader_pages += [f"/posts/{post}/comments/{comment}/edit" for post, comment in site.comments[:-1]]
    if site.has("/feed/card/{post_id}"):
        reader_pages += [f"/feed/card/{post_id}" for post_id in live[:5]]
    admin_pages = ["/posts/new", "/admin/people", "/admin/units", f"/admin/units/{site.unit}", "/audit",
                   *(f"/posts/{post_id}/reach" for post_id in live[:6]),
                   *(f"/admin/people/{person_id}" for person_id in [site.reader_id, *site.people])]
    if site.has("/posts/{post_id}/edit"):
        admin_pages += [f"/posts/{post_id}/edit" for post_id in live]
    if site.has("/posts/deleted"):
        admin_pages.append("/posts/deleted")

    found: list[str] = []
    for client, paths in ((reader, reader_pages), (admin, admin_pages)):
        for path in paths:
            found += problems_in(await page(client, path), path)
    # A reflected path on an error page.
    missing = await reader.get("/nothing-here/%3Cscript%3Ealert('xss01')%3C/script%3E", headers=HTML)
    assert missing.status_code == 404
    found += problems_in(missing.text, "404 page", expect_payload=False)
    assert found == []


async def test_payloads_are_shown_as_text(payload_site: tuple[Site, httpx.AsyncClient, httpx.AsyncClient]) -> None:
    """The payloads reach the page, escaped: a title and an author's name read exactly as typed."""
    site, _admin, reader = payload_site
    html = await page(reader, f"/posts/{site.posts[0]}")
    text = "".join(inspect_html(html).text)
    assert PAYLOADS[0] in text  # the title, and the author's name
    template = await page(reader, f"/posts/{site.posts[11]}")
    assert "xss12={{7*7}}=" in "".join(inspect_html(template).text)


async def test_notifications_and_mails_are_inert(payload_site: tuple[Site, httpx.AsyncClient, httpx.AsyncClient]
                                                 ) -> None:
    site, _admin, reader = payload_site
    found = problems_in(await page(reader, "/notifications"), "/notifications")
    with contextlib.suppress(ImportError, AttributeError):
        import datetime

        from intranet_core.notifications.service import send_daily_digests
        await send_daily_digests(site.intranet, datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1))
    assert site.mails, "no mail was written: mentions and important posts mail people"
    for message in site.mails:
        for header in ("Subject", "From", "To"):
            assert "\n" not in str(message[header]) and "\r" not in str(message[header]), message[header]
        for part in message.walk():
            kind = part.get_content_type()
            if part.is_multipart():
                continue
            assert kind in ("text/plain", "text/html"), kind
            if kind == "text/html":
                found += problems_in(part.get_content(), f"mail {message['Subject']!r}", expect_payload=False)
    assert any("xss" in str(m.get_body(("plain",)).get_content()) for m in site.mails)  # type: ignore[union-attr]
    assert found == []


def _strings(value: Any, key: str = "") -> list[tuple[str, str]]:
    if isinstance(value, str):
        return [(key, value)]
    if isinstance(value, dict):
        return [item for k, v in value.items() for item in _strings(v, str(k))]
    if isinstance(value, list):
        return [item for v in value for item in _strings(v, key)]
    return []


async def test_json_outputs_are_inert(payload_site: tuple[Site, httpx.AsyncClient, httpx.AsyncClient]) -> None:
    """The API and the autocomplete: JSON that no browser sniffs as HTML; any HTML in it is sanitised."""
    site, _admin, reader = payload_site
    from intranet_core.account.tokens import create_api_token

    token = await create_api_token(site.intranet, site.reader_id, name="xss test", read_only=True)
    api = {"authorization": f"Bearer {token}", "accept": "application/json"}
    post_id = site.posts[0]
    candidates = [("/api/v1/me", "", api), ("/api/v1/search", "?q=xss", api), ("/api/v1/feed", "", api),
                  ("/api/v1/posts/{post_id}", "", api), ("/api/v1/posts/{post_id}/comments", "", api),
                  ("/api/v1/posts/{post_id}/reactions", "", api), ("/api/v1/notifications", "", api),
                  ("/people/autocomplete", "?q=xss", {"accept": "application/json"})]
    found: list[str] = []
    checked = 0
    for route, query, headers in candidates:
        if route not in site.routes:
            continue
        path = route.format(post_id=post_id) + query
        answer = await reader.get(path, headers=headers)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("application/json"), (path, answer.headers["content-type"])
        assert answer.headers.get("x-content-type-options") == "nosniff", path
        for key, value in _strings(json.loads(answer.text)):
            if key.endswith("html"):
                found += problems_in(value, f"{path} {key}", expect_payload=False)
        if not route.endswith("/reactions"):  # counts only, no names
            assert "xss" in answer.text, f"{path}: no payload in the answer, so nothing was checked"
        checked += 1
    assert checked >= 2
    assert found == []


def _on_postgres() -> bool:
    import os

    from intranet_core.testing import TEST_DATABASE_ENV

    return os.environ.get(TEST_DATABASE_ENV, "").startswith(("postgres://", "postgresql://"))


@pytest.mark.xfail(_on_postgres(), strict=True,
                   reason="PostgreSQL refuses NUL in text and the forms pass it on: a 500 instead of a 400")
async def test_control_characters_are_refused_not_a_server_error(intranet_app: Litestar,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A NUL byte (which PostgreSQL cannot store) in a field is the form's problem, never a 500."""
    import intranet_core.mail

    monkeypatch.setattr(intranet_core.mail, "_send", lambda settings, message: None)
    async with client_for(intranet_app) as client:
        person = await create_person(intranet_app.state.intranet, actor_id=None,
                                     password_hash=await hash_password_async(TEST_PASSWORD),
                                     fields={"email": "nul@example.org", "name": "Nul"})
        role = await Role.select(Role.id).where(Role.name == "admin").first().run()
        assert role is not None
        await RoleAssignment.insert(RoleAssignment(person=person.id, role=role["id"], unit=None)).run()
        await log_in(client, "nul@example.org")
        token = await token_for(client, "/posts/new")
        answers = {
            "post": await client.post("/posts", headers=HTML, data={
                "title": "xss\x00title", "body": "xss\x00body", "audience": "all", "_csrf_token": token}),
            "search": await client.get("/search?q=xss%00", headers=HTML),
            "sign-in": await client.post("/signin", headers=HTML, data={
                "email": "nul\x00@example.org", "password": "x\x00", "_csrf_token": token}),
        }
    assert {name: answer.status_code for name, answer in answers.items() if answer.status_code >= 500} == {}
