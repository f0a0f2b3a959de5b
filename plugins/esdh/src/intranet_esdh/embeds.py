"""Live embeds: ``[[esdh:<code>]]`` in a post, on a group page or in a front-page box.

A code stands for one item of one source (a row of ``esdh_reference``: the
source's name and the item's id, never its title or content). Editors get a
code from the picker (``/esdh/pick``). When a page is shown, every code on it
is looked up with one query, the sources are asked for all of them at once
within the page's time budget, and each embed is rendered for the reader:
only what they may read, the last known data marked as such while a source
is down, and nothing at all for an item they may not read.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
from typing import Any

from markupsafe import Markup

from intranet_core.people.models import PersonInfo
from intranet_esdh.documents import Embedded, embedded_all, viewer_for
from intranet_esdh.tables import FrontPageEmbed, GroupEmbed, Reference

OWNER = "esdh"
CODE = re.compile(r"^[a-z0-9]{8,16}$")
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def item_key(source: str, item: str) -> str:
    return hashlib.sha256(f"{source}\x00{item}".encode()).hexdigest()


def snippet(code: str) -> str:
    """What an editor writes in a post to embed the item."""
    return f"[[{OWNER}:{code}]]"


async def reference_for(app: Any, source: str, item: str) -> str:
    """The code of an item, made the first time it is embedded (one code per item)."""
    key = item_key(source, item)
    async with app.db.transaction(write=True):
        found = await app.db.for_update(Reference.select(Reference.code).where(Reference.item_key == key)).first(
        ).run()
        if found is not None:
            return str(found["code"])
        code = "".join(secrets.choice(_ALPHABET) for _ in range(10))
        await Reference.insert(Reference(code=code, source=source, item=item, item_key=key)).run()
        return code


async def references(codes: list[str]) -> dict[str, dict[str, Any]]:
    """The rows of these codes, by code (one query)."""
    codes = [code for code in codes if CODE.match(code)]
    if not codes:
        return {}
    rows = await Reference.select(Reference.code, Reference.source, Reference.item).where(
        Reference.code.is_in(codes)).run()
    return {row["code"]: row for row in rows}


def _checked_at(view: Embedded) -> datetime.datetime | None:
    if view.fetched_at is None:
        return None
    return datetime.datetime.fromtimestamp(view.fetched_at, datetime.UTC)


def render_one(app: Any, view: Embedded, code: str) -> Markup:
    """One embed's HTML; empty when there is nothing the reader may see (no hint of a title)."""
    if view.item is None and not view.unavailable:
        return Markup("")
    template = app.jinja.get_template("esdh/embed.html")
    return Markup(template.render(embed=view, code=code, checked_at=_checked_at(view)))  # noqa: S704 - autoescaped


async def render_codes(app: Any, user: PersonInfo, codes: list[str], budget: float | None = None
                       ) -> dict[str, Markup]:
    """The embeds of these codes for one reader, by code: one query, all sources asked at once."""
    rows = await references(codes)
    if not rows:
        return {}
    viewer = await viewer_for(app, user)
    ordered = list(rows.values())
    views = await embedded_all(app, [(row["source"], row["item"]) for row in ordered], viewer, budget)
    return {row["code"]: render_one(app, view, row["code"]) for row, view in zip(ordered, views, strict=True)}


async def render(app: Any, user: PersonInfo, wanted: list[str]) -> dict[str, Markup]:
    """The ``render_embeds`` hook: ``esdh:<code>`` references, rendered for ``user``."""
    codes = [ref.split(":", 1)[1] for ref in wanted if ref.startswith(f"{OWNER}:")]
    rendered = await render_codes(app, user, codes)
    return {f"{OWNER}:{code}": html for code, html in rendered.items() if html}


async def front_page_boxes(app: Any, request: Any, user: PersonInfo) -> list[dict[str, Any]]:
    """The front-page embeds the reader may see something of, each with its rendered content."""
    rows = await FrontPageEmbed.select(FrontPageEmbed.id, FrontPageEmbed.title, FrontPageEmbed.reference.code).order_by(
        FrontPageEmbed.position).order_by(FrontPageEmbed.id).run()
    if not rows:
        return []
    rendered = await render_codes(app, user, [row["reference.code"] for row in rows])
    return [{"title": row["title"], "html": rendered[row["reference.code"]]}
            for row in rows if rendered.get(row["reference.code"])]


async def group_sections(app: Any, user: PersonInfo, group_id: int) -> list[dict[str, Any]]:
    """The embeds attached to a workgroup's page that the reader may see something of, rendered for them."""
    rows = await GroupEmbed.select(GroupEmbed.title, GroupEmbed.position, GroupEmbed.reference.code).where(
        GroupEmbed.group_id == group_id).order_by(GroupEmbed.position).order_by(GroupEmbed.id).run()
    if not rows:
        return []
    rendered = await render_codes(app, user, [row["reference.code"] for row in rows])
    return [{"title": row["title"], "html": rendered[row["reference.code"]], "position": row["position"]}
            for row in rows if rendered.get(row["reference.code"])]
