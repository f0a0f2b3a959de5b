"""User text: markdown rendered by markdown-it-py, sanitised by nh3.

The one module that turns people's text into HTML; everything it returns is
safe to insert into a page, a mail or a notification. Raw HTML in the text is
escaped (markdown-it's ``html`` option is off), and nh3 then keeps only the
tags, attributes and URL schemes listed here, so a bug in one layer is
caught by the other.
"""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {
    "p", "br", "strong", "em", "del", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "hr", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title"}, "th": {"align"}, "td": {"align"}}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# Images only from our own uploads: no tracking pixels, no mixed content.
OWN_IMAGE = re.compile(r"^/(?:files|uploads)/[A-Za-z0-9_\-./]+$")

_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


def _filter(element: str, attribute: str, value: str) -> str | None:
    if element == "img" and attribute == "src":
        return value if OWN_IMAGE.match(value) and ".." not in value else None
    return value


def render(text: str) -> Markup:
    """Markdown to safe HTML. Links get ``rel="noopener noreferrer"``."""
    html = _md.render(text or "")
    # Headings start at h2: the page owns h1.
    html = re.sub(r"<(/?)h1>", r"<\1h2>", html)
    return sanitised(html)


def sanitised(html: str) -> Markup:
    """HTML made safe by the same rules (the ``sanitised`` template filter).

    Stored HTML is cleaned again when shown, so a row changed behind the
    application's back still cannot carry script.
    """
    clean = nh3.clean(
        html or "",
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        attribute_filter=_filter,
        strip_comments=True,
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def plain_text(text: str, limit: int | None = None) -> str:
    """The words of a markdown text without markup (search, mail subjects, previews)."""
    html = _md.render(text or "")
    words = " ".join(nh3.clean(html, tags=set()).split())
    words = words.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
    if limit is not None and len(words) > limit:
        return words[: limit - 1].rstrip() + "…"
    return words
