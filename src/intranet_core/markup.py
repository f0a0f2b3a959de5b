"""User text: markdown rendered by markdown-it-py, sanitised by nh3.

The one module that turns people's text into HTML; everything it returns is
safe to insert into a page, a mail or a notification. Raw HTML in the text is
escaped (markdown-it's ``html`` option is off), and nh3 then keeps only the
tags, attributes and URL schemes listed here, so a bug in one layer is
caught by the other.

Images come only from our own uploads. A text is rendered with the images
it may show (``images``: for a post, its own images, by their URL and by
their file name, so ``![Our team](team.jpg)`` works before the post has a
URL); every other ``![...](...)`` becomes its alt text, and without
``images`` no image is kept at all. nh3 then keeps an ``<img>`` only if its
``src`` is one of those URLs (or, when stored HTML is cleaned again, a path
of the form of our own uploads: :data:`OWN_IMAGE`).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "hr", "a", "img", "table", "thead", "tbody", "tr", "th", "td", "div",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "loading"}, "th": {"align"},
              "td": {"align"}, "div": {"data-embed"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Images only from our own uploads: no tracking pixels, no mixed content.
# An upload is served under its owner: /posts/7/files/12, /groups/3/files/5.
OWN_IMAGE = re.compile(r"^/(?:[a-z][a-z0-9_-]{0,40}/[0-9]{1,12}/)?(?:files|uploads)/[A-Za-z0-9_\-./]+$")


@dataclass(frozen=True)
class OwnImage:
    """An image a text may show: where it is served, and the alt text when the writer gives none."""

    url: str
    name: str

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

# An embed: a paragraph of its own holding only ``[[<owner>:<key>]]`` (``[[esdh:k3x9p2qa]]``).
# It is stored as an empty placeholder element; pages fill it in per reader when they are shown
# (intranet_core.embeds), so nothing of what it shows is ever stored with the text.
EMBED_REFERENCE = re.compile(r"^[a-z][a-z0-9_-]{0,39}:[A-Za-z0-9_-]{1,100}$")
_EMBED_LINE = re.compile(r"^\[\[([^\[\]\s]{3,141})\]\]$")


def _embeds(state: Any) -> None:
    tokens, out, i = state.tokens, [], 0
    while i < len(tokens):
        window = tokens[i:i + 3]
        if (len(window) == 3 and window[0].type == "paragraph_open" and window[0].level == 0
                and window[1].type == "inline" and window[2].type == "paragraph_close"
                and all(child.type == "text" for child in window[1].children or [])):
            found = _EMBED_LINE.match("".join(child.content for child in window[1].children or []).strip())
            if found and EMBED_REFERENCE.match(found.group(1)):
                embed = Token("embed", "div", 0, block=True, map=window[0].map)
                embed.meta = {"reference": found.group(1)}
                out.append(embed)
                i += 3
                continue
        out.append(tokens[i])
        i += 1
    state.tokens = out


_md.core.ruler.push("embeds", _embeds)
_md.add_render_rule(
    "embed", lambda _renderer, tokens, idx, options, env: f'<div data-embed="{tokens[idx].meta["reference"]}"></div>\n'
)


def _filter(element: str, attribute: str, value: str) -> str | None:
    if element == "div" and attribute == "data-embed":
        return value if EMBED_REFERENCE.match(value) else None
    if element == "img" and attribute == "src":
        return value if OWN_IMAGE.match(value) and ".." not in value else None
    if element == "img" and attribute == "loading":
        return "lazy"
    return value


def _only_these(urls: set[str]) -> Any:
    def check(element: str, attribute: str, value: str) -> str | None:
        if element == "img" and attribute == "src":
            return value if value in urls and OWN_IMAGE.match(value) and ".." not in value else None
        return _filter(element, attribute, value)

    return check


def _own_images(tokens: list[Any], images: Mapping[str, OwnImage]) -> None:
    """Point each image at its upload's URL, or turn it into its alt text (in place)."""
    by_ref = {unquote(ref): image for ref, image in images.items()}
    for token in tokens:
        if token.children:
            _own_images(token.children, images)
        if token.type != "image":
            continue
        src = str(token.attrGet("src") or "")
        image = by_ref.get(unquote(src))
        alt = "".join(child.content for child in token.children or [] if child.type in ("text", "code_inline"))
        if image is None:
            token.type, token.tag, token.nesting, token.children, token.attrs = "text", "", 0, None, {}
            token.content = alt
            continue
        token.attrSet("src", image.url)
        token.attrSet("loading", "lazy")
        if not alt.strip():
            token.content = image.name
            token.children = [Token("text", "", 0, content=image.name)]


def render(text: str, *, images: Mapping[str, OwnImage] | None = None) -> Markup:
    """Markdown to safe HTML. Links get ``rel="noopener noreferrer"``.

    :param images: the images the text may show, by what the writer may put
        in ``![alt](...)`` (a URL, a file name); every other image becomes
        its alt text. ``None`` keeps no image.
    """
    env: dict[str, Any] = {}
    tokens = _md.parse(text or "", env)
    _own_images(tokens, images or {})
    html = _md.renderer.render(tokens, _md.options, env)
    # Headings start at h2: the page owns h1.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return sanitised(html, image_urls={image.url for image in (images or {}).values()})


def sanitised(html: str, *, image_urls: set[str] | None = None) -> Markup:
    """HTML made safe by the same rules (the ``sanitised`` template filter).

    Stored HTML is cleaned again when shown, so a row changed behind the
    application's back still cannot carry script. With ``image_urls``, an
    image is kept only if its ``src`` is one of them.
    """
    if image_urls is None:
        return _sanitised_once(html or "")
    return Markup(_clean(html or "", _only_these(image_urls)))  # noqa: S704 - sanitised by nh3


@functools.lru_cache(maxsize=4096)
def _sanitised_once(html: str) -> Markup:
    # A feed page shows the same few hundred stored texts again and again: clean each once
    # per process (keyed by the text itself, so a changed row is cleaned anew).
    return Markup(_clean(html, _filter))  # noqa: S704 - sanitised by nh3


def _clean(html: str, attribute_filter: Any) -> str:
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=attribute_filter,
        strip_comments=True,
    )


def plain_text(text: str, limit: int | None = None) -> str:
    """The words of a markdown text without markup (search, mail subjects, previews)."""
    html = _md.render(text or "")
    words = " ".join(nh3.clean(html, tags=set()).split())
    words = words.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    if limit is not None and len(words) > limit:
        return words[: limit - 1].rstrip() + "…"
    return words
