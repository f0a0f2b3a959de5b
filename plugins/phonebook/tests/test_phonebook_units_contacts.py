"""The org chart, external contacts, and the "New colleagues" box."""

from __future__ import annotations

import datetime

import pytest
import vobject
from intranet_phonebook.tables import Contact, ContactTerm
from litestar import Litestar
from phonebook_support import EN, Org, build_org, signed_in

from intranet_core.audit.tables import AuditEntry
from intranet_core.people.service import update_person
from intranet_core.testing import csrf_token_of


@pytest.fixture
async def org(intranet_app: Litestar) -> Org:
    return await build_org(intranet_app)


async def test_org_chart_up_and_down(org: Org) -> None:
    async with signed_in(org, "bo") as client:
        root = await client.get("/phonebook/units", headers=EN)
        assert root.status_code == 303 and root.headers["location"] == f"/phonebook/units/{org.units['root']}"
        top = (await client.get(root.headers["location"], headers=EN)).text
        district = (await client.get(f"/phonebook/units/{org.units['district']}", headers=EN)).text
        team = (await client.get(f"/phonebook/units/{org.units['team']}", headers=EN)).text
        assert (await client.get("/phonebook/units/999999", headers=EN)).status_code == 404
        paged = (await client.get(f"/phonebook/units/{org.units['team']}", params={"after": "x"}, headers=EN))
        assert paged.status_code == 200
    # Down: the top lists the districts with their size and managers.
    assert f'href="/phonebook/units/{org.units["district"]}"' in top and "Østjylland" in top
    assert "4 people" in top and "Hanne Høj" in top and "1 person" in top
    # A district: its manager, the team below it, the way up.
    assert "Management" in district and f'href="/people/{org.id("head")}"' in district
    assert f'href="/phonebook/units/{org.units["team"]}"' in district and "3 people" in district
    assert f'href="/phonebook/units/{org.units["root"]}" rel="up"' in district
    # The team: its leader under management, its staff, no units below.
    managers, staff = team.split('id="pb-managers"')[1].split('id="pb-members"')
    assert "Lars Lund" in managers and "Bo Bech" not in managers
    assert "Bo Bech" in staff and "Søren Ågård" in staff and "Lars Lund" not in staff
    assert "Units below" not in team
    assert f'href="/phonebook?unit={org.units["team"]}"' in team


async def test_the_org_chart_pages_its_staff(org: Org) -> None:
    from intranet_core.people.service import add_membership, create_person

    for number in range(52):
        person = await create_person(org.intranet, actor_id=None,
                                     fields={"email": f"p{number}@example.org", "name": f"Person {number:02d}"})
        await add_membership(org.intranet, person.id, org.units["it"], is_primary=True, actor_id=None)
    async with signed_in(org, "bo") as client:
        first = (await client.get(f"/phonebook/units/{org.units['it']}", headers=EN)).text
        after = first.split("?after=", 1)[1].split('"', 1)[0]
        second = (await client.get(f"/phonebook/units/{org.units['it']}", params={"after": after},
                                   headers=EN)).text
    assert "More staff" in first and "More staff" not in second
    shown = first.count('class="pb-person"') + second.count('class="pb-person"')
    assert shown == 54  # Ada, Anne-Mette and the 52, each once
    assert "Person 51" in second and "Person 51" not in first


