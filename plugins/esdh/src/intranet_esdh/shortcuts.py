"""Shortcuts: tiles linking to the other systems staff use, for chosen audiences, and personal favourites.

A shortcut is shown to a person when one of its audience keys is one of
theirs (``all``; ``unit:<id>`` for their units and the units above them;
``role:<name>`` for each role they hold), decided in the query itself.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import msgspec

from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_esdh.tables import Favourite, Shortcut, ShortcutAudience

ICONS = ("link", "mail", "calendar", "money", "people", "document", "folder", "phone", "chart", "help",
         "lock", "clock", "globe", "tools")
COLUMNS = (Shortcut.id, Shortcut.name, Shortcut.url, Shortcut.icon, Shortcut.description, Shortcut.position)
_LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\\]{0,999}$")


def icon_labels() -> dict[str, str]:
    return {
        "link": _("Link"), "mail": _("Mail"), "calendar": _("Calendar"), "money": _("Pay and money"),
        "people": _("People"), "document": _("Document"), "folder": _("Folder"), "phone": _("Phone"),
        "chart": _("Figures"), "help": _("Help"), "lock": _("Security"), "clock": _("Time"),
        "globe": _("Web"), "tools": _("Tools"),
    }


def safe_url(url: str) -> bool:
    """An ``https://`` or ``http://`` link with a host, or a path on this site."""
    if _LOCAL_PATH.match(url):
        return True
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and not any(c.isspace() for c in url)


async def viewer_keys(app: Any, user: PersonInfo) -> list[str]:
    from intranet_esdh.documents import viewer_for

    return list((await viewer_for(app, user)).keys)


def _visible_to(keys: list[str]) -> Any:
    return Shortcut.id.is_in(ShortcutAudience.select(ShortcutAudience.shortcut).where(ShortcutAudience.key.is_in(keys)))


async def visible(app: Any, user: PersonInfo) -> list[dict[str, Any]]:
    """Every shortcut the person sees, in order, each marked ``favourite`` or not."""
    keys = await viewer_keys(app, user)
    rows = await Shortcut.select(*COLUMNS).where(_visible_to(keys)).order_by(Shortcut.position).order_by(
        Shortcut.id).run()
    mine = {row["shortcut"] for row in await Favourite.select(Favourite.shortcut).where(
        Favourite.person == user.id).run()}
    return [{**row, "favourite": row["id"] in mine} for row in rows]


async def favourites(app: Any, user: PersonInfo) -> list[dict[str, Any]]:
    """The person's favourites that they still see (a shortcut taken from their audience drops out)."""
    keys = await viewer_keys(app, user)
    mine = Favourite.select(Favourite.shortcut).where(Favourite.person == user.id)
    return list(await Shortcut.select(*COLUMNS).where(_visible_to(keys) & Shortcut.id.is_in(mine)).order_by(
        Shortcut.position).order_by(Shortcut.id).run())


async def front_page(app: Any, user: PersonInfo) -> dict[str, Any]:
    """The front-page box: favourites first, then the rest, as many as the settings say."""
    everything = await visible(app, user)
    ordered = [s for s in everything if s["favourite"]] + [s for s in everything if not s["favourite"]]
    limit = app.plugin_settings("esdh").widget_shortcuts
    return {"shortcuts": ordered[:limit], "more": len(ordered) > limit}


async def toggle_favourite(app: Any, user: PersonInfo, shortcut_id: int) -> bool | None:
    """Make a shortcut the person sees a favourite, or stop; ``None`` when they do not see it."""
    keys = await viewer_keys(app, user)
    async with app.db.transaction(write=True):
        seen = await Shortcut.select(Shortcut.id).where((Shortcut.id == shortcut_id) & _visible_to(keys)).first().run()
        if seen is None:
            return None
        existing = await app.db.for_update(Favourite.select(Favourite.id).where(
            (Favourite.person == user.id) & (Favourite.shortcut == shortcut_id))).first().run()
        if existing is not None:
            await Favourite.delete().where(Favourite.id == existing["id"]).run()
            return False
        await Favourite.insert(Favourite(person=user.id, shortcut=shortcut_id)).run()
        return True


async def export_favourites(person_id: int) -> list[dict[str, Any]]:
    rows = await Favourite.select(Favourite.shortcut.name, Favourite.shortcut.url, Favourite.created_at).where(
        Favourite.person == person_id).order_by(Favourite.id).run()
    return [{"name": row["shortcut.name"], "url": row["shortcut.url"], "added": row["created_at"]} for row in rows]


# --- administration ----------------------------------------------------------------------------


class ShortcutForm(msgspec.Struct, kw_only=True):
    name: str
    url: str
    icon: str = "link"
    description: str = ""
    audience: list[str] = msgspec.field(default_factory=list)


