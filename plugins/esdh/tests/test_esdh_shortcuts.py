"""Shortcuts: administered tiles for everyone, units and roles; favourites; front page and navigation."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from esdh_helpers import HTML, Org, organisation
from intranet_esdh.tables import Favourite, Shortcut, ShortcutAudience
from litestar import Litestar

from intranet_core.personal_data.service import leftover_references


@pytest.fixture
async def org(intranet_app: Litestar, intranet_client: Any) -> AsyncIterator[Org]:
    async with contextlib.AsyncExitStack() as stack:
        yield await organisation(intranet_app, stack)


async def add(org: Org, name: str, url: str, *audience: tuple[str, str], description: str = "") -> int:
    response = await org.post("admin", "/admin/esdh/shortcuts", [
        ("name", name), ("url", url), ("icon", "mail"), ("description", description), *audience])
    assert response.status_code == 303, response.text
    row = await Shortcut.select(Shortcut.id).where(Shortcut.name == name).first().run()
    return int(row["id"])


async def names(org: Org, key: str) -> list[str]:
    page = await org.get(key, "/shortcuts")
    assert page.status_code == 200
    import re

    return re.findall(r'<span class="esdh-tile-name">([^<]+)</span>', page.text)


async def test_audiences_decide_who_sees_a_shortcut(org: Org) -> None:
    await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    await add(org, "Aarhus booking", "https://lokaler.example.org/aarhus", ("unit", str(org.aarhus)))
    await add(org, "Pressefotos", "https://foto.example.org/", ("role", "editor"))
    await add(org, "Intranet help", "/shortcuts", ("unit", str(org.odense)), ("role", "admin"))
    assert await names(org, "member") == ["Webmail", "Aarhus booking"]  # Aarhus team is below Aarhus
    assert await names(org, "editor") == ["Webmail", "Aarhus booking", "Pressefotos"]
    assert await names(org, "odense") == ["Webmail", "Intranet help"]
    assert await names(org, "admin") == ["Webmail", "Intranet help"]


async def test_favourites_come_first_everywhere(org: Org) -> None:
    mail = await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    pay = await add(org, "Lønsedler", "https://www.silkeborgdata.dk/", ("everyone", "on"))
    response = await org.post("member", f"/shortcuts/{pay}/favourite", {"next": "/"})
    assert response.status_code == 303 and response.headers["location"] == "/"
    page = await org.get("member", "/shortcuts")
    assert page.text.index("Lønsedler") < page.text.index("Webmail")
    assert 'aria-pressed="true"' in page.text
    # The navigation and the front-page box, on every page.
    front = await org.get("member", "/")
    assert 'href="https://www.silkeborgdata.dk/">Lønsedler</a>' in front.text  # nav item
    assert "esdh-tiles-compact" in front.text and front.text.count("esdh-tile-name") == 2
    other = await org.get("odense", "/")
    assert 'href="https://www.silkeborgdata.dk/">Lønsedler</a>' not in other.text
    # Twice: no longer a favourite.
    await org.post("member", f"/shortcuts/{pay}/favourite")
    assert await Favourite.count().where(Favourite.person == org.people["member"].id).run() == 0
    assert mail


async def test_a_shortcut_one_does_not_see_cannot_be_made_a_favourite(org: Org) -> None:
    hidden = await add(org, "Odense only", "https://odense.example.org/", ("unit", str(org.odense)))
    assert (await org.post("member", f"/shortcuts/{hidden}/favourite")).status_code == 404
    assert (await org.post("member", "/shortcuts/999999/favourite")).status_code == 404
    assert await Favourite.count().run() == 0


async def test_a_favourite_drops_out_when_its_audience_changes(org: Org) -> None:
    shortcut = await add(org, "Aarhus booking", "https://lokaler.example.org/", ("unit", str(org.aarhus)))
    await org.post("member", f"/shortcuts/{shortcut}/favourite")
    response = await org.post("admin", f"/admin/esdh/shortcuts/{shortcut}", [
        ("name", "Aarhus booking"), ("url", "https://lokaler.example.org/"), ("icon", "calendar"),
        ("unit", str(org.odense))])
    assert response.status_code == 303
    assert "Aarhus booking" not in (await org.get("member", "/")).text
    assert await names(org, "member") == []


async def test_the_form_comes_back_with_messages_and_nothing_is_written(org: Org) -> None:
    for fields, message in [
        ([("name", ""), ("url", "https://x.example.org/"), ("everyone", "on")], "Give the shortcut a name."),
        ([("name", "X"), ("url", "javascript:alert(1)"), ("everyone", "on")], "Give an address starting with https://"),
        ([("name", "X"), ("url", "//evil.example.org/"), ("everyone", "on")], "Give an address starting with https://"),
        ([("name", "X"), ("url", "data:text/html,x"), ("everyone", "on")], "Give an address starting with https://"),
        ([("name", "X"), ("url", "https://x.example.org/")], "Choose who sees the shortcut"),
        ([("name", "X"), ("url", "https://x.example.org/"), ("icon", "skull"), ("everyone", "on")], "Choose an icon"),
        ([("name", "X" * 101), ("url", "https://x.example.org/"), ("everyone", "on")], "at most 100 characters"),
        ([("name", "X"), ("url", "https://x.example.org/"), ("unit", "999999")], "Choose units from the list."),
        ([("name", "X"), ("url", "https://x.example.org/"), ("role", "pope")], "Choose roles from the list."),
    ]:
        defaults = [] if any(name == "icon" for name, _value in fields) else [("icon", "link")]
        response = await org.post("admin", "/admin/esdh/shortcuts", [*defaults, *fields])
        assert response.status_code == 400, fields
        assert message in response.text, (fields, message)
        assert "Nothing was saved" in response.text
    assert await Shortcut.count().run() == 0 and await ShortcutAudience.count().run() == 0
    extra = await org.post("admin", "/admin/esdh/shortcuts", [("name", "X"), ("url", "https://x.example.org/"),
                                                             ("everyone", "on"), ("position", "-5")])
    assert extra.status_code == 400 and await Shortcut.count().run() == 0


async def test_only_administrators_manage_shortcuts(org: Org) -> None:
    shortcut = await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    for path in ("/admin/esdh", "/admin/esdh/shortcuts/new", f"/admin/esdh/shortcuts/{shortcut}"):
        assert (await org.get("editor", path)).status_code == 403, path
        assert (await org.get("admin", path)).status_code == 200, path
    for path in ("/admin/esdh/shortcuts", f"/admin/esdh/shortcuts/{shortcut}/delete",
                 f"/admin/esdh/shortcuts/{shortcut}/move"):
        assert (await org.post("editor", path, {"name": "Hacked", "direction": "up"})).status_code == 403
    # Without the CSRF token, even an administrator is refused.
    refused = await org.clients["admin"].post(f"/admin/esdh/shortcuts/{shortcut}/delete", headers=HTML)
    assert refused.status_code == 403
    assert await Shortcut.count().run() == 1

async def test_signed_out_visitors_see_no_shortcuts(intranet_client: Any, org: Org) -> None:
    await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    page = await intranet_client.get("/shortcuts", headers=HTML)
    assert page.status_code in (302, 303, 401) and "Webmail" not in page.text


async def test_order_edit_and_delete(org: Org) -> None:
    first = await add(org, "First", "https://1.example.org/", ("everyone", "on"))
    second = await add(org, "Second", "https://2.example.org/", ("everyone", "on"))
    third = await add(org, "Third", "https://3.example.org/", ("everyone", "on"))
    assert (await org.post("admin", f"/admin/esdh/shortcuts/{third}/move", {"direction": "up"})).status_code == 303
    assert await names(org, "member") == ["First", "Third", "Second"]
    await org.post("admin", f"/admin/esdh/shortcuts/{first}/move", {"direction": "up"})  # already first
    await org.post("admin", f"/admin/esdh/shortcuts/{first}/move", {"direction": "down"})
    assert await names(org, "member") == ["Third", "First", "Second"]
    edit = await org.get("admin", f"/admin/esdh/shortcuts/{second}")
    assert 'value="https://2.example.org/"' in edit.text
    assert (await org.post("admin", f"/admin/esdh/shortcuts/{second}/delete")).status_code == 303
    assert await names(org, "member") == ["Third", "First"]
    assert (await org.post("admin", f"/admin/esdh/shortcuts/{second}/delete")).status_code == 404
    assert (await org.get("admin", f"/admin/esdh/shortcuts/{second}")).status_code == 404


async def test_favourites_are_personal_data(org: Org, intranet: Any) -> None:
    from intranet_core.personal_data.service import erase_person, export_person

    shortcut = await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    await org.post("member", f"/shortcuts/{shortcut}/favourite")
    member = org.people["member"]
    exported = await export_person(intranet, member.id, actor_id=member.id)
    assert exported["plugins"]["esdh"]["favourite_shortcuts"][0]["name"] == "Webmail"
    await erase_person(intranet, member.id, actor_id=org.people["admin"].id)
    assert await Favourite.count().run() == 0
    assert await leftover_references(intranet, member.id) == {}


async def test_the_pages_are_in_danish(org: Org) -> None:
    await add(org, "Webmail", "https://outlook.office.com/mail/", ("everyone", "on"))
    page = await org.clients["member"].get("/shortcuts", headers={"accept": "text/html", "accept-language": "da"})
    assert "Genveje" in page.text and "Tilføj Webmail til favoritter" in page.text
    admin = await org.clients["admin"].get("/admin/esdh", headers={"accept": "text/html", "accept-language": "da"})
    assert "Ny genvej" in admin.text