async def test_external_contacts_are_kept_by_editors_and_found_apart(org: Org) -> None:
    async with signed_in(org, "bo") as client:
        listing = await client.get("/phonebook/contacts", headers=EN)
        assert listing.status_code == 200 and "New external contact" not in listing.text
        assert (await client.get("/phonebook/contacts/new", headers=EN)).status_code == 403
        token = csrf_token_of(listing.text)
        refused = await client.post("/phonebook/contacts", data={"_csrf_token": token, "name": "X"})
        assert refused.status_code == 403
    assert await Contact.count().run() == 0
    async with signed_in(org, "anne", roles=(("editor", None),)) as client:
        form = await client.get("/phonebook/contacts/new", headers=EN)
        assert form.status_code == 200
        token = csrf_token_of(form.text)
        bad = await client.post("/phonebook/contacts", headers=EN, data={
            "_csrf_token": token, "name": "", "email": "not an address", "category": "enemy",
        })
        assert bad.status_code == 400 and "This field is required." in bad.text
        assert "Enter an e-mail address" in bad.text and await Contact.count().run() == 0
        created = await client.post("/phonebook/contacts", headers=EN, data={
            "_csrf_token": token, "name": "Maja Kjærsgaard", "organisation": "PensionDanmark",
            "category": "partner", "title": "Kunderådgiver", "email": "mk@pension.example.com",
            "phone": "+45 70 12 12 12", "note": "Pension.\nRing før 16.",
        })
        assert created.status_code == 303
        contact_id = int(created.headers["location"].rsplit("/", 1)[1])
        edited = await client.post(f"/phonebook/contacts/{contact_id}/edit", data={
            "_csrf_token": token, "name": "Maja Kjærsgaard", "organisation": "PensionDanmark A/S",
            "category": "partner", "phone": "+45 70 12 12 13",
        })
        assert edited.status_code == 303
    async with signed_in(org, "bo") as client:
        page = (await client.get(f"/phonebook/contacts/{contact_id}", headers=EN)).text
        assert "PensionDanmark A/S" in page and 'href="tel:+4570121213"' in page
        # Found in the phonebook's search (apart from staff), its own list and the site's search.
        search = (await client.get("/phonebook", params={"q": "pension"}, headers=EN)).text
        assert 'id="pb-external-heading"' in search and "Maja Kjærsgaard" in search
        assert "Maja" in (await client.get("/phonebook/contacts", params={"q": "kjaersg"}, headers=EN)).text
        assert "Maja" in (await client.get("/phonebook/contacts", params={"q": "70 12 12 13"}, headers=EN)).text
        assert "Maja" not in (await client.get("/phonebook/contacts", params={"q": "70 12 12 12"},
                                                headers=EN)).text
        assert "Maja" not in (await client.get("/phonebook/contacts", params={"category": "supplier"},
                                                headers=EN)).text
        site = (await client.get("/search", params={"q": "pensiondanmark"}, headers=EN)).text
        assert "External contacts" in site and f'href="/phonebook/contacts/{contact_id}"' in site
        card = vobject.readOne((await client.get(f"/phonebook/contacts/{contact_id}/vcard")).text)
        assert card.fn.value == "Maja Kjærsgaard" and card.org.value == ["PensionDanmark A/S"]
    async with signed_in(org, "anne", roles=(("editor", None),)) as client:
        token = csrf_token_of((await client.get(f"/phonebook/contacts/{contact_id}", headers=EN)).text)
        deleted = await client.post(f"/phonebook/contacts/{contact_id}/delete", data={"_csrf_token": token})
        assert deleted.status_code == 303
        again = await client.post(f"/phonebook/contacts/{contact_id}/delete", data={"_csrf_token": token})
        assert again.status_code == 404
    assert await Contact.count().run() == 0 and await ContactTerm.count().run() == 0
    actions = {r["action"] for r in await AuditEntry.select(AuditEntry.action).run()}
    assert {"phonebook.contact_create", "phonebook.contact_update", "phonebook.contact_delete"} <= actions


async def test_new_colleagues_in_my_units(org: Org) -> None:
    today = datetime.date.today()
    for key, days in (("soeren", -3), ("bo", 5), ("camilla", -2), ("lead", -400)):
        await update_person(org.intranet, org.id(key), actor_id=None,
                            fields={"start_date": today + datetime.timedelta(days=days)})
    async with signed_in(org, "head") as client:  # the district: the team below it counts
        home = (await client.get("/", headers=EN)).text
    box = home.split("New colleagues", 1)[1]
    assert "Søren Ågård" in box and "Bo Bech" in box and "Starts" in box and "Started" in box
    assert "Camilla Aagaard" not in box and "Lars Lund" not in box
    assert box.index("Bo Bech") < box.index("Søren Ågård")  # the newest first
    async with signed_in(org, "anne") as client:
        home = (await client.get("/", headers=EN)).text
    assert "No new colleagues in your units just now." in home