def parse_form(form: Any, units: set[int], roles: set[str]) -> tuple[ShortcutForm | None, dict[str, str]]:
    """The submitted shortcut, or the problems with it (by field)."""
    values = {
        "name": " ".join(str(form.get("name", "")).split()),
        "url": str(form.get("url", "")).strip(),
        "icon": str(form.get("icon", "link")),
        "description": " ".join(str(form.get("description", "")).split()),
    }
    audience: list[str] = []
    if form.get("everyone") == "on":
        audience.append("all")
    def getall(name: str) -> list[Any]:
        return list(form.getall(name, [])) if hasattr(form, "getall") else []

    for value in getall("unit"):
        if str(value).isdigit() and int(value) in units:
            audience.append(f"unit:{int(value)}")
        else:
            return None, {"audience": _("Choose units from the list.")}
    for value in getall("role"):
        if str(value) in roles:
            audience.append(f"role:{value}")
        else:
            return None, {"audience": _("Choose roles from the list.")}
    errors = {}
    if not values["name"]:
        errors["name"] = _("Give the shortcut a name.")
    elif len(values["name"]) > 100:
        errors["name"] = _("The name can be at most 100 characters.")
    if not values["url"]:
        errors["url"] = _("Give the address the shortcut opens.")
    elif len(values["url"]) > 1000 or not safe_url(values["url"]):
        errors["url"] = _("Give an address starting with https:// (or a path on the intranet starting with /).")
    if values["icon"] not in ICONS:
        errors["icon"] = _("Choose an icon from the list.")
    if len(values["description"]) > 300:
        errors["description"] = _("The description can be at most 300 characters.")
    if not audience:
        errors["audience"] = _("Choose who sees the shortcut: everyone, units or roles.")
    if errors:
        return None, errors
    return ShortcutForm(**values, audience=list(dict.fromkeys(audience))), {}


async def all_shortcuts() -> list[dict[str, Any]]:
    """Every shortcut with its audience keys, in order (for the administration page)."""
    rows = await Shortcut.select(*COLUMNS).order_by(Shortcut.position).order_by(Shortcut.id).run()
    audiences: dict[int, list[str]] = {}
    for row in await ShortcutAudience.select(ShortcutAudience.shortcut, ShortcutAudience.key).order_by(
            ShortcutAudience.id).run():
        audiences.setdefault(row["shortcut"], []).append(row["key"])
    return [{**row, "audience": audiences.get(row["id"], [])} for row in rows]


async def get_shortcut(shortcut_id: int) -> dict[str, Any] | None:
    row = await Shortcut.select(*COLUMNS).where(Shortcut.id == shortcut_id).first().run()
    if row is None:
        return None
    keys = await ShortcutAudience.select(ShortcutAudience.key).where(ShortcutAudience.shortcut == shortcut_id).run()
    return {**row, "audience": [k["key"] for k in keys]}


async def save_shortcut(app: Any, data: ShortcutForm, shortcut_id: int | None = None) -> int | None:
    """Create (no id) or change a shortcut and its audience; ``None`` when the one to change is gone."""
    fields = {"name": data.name, "url": data.url, "icon": data.icon, "description": data.description}
    async with app.db.transaction(write=True):
        if shortcut_id is None:
            last = await app.db.for_update(Shortcut.select(Shortcut.position).order_by(
                Shortcut.position, ascending=False)).first().run()
            inserted = await Shortcut.insert(Shortcut(
                name=data.name, url=data.url, icon=data.icon, description=data.description,
                position=(last["position"] + 1) if last else 0,
            )).run()
            shortcut_id = int(inserted[0]["id"])
        else:
            found = await app.db.for_update(Shortcut.select(Shortcut.id).where(Shortcut.id == shortcut_id)).first(
            ).run()
            if found is None:
                return None
            await Shortcut.update({getattr(Shortcut, k): v for k, v in fields.items()}).where(
                Shortcut.id == shortcut_id).run()
            await ShortcutAudience.delete().where(ShortcutAudience.shortcut == shortcut_id).run()
        await ShortcutAudience.insert(*[ShortcutAudience(shortcut=shortcut_id, key=key) for key in data.audience]).run()
    return shortcut_id


async def delete_shortcut(app: Any, shortcut_id: int) -> bool:
    async with app.db.transaction(write=True):
        found = await Shortcut.select(Shortcut.id).where(Shortcut.id == shortcut_id).first().run()
        if found is None:
            return False
        await Shortcut.delete().where(Shortcut.id == shortcut_id).run()
    return True


async def move_shortcut(app: Any, shortcut_id: int, direction: str) -> bool:
    """Swap a shortcut with the one before (``up``) or after it (``down``)."""
    async with app.db.transaction(write=True):
        rows = await app.db.for_update(Shortcut.select(Shortcut.id, Shortcut.position).order_by(
            Shortcut.position).order_by(Shortcut.id)).run()
        ids = [row["id"] for row in rows]
        if shortcut_id not in ids:
            return False
        index = ids.index(shortcut_id)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(ids):
            ids[index], ids[other] = ids[other], ids[index]
        # Positions renumbered 0..n-1, so equal positions never make the order ambiguous.
        current = {row["id"]: row["position"] for row in rows}
        for position, row_id in enumerate(ids):
            if current[row_id] != position:
                await Shortcut.update({Shortcut.position: position}).where(Shortcut.id == row_id).run()
    return True
