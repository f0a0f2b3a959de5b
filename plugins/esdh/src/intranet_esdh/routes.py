"""Pages: shortcuts, opening and browsing documents, the embed picker, and the administration of both."""

from __future__ import annotations

import asyncio
import re
import time
import unicodedata
from typing import Any
from urllib.parse import quote, urlsplit

from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import File, Redirect, Stream, Template
from litestar.types import ControllerRouterHandler

from intranet_core.auth.guards import requires_login, requires_permission
from intranet_core.forms import posted_form
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.permissions.service import may_anywhere
from intranet_esdh import embeds, shortcuts
from intranet_esdh.connectors import Connector, Download, Item, Link, SourceError, Viewer
from intranet_esdh.documents import children_live, readable, search_sources, viewer_for
from intranet_esdh.search import hit_snippet
from intranet_esdh.sources import sources_of
from intranet_esdh.tables import FrontPageEmbed, GroupEmbed, Reference

MANAGE = "esdh.manage"
EMBED = "esdh.embed"
NO_STORE = {"Cache-Control": "no-store"}
PICK_LIMIT = 20
SANDBOX = "sandbox; default-src 'none'"


def _intranet(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.intranet


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII name for old clients and the real one for the rest."""
    filename = re.sub(r"[\x00-\x1f\x7f/\\]", "_", filename).strip() or "document"
    letters = "".join(c for c in unicodedata.normalize("NFKD", filename) if not unicodedata.combining(c))
    fallback = re.sub(r"[^A-Za-z0-9._ ()-]", "_", letters).strip() or "document"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


# --- shortcuts --------------------------------------------------------------------------------


@get("/shortcuts", name="esdh:shortcuts", guards=[requires_login], include_in_schema=False)
async def shortcuts_page(request: Request[Any, Any, Any]) -> Template:
    intranet = _intranet(request)
    everything = await shortcuts.visible(intranet, request.user)
    return Template("esdh/shortcuts.html", context=await page_context(
        request, title=_("Shortcuts"), favourites=[s for s in everything if s["favourite"]],
        others=[s for s in everything if not s["favourite"]],
        can_manage=await may_anywhere(request.user.id, MANAGE),
        can_embed=await may_anywhere(request.user.id, EMBED),
    ), headers=NO_STORE)


@post("/shortcuts/{shortcut_id:int}/favourite", name="esdh:favourite", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def toggle_favourite(request: Request[Any, Any, Any], shortcut_id: FromPath[int]) -> Redirect:
    form = await posted_form(request, {"next"})
    if await shortcuts.toggle_favourite(_intranet(request), request.user, shortcut_id) is None:
        raise NotFoundException()
    back = str(form.get("next", ""))
    return Redirect(back if back in ("/", "/shortcuts") else "/shortcuts", status_code=303)


# --- opening and browsing documents -----------------------------------------------------------


def _connector(request: Request[Any, Any, Any], source: str) -> Connector:
    connector = sources_of(_intranet(request)).get(source)
    if connector is None:
        raise NotFoundException()
    return connector


async def _unavailable(request: Request[Any, Any, Any], connector: Connector) -> Template:
    return Template("esdh/unavailable.html", context=await page_context(
        request, title=_("The document system is not answering"), source_label=connector.label,
    ), status_code=502, headers=NO_STORE)


async def _readable_item(request: Request[Any, Any, Any], connector: Connector, item_id: str, viewer: Viewer
                         ) -> Item:
    """The item, asked of the source now; 404 when it is not there or the viewer may not read it."""
    if not item_id or len(item_id) > 1000:
        raise NotFoundException()
    timeout = _intranet(request).plugin_settings("esdh").embed_timeout_seconds * 4
    item = await asyncio.wait_for(connector.metadata(item_id, viewer), timeout=timeout)
    if item is None or not await readable(connector, [item], viewer):
        raise NotFoundException()
    return item


@get("/esdh/open/{source:str}", name="esdh:open", guards=[requires_login], include_in_schema=False)
async def open_item(request: Request[Any, Any, Any], source: FromPath[str], item: FromQuery[str] = ""
                    ) -> Any:
    """A document opened in its source, or downloaded through the intranet; folders and cases are browsed."""
    connector = _connector(request, source)
    viewer = await viewer_for(_intranet(request), request.user)
    try:
        found = await _readable_item(request, connector, item, viewer)
        if found.kind != "document":
            return Redirect(f"/esdh/browse/{connector.name}?item={quote(found.id, safe='')}", status_code=303)
        opened = await connector.open(found.id, viewer)
    except (SourceError, TimeoutError):
        return await _unavailable(request, connector)
    if isinstance(opened, Link):
        if urlsplit(opened.url).scheme not in ("http", "https"):
            raise NotFoundException()
        return Redirect(opened.url, status_code=303)
    assert isinstance(opened, Download)
    headers = {"Content-Disposition": content_disposition(opened.filename), "X-Content-Type-Options": "nosniff",
               "Content-Security-Policy": SANDBOX, "Cache-Control": "private, no-store"}
    if opened.path is not None:
        return File(path=opened.path, filename=opened.filename, media_type=opened.content_type,
                    content_disposition_type="attachment", headers=headers)
    if opened.chunks is None:
        raise NotFoundException()
    if opened.size is not None:
        headers["Content-Length"] = str(opened.size)
    return Stream(opened.chunks, media_type=opened.content_type, headers=headers)


@get("/esdh/browse/{source:str}", name="esdh:browse", guards=[requires_login], include_in_schema=False)
async def browse(request: Request[Any, Any, Any], source: FromPath[str], item: FromQuery[str] = "/") -> Template:
    """A folder's or a case's documents, as the viewer may read them."""
    intranet = _intranet(request)
    connector = _connector(request, source)
    viewer = await viewer_for(intranet, request.user)
    try:
        found = await _readable_item(request, connector, item, viewer)
    except (SourceError, TimeoutError):
        return await _unavailable(request, connector)
    if found.kind == "document":
        return Template("esdh/browse.html", context=await page_context(
            request, title=found.title, connector=connector, item=found, children=[], stale=False,
            can_embed=await may_anywhere(request.user.id, EMBED), snippet=hit_snippet(connector, found),
        ), headers=NO_STORE)
    deadline = time.monotonic() + intranet.plugin_settings("esdh").embed_timeout_seconds * 2
    listing = await children_live(intranet, connector, found.id, viewer, deadline)
    children = await readable(connector, list(listing.value or []), viewer) if not listing.missing else []
    return Template("esdh/browse.html", context=await page_context(
        request, title=found.title, connector=connector, item=found, children=children,
        stale=listing.stale, unavailable=listing.missing, can_embed=await may_anywhere(request.user.id, EMBED),
        snippet=hit_snippet(connector, found),
    ), headers=NO_STORE)


# --- the embed picker ------------------------------------------------------------------------


@get("/esdh/pick", name="esdh:pick", guards=[requires_permission(EMBED, anywhere=True)], include_in_schema=False)
async def pick(request: Request[Any, Any, Any], q: FromQuery[str] = "", source: FromQuery[str] = "") -> Template:
    """Find a document, folder or case to embed, and get its short reference."""
    intranet = _intranet(request)
    connectors = sources_of(intranet).all()
    query = " ".join(q.split())[:200]
    only = source if source in {c.name for c in connectors} else None
    hits: list[dict[str, Any]] = []
    if query:
        viewer = await viewer_for(intranet, request.user)
        found = await search_sources(intranet, query, viewer, PICK_LIMIT, only=only,
                                     seconds=intranet.plugin_settings("esdh").search_timeout_seconds * 2)
        hits = [{"source": c.name, "item": i, "snippet": hit_snippet(c, i)} for c, i in found]
    return Template("esdh/pick.html", context=await page_context(
        request, title=_("Embed a document"), connectors=connectors, query=query, source=only or "", hits=hits,
    ), headers=NO_STORE)


@post("/esdh/references", name="esdh:reference_create", guards=[requires_permission(EMBED, anywhere=True)],
      include_in_schema=False, status_code=303)
async def create_reference(request: Request[Any, Any, Any]) -> Redirect:
    """The short reference of an item the editor may read (made the first time)."""
    intranet = _intranet(request)
    form = await posted_form(request, {"source", "item"})
    connector = _connector(request, str(form.get("source", "")))
    viewer = await viewer_for(intranet, request.user)
    try:
        found = await _readable_item(request, connector, str(form.get("item", "")), viewer)
    except (SourceError, TimeoutError):
        raise ClientException(_("The document system is not answering. Try again in a moment.")) from None
    code = await embeds.reference_for(intranet, connector.name, found.id)
    return Redirect(f"/esdh/references/{code}", status_code=303)


@get("/esdh/references/{code:str}", name="esdh:reference", guards=[requires_permission(EMBED, anywhere=True)],
     include_in_schema=False)
async def reference_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    intranet = _intranet(request)
    if not embeds.CODE.match(code) or not await embeds.references([code]):
        raise NotFoundException()
    preview = (await embeds.render_codes(intranet, request.user, [code])).get(code)
    return Template("esdh/reference.html", context=await page_context(
        request, title=_("Embed a document"), snippet=embeds.snippet(code), preview=preview,
    ), headers=NO_STORE)


# --- administration --------------------------------------------------------------------------


async def _choices() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    from intranet_core.people.tables import Unit
    from intranet_core.permissions.tables import Role

    units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).run()
    for unit in units:
        unit["depth"] = max(0, str(unit["path"] or "/").count("/") - 2)
    roles = await Role.select(Role.name, Role.label).order_by(Role.label).run()
    return units, roles


def _audience_labels(keys: list[str], units: list[dict[str, Any]], roles: list[dict[str, Any]]) -> list[str]:
    unit_names = {f"unit:{u['id']}": u["name"] for u in units}
    role_names = {f"role:{r['name']}": r["label"] for r in roles}
    return [_("Everyone") if key == "all" else unit_names.get(key) or role_names.get(key) or key for key in keys]


@get("/admin/esdh", name="esdh:admin", guards=[requires_permission(MANAGE)], include_in_schema=False)
async def admin_page(request: Request[Any, Any, Any], notice: FromQuery[str] = "") -> Template:
    return await _admin(request, notice=notice)


async def _admin(request: Request[Any, Any, Any], *, notice: str = "", box_errors: dict[str, str] | None = None,
                 box_values: dict[str, Any] | None = None, group_errors: dict[str, str] | None = None,
                 group_values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    units, roles = await _choices()
    rows = await shortcuts.all_shortcuts()
    for row in rows:
        row["audience_labels"] = _audience_labels(row["audience"], units, roles)
    boxes = await FrontPageEmbed.select(FrontPageEmbed.id, FrontPageEmbed.title, FrontPageEmbed.reference.code,
                                        FrontPageEmbed.reference.source).order_by(FrontPageEmbed.position).order_by(
        FrontPageEmbed.id).run()
    intranet = _intranet(request)
    groups_installed = hasattr(intranet.hook, "group_document_sources")
    group_boxes = await GroupEmbed.select(GroupEmbed.id, GroupEmbed.group_id, GroupEmbed.title,
                                          GroupEmbed.reference.code).order_by(GroupEmbed.group_id).order_by(
        GroupEmbed.position).run() if groups_installed else []
    notices = {"saved": _("The shortcut was saved."), "deleted": _("The shortcut was deleted."),
               "box": _("The front-page box was saved."), "box_deleted": _("The front-page box was removed."),
               "group": _("The documents were added to the group's page."),
               "group_deleted": _("The documents were removed from the group's page.")}
    return Template("esdh/admin.html", context=await page_context(
        request, title=_("Shortcuts and documents"), shortcuts=rows, boxes=boxes, groups_installed=groups_installed,
        group_boxes=group_boxes,
        sources=sources_of(_intranet(request)).all(), notice=notices.get(notice, ""), box_errors=box_errors or {},
        box_values=box_values or {}, group_errors=group_errors or {}, group_values=group_values or {},
    ), status_code=status_code, headers=NO_STORE)


async def _shortcut_form(request: Request[Any, Any, Any], *, shortcut_id: int | None, values: dict[str, Any],
                         errors: dict[str, str], status_code: int = 200) -> Template:
    units, roles = await _choices()
    return Template("esdh/admin_shortcut.html", context=await page_context(
        request, title=_("Edit shortcut") if shortcut_id else _("New shortcut"), shortcut_id=shortcut_id,
        values=values, errors=errors, units=units, roles=roles, icons=shortcuts.icon_labels(),
    ), status_code=status_code, headers=NO_STORE)


def _values(form: Any) -> dict[str, Any]:
    def getall(name: str) -> list[Any]:
        return list(form.getall(name, [])) if hasattr(form, "getall") else []

    return {"name": form.get("name", ""), "url": form.get("url", ""), "icon": form.get("icon", "link"),
            "description": form.get("description", ""),
            "audience": (["all"] if form.get("everyone") == "on" else [])
            + [f"unit:{v}" for v in getall("unit")] + [f"role:{v}" for v in getall("role")]}


SHORTCUT_FIELDS = {"name", "url", "icon", "description", "everyone", "unit", "role"}


@get("/admin/esdh/shortcuts/new", name="esdh:shortcut_new", guards=[requires_permission(MANAGE)],
     include_in_schema=False)
async def new_shortcut(request: Request[Any, Any, Any]) -> Template:
    return await _shortcut_form(request, shortcut_id=None, values={"icon": "link", "audience": ["all"]}, errors={})


@get("/admin/esdh/shortcuts/{shortcut_id:int}", name="esdh:shortcut_edit", guards=[requires_permission(MANAGE)],
     include_in_schema=False)
async def edit_shortcut(request: Request[Any, Any, Any], shortcut_id: FromPath[int]) -> Template:
    found = await shortcuts.get_shortcut(shortcut_id)
    if found is None:
        raise NotFoundException()
    return await _shortcut_form(request, shortcut_id=shortcut_id, values=found, errors={})


async def _save(request: Request[Any, Any, Any], shortcut_id: int | None) -> Template | Redirect:
    form = await posted_form(request, SHORTCUT_FIELDS)
    units, roles = await _choices()
    data, errors = shortcuts.parse_form(form, {u["id"] for u in units}, {r["name"] for r in roles})
    if data is None:
        return await _shortcut_form(request, shortcut_id=shortcut_id, values=_values(form), errors=errors,
                                    status_code=400)
    if await shortcuts.save_shortcut(_intranet(request), data, shortcut_id) is None:
        raise NotFoundException()
    return Redirect("/admin/esdh?notice=saved", status_code=303)


@post("/admin/esdh/shortcuts", name="esdh:shortcut_create", guards=[requires_permission(MANAGE)],
      include_in_schema=False, status_code=303)
async def create_shortcut(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save(request, None)


@post("/admin/esdh/shortcuts/{shortcut_id:int}", name="esdh:shortcut_update", guards=[requires_permission(MANAGE)],
      include_in_schema=False, status_code=303)
async def update_shortcut(request: Request[Any, Any, Any], shortcut_id: FromPath[int]) -> Template | Redirect:
    return await _save(request, shortcut_id)


@post("/admin/esdh/shortcuts/{shortcut_id:int}/delete", name="esdh:shortcut_delete",
      guards=[requires_permission(MANAGE)], include_in_schema=False, status_code=303)
async def delete_shortcut(request: Request[Any, Any, Any], shortcut_id: FromPath[int]) -> Redirect:
    await posted_form(request, set())
    if not await shortcuts.delete_shortcut(_intranet(request), shortcut_id):
        raise NotFoundException()
    return Redirect("/admin/esdh?notice=deleted", status_code=303)


@post("/admin/esdh/shortcuts/{shortcut_id:int}/move", name="esdh:shortcut_move", guards=[requires_permission(MANAGE)],
      include_in_schema=False, status_code=303)
async def move_shortcut(request: Request[Any, Any, Any], shortcut_id: FromPath[int]) -> Redirect:
    form = await posted_form(request, {"direction"})
    direction = str(form.get("direction", ""))
    if direction not in ("up", "down"):
        raise ClientException("direction: expected up or down")
    if not await shortcuts.move_shortcut(_intranet(request), shortcut_id, direction):
        raise NotFoundException()
    return Redirect(f"/admin/esdh#shortcut-{shortcut_id}", status_code=303)


_SNIPPET = re.compile(r"^(?:\[\[esdh:)?([a-z0-9]{8,16})(?:\]\])?$")
_GROUP = re.compile(r"^(?:.*/groups/)?([0-9]{1,9})/?$")


async def _box_form(request: Request[Any, Any, Any], fields: set[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """A title and an embed reference (and, for a group page, the group); the problems by field."""
    form = await posted_form(request, fields)
    values: dict[str, Any] = {name: str(form.get(name, "")).strip() for name in fields}
    values["title"] = " ".join(values["title"].split())
    match = _SNIPPET.match(values["reference"])
    found = await embeds.references([match.group(1)]) if match else {}
    errors = {}
    if not values["title"] or len(values["title"]) > 200:
        errors["title"] = _("Give the box a title of at most 200 characters.")
    if not found:
        errors["reference"] = _("Paste a reference from the embed picker, such as [[esdh:k3x9p2qa7m]].")
    else:
        values["code"] = next(iter(found))
    if "group" in fields:
        group = _GROUP.match(values["group"])
        if group is None:
            errors["group"] = _("Give the group's number or the address of its page, such as /groups/3.")
        else:
            values["group_id"] = int(group.group(1))
    return values, errors


async def _reference_id(code: str) -> int:
    row = await Reference.select(Reference.id).where(Reference.code == code).first().run()
    if row is None:
        raise NotFoundException()
    return int(row["id"])


@post("/admin/esdh/boxes", name="esdh:box_create", guards=[requires_permission(MANAGE)], include_in_schema=False,
      status_code=303)
async def create_box(request: Request[Any, Any, Any]) -> Template | Redirect:
    """A front-page box showing an embed live: a title and the embed's reference."""
    intranet = _intranet(request)
    values, errors = await _box_form(request, {"title", "reference"})
    if errors:
        return await _admin(request, box_errors=errors, box_values=values, status_code=400)
    async with intranet.db.transaction(write=True):
        reference = await _reference_id(values["code"])
        last = await intranet.db.for_update(FrontPageEmbed.select(FrontPageEmbed.position).order_by(
            FrontPageEmbed.position, ascending=False)).first().run()
        await FrontPageEmbed.insert(FrontPageEmbed(title=values["title"], reference=reference,
                                                   position=(last["position"] + 1) if last else 0)).run()
    return Redirect("/admin/esdh?notice=box", status_code=303)


@post("/admin/esdh/groups", name="esdh:group_create", guards=[requires_permission(MANAGE)], include_in_schema=False,
      status_code=303)
async def create_group_box(request: Request[Any, Any, Any]) -> Template | Redirect:
    """An embed on a workgroup's page, shown there to those who may read the group (and the item)."""
    intranet = _intranet(request)
    values, errors = await _box_form(request, {"group", "title", "reference"})
    if errors:
        return await _admin(request, group_errors=errors, group_values=values, status_code=400)
    async with intranet.db.transaction(write=True):
        reference = await _reference_id(values["code"])
        last = await intranet.db.for_update(GroupEmbed.select(GroupEmbed.position).where(
            GroupEmbed.group_id == values["group_id"]).order_by(GroupEmbed.position, ascending=False)).first().run()
        await GroupEmbed.insert(GroupEmbed(group_id=values["group_id"], title=values["title"], reference=reference,
                                           position=(last["position"] + 1) if last else 0)).run()
    return Redirect("/admin/esdh?notice=group", status_code=303)


@post("/admin/esdh/groups/{box_id:int}/delete", name="esdh:group_delete", guards=[requires_permission(MANAGE)],
      include_in_schema=False, status_code=303)
async def delete_group_box(request: Request[Any, Any, Any], box_id: FromPath[int]) -> Redirect:
    await posted_form(request, set())
    async with _intranet(request).db.transaction(write=True):
        found = await GroupEmbed.select(GroupEmbed.id).where(GroupEmbed.id == box_id).first().run()
        if found is None:
            raise NotFoundException()
        await GroupEmbed.delete().where(GroupEmbed.id == box_id).run()
    return Redirect("/admin/esdh?notice=group_deleted", status_code=303)


@post("/admin/esdh/boxes/{box_id:int}/delete", name="esdh:box_delete", guards=[requires_permission(MANAGE)],
      include_in_schema=False, status_code=303)
async def delete_box(request: Request[Any, Any, Any], box_id: FromPath[int]) -> Redirect:
    await posted_form(request, set())
    async with _intranet(request).db.transaction(write=True):
        found = await FrontPageEmbed.select(FrontPageEmbed.id).where(FrontPageEmbed.id == box_id).first().run()
        if found is None:
            raise NotFoundException()
        await FrontPageEmbed.delete().where(FrontPageEmbed.id == box_id).run()
    return Redirect("/admin/esdh?notice=box_deleted", status_code=303)


ROUTES: list[ControllerRouterHandler] = [
    shortcuts_page, toggle_favourite, open_item, browse, pick, create_reference, reference_page, admin_page,
    new_shortcut, edit_shortcut, create_shortcut, update_shortcut, delete_shortcut, move_shortcut, create_box,
    delete_box, create_group_box, delete_group_box,
]
