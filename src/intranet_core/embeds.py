"""Embeds: live content in stored text, filled in per reader when a page is shown.

A paragraph holding only ``[[<owner>:<key>]]`` is stored by
:func:`intranet_core.markup.render` as ``<div data-embed="<owner>:<key>"></div>``:
the reference, nothing of what it shows. When a page shows stored texts it
collects every reference in them (:func:`references_in`), asks the
``render_embeds`` hook once for all of them (:func:`render_embeds`), and the
``with_embeds`` template filter puts each answer in its placeholder::

    {{ post.body_html | sanitised | with_embeds(post.embeds) }}

A reference nobody answers for shows nothing. Text shown elsewhere (mails,
notifications, the API's ``body_html``) keeps the empty placeholder.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

logger = logging.getLogger(__name__)

MAX_PER_PAGE = 50
"""More references than this on one page are left empty (a page of posts has a handful)."""
SECONDS_PER_PLUGIN = 5.0
"""A plugin that has not answered by then is given up on for this page."""

_PLACEHOLDER = re.compile(r'<div data-embed="([a-z][a-z0-9_-]{0,39}:[A-Za-z0-9_-]{1,100})"></div>')


def references_in(htmls: Iterable[str]) -> list[str]:
    """The embed references in rendered texts, each once, in order."""
    found: dict[str, None] = {}
    for html in htmls:
        for match in _PLACEHOLDER.finditer(html or ""):
            found.setdefault(match.group(1))
    return list(found)


async def render_embeds(intranet: Any, request: Any, user: Any, references: list[str]) -> dict[str, Markup]:
    """Ask every plugin once for the references it owns; a failing or slow plugin leaves its own empty."""
    references = list(dict.fromkeys(references))[:MAX_PER_PAGE]
    if not references or user is None:
        return {}
    wanted = set(references)
    arguments = {"app": intranet, "request": request, "user": user, "references": references}
    rendered: dict[str, Markup] = {}
    for impl in reversed(intranet.hook.render_embeds.get_hookimpls()):
        try:
            answer = impl.function(**{name: arguments[name] for name in impl.argnames})
            if inspect.isawaitable(answer):
                answer = await asyncio.wait_for(answer, timeout=SECONDS_PER_PLUGIN)
        except Exception as exc:
            logger.error("render_embeds failed: plugin=%s error=%s", impl.plugin_name, type(exc).__name__)
            continue
        if not isinstance(answer, Mapping):
            continue
        for reference, html in answer.items():
            if reference in wanted and reference not in rendered:
                rendered[reference] = html if isinstance(html, Markup) else escape(str(html))
    return rendered


async def for_texts(request: Any, htmls: Iterable[str]) -> dict[str, Markup]:
    """The embeds of every text on a page, for the signed-in reader: one hook call."""
    references = references_in(htmls)
    if not references:
        return {}
    return await render_embeds(request.app.state.intranet, request, request.scope.get("user"), references)


def with_embeds(html: Any, embeds: Mapping[str, Markup] | None) -> Markup:
    """The ``with_embeds`` filter: placeholders in sanitised HTML replaced by what was rendered for them."""
    safe = html if isinstance(html, Markup) else escape(html)
    found = embeds or {}
    return Markup(_PLACEHOLDER.sub(  # noqa: S704 - placeholders replaced in HTML already sanitised
        lambda match: str(found.get(match.group(1), "")), str(safe)
    ))
