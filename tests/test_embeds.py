"""Embeds: ``[[owner:key]]`` stored as a placeholder, filled in per reader by ``render_embeds``, once per page."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from litestar import Litestar
from markupsafe import Markup

from intranet_core import hookimpl
from intranet_core.embeds import references_in, with_embeds
from intranet_core.feed import service
from intranet_core.markup import plain_text, render, sanitised
from intranet_core.testing import http_client, sign_in

HTML = {"accept": "text/html", "accept-language": "en"}


class EmbedPlugin:
    """Answers ``cards:<key>`` for everyone but ``secret`` keys, which only the author may see."""

    def __init__(self) -> None:
        self.calls: list[tuple[int, list[str]]] = []
        self.fail = False

    @hookimpl
    async def render_embeds(self, app: Any, request: Any, user: Any, references: list[str]) -> dict[str, Any]:
        self.calls.append((user.id, list(references)))
        if self.fail:
            raise RuntimeError("the card service is down: Secret title")
        answer: dict[str, Any] = {}
        for reference in references:
            owner, _sep, key = reference.partition(":")
            if owner != "cards" or (key.startswith("secret") and user.email != "author@example.org"):
                continue
            answer[reference] = Markup('<aside class="card-embed">Card {} for {}</aside>').format(key, user.name)
        # Text that is not Markup is escaped; a reference nobody asked for is ignored.
        answer["cards:plain"] = "<b>not html</b>"
        answer["other:zzz"] = Markup("<p>never asked</p>")
        return answer


@pytest.fixture
def embed_plugin() -> EmbedPlugin:
    return EmbedPlugin()


@pytest.fixture
def intranet_plugins(embed_plugin: EmbedPlugin) -> list[Any]:
    return [("cards", embed_plugin)]


def test_a_reference_on_its_own_line_is_stored_as_an_empty_placeholder() -> None:
    html = render("Before\n\n[[cards:abc-1]]\n\n[[not valid]]\n\n- [[cards:in-list]]\n\n`[[cards:code]]`\n\nAfter")
    assert '<div data-embed="cards:abc-1"></div>' in html
    assert references_in([html]) == ["cards:abc-1"]
    assert "[[not valid]]" in html and "[[cards:in-list]]" in html and "[[cards:code]]" in html
    assert plain_text("Before\n\n[[cards:abc-1]]\n\nAfter") == "Before After"


def test_the_sanitiser_keeps_only_well_formed_references() -> None:
    cleaned = sanitised('<div data-embed="cards:ok" onclick="x()" class="y">text</div>'
                        '<div data-embed="javascript:alert(1) x"></div><div data-embed="cards:a&quot;b"></div>')
    assert '<div data-embed="cards:ok">text</div>' in cleaned
    assert "javascript" not in cleaned and "onclick" not in cleaned
    assert cleaned.count("data-embed") == 1


def test_the_filter_fills_placeholders_and_empties_unknown_ones() -> None:
    html = sanitised('<p>a</p><div data-embed="cards:x"></div><div data-embed="cards:y"></div>')
    out = with_embeds(html, {"cards:x": Markup("<b>X</b>")})
    assert out == Markup('<p>a</p><b>X</b>')
    # Not sanitised markup: escaped, never a placeholder.
    assert "<div" not in with_embeds('<div data-embed="cards:x"></div>', {"cards:x": Markup("<b>X</b>")})


async def test_the_feed_page_asks_once_for_every_embed_on_it(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, embed_plugin: EmbedPlugin
) -> None:
    intranet = intranet_app.state.intranet
    author = await sign_in(intranet_client, intranet_app, "author@example.org", name="Author")
    first = await service.create_post(intranet, author_id=author.id, title="One", audience=["all"],
                                      body="See:\n\n[[cards:one]]\n\n[[cards:secret-plan]]")
    await service.create_post(intranet, author_id=author.id, title="Two", audience=["all"],
                              body="[[cards:two]]\n\n[[cards:one]]\n\n[[cards:plain]]\n\n[[elsewhere:nobody]]")

    page = await intranet_client.get("/", headers=HTML)
    assert page.status_code == 200
    assert len(embed_plugin.calls) == 1
    assert sorted(embed_plugin.calls[0][1]) == sorted(
        ["cards:one", "cards:secret-plan", "cards:two", "cards:plain", "elsewhere:nobody"]
    )
    assert "Card one for Author" in page.text and "Card two for Author" in page.text
    assert "Card secret-plan for Author" in page.text
    assert "&lt;b&gt;not html&lt;/b&gt;" in page.text
    assert "never asked" not in page.text and 'data-embed="' not in page.text

    embed_plugin.calls.clear()
    reader = http_client(intranet_app)
    async with reader:
        await sign_in(reader, intranet_app, "reader@example.org", name="Reader")
        permalink = await reader.get(f"/posts/{first}", headers=HTML)
        assert permalink.status_code == 200
        assert "Card one for Reader" in permalink.text
        assert "secret-plan" not in permalink.text
        card = await reader.get(f"/feed/card/{first}", headers=HTML)
        assert card.status_code == 200 and "Card one for Reader" in card.text
    assert [refs for _user, refs in embed_plugin.calls] == [["cards:one", "cards:secret-plan"]] * 2


async def test_a_failing_plugin_leaves_its_embeds_empty_and_the_page_whole(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, embed_plugin: EmbedPlugin,
    caplog: pytest.LogCaptureFixture,
) -> None:
    intranet = intranet_app.state.intranet
    author = await sign_in(intranet_client, intranet_app, "author@example.org", name="Author")
    await service.create_post(intranet, author_id=author.id, title="Broken", audience=["all"],
                              body="Still here\n\n[[cards:one]]")
    embed_plugin.fail = True
    page = await intranet_client.get("/", headers=HTML)
    assert page.status_code == 200
    assert "Still here" in page.text and "Card one" not in page.text
    assert "RuntimeError" in caplog.text and "Secret title" not in caplog.text


async def test_a_page_without_embeds_does_not_call_the_hook(
    intranet_app: Litestar, intranet_client: httpx.AsyncClient, embed_plugin: EmbedPlugin
) -> None:
    intranet = intranet_app.state.intranet
    author = await sign_in(intranet_client, intranet_app, "author@example.org", name="Author")
    await service.create_post(intranet, author_id=author.id, title="Plain", audience=["all"], body="No embeds")
    assert (await intranet_client.get("/", headers=HTML)).status_code == 200
    assert embed_plugin.calls == []
