"""The profile page, ``/people/<id>``: who may see it, what it shows, and sections from plugins."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar

from intranet_core import hookimpl
from intranet_core.auth.passwords import hash_password
from intranet_core.contributions import ProfileSection
from intranet_core.people.models import PersonInfo
from intranet_core.people.profile import managers_of, memberships, reports_of, tel_uri
from intranet_core.people.service import add_membership, create_person, create_unit, set_active
from intranet_core.testing import TEST_PASSWORD, build_app, client_for, make_settings, sign_in

EN = {"accept": "text/html", "accept-language": "en"}
DA = {"accept": "text/html", "accept-language": "da"}


async def _org(app: Litestar) -> dict[str, Any]:
    """A district with a team: a district head, a team leader, and two members of the team."""
    intranet = app.state.intranet
    district = await create_unit(intranet, name="Østjylland", kind="district", parent_id=None, actor_id=None)
    team = await create_unit(intranet, name="Rådgivning Østjylland", kind="team", parent_id=district, actor_id=None)
    people = {}
    password_hash = hash_password(TEST_PASSWORD)
    for key, name, title, phone in (
        ("head", "Hanne Høj", "Regionsformand", "+45 86 12 50 00"),
        ("lead", "Lars Lund", "Teamleder", "86 12 50 01"),
        ("anna", "Anna Ærø", "Faglig konsulent", "+45 86 12 50 02"),
        ("bo", "Bo Bech", "Jurist", ""),
    ):
        people[key] = await create_person(
            intranet, actor_id=None, fields={"email": f"{key}@example.org", "name": name, "title": title,
                                             "phone": phone, "mobile": "+45 20 30 40 50" if key == "anna" else ""},
            password_hash=password_hash,
        )
    await add_membership(intranet, people["head"].id, district, is_manager=True, is_primary=True, actor_id=None)
    await add_membership(intranet, people["lead"].id, team, is_manager=True, is_primary=True, actor_id=None)
    await add_membership(intranet, people["anna"].id, team, title="Konsulent i teamet", is_primary=True,
                         actor_id=None)
    await add_membership(intranet, people["bo"].id, team, is_primary=True, actor_id=None)
    return {"district": district, "team": team, **people}


async def test_the_profile_shows_contact_details_units_and_manager(intranet_app: Litestar) -> None:
    org = await _org(intranet_app)
    async with client_for(intranet_app) as client:
        await sign_in(client, intranet_app, "bo@example.org")
        response = await client.get(f"/people/{org['anna'].id}", headers=EN)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert "<h1>Anna Ærø</h1>" in page
    assert 'href="mailto:anna@example.org"' in page
    assert 'href="tel:+4586125002"' in page and 'href="tel:+4520304050"' in page
    assert "Rådgivning Østjylland" in page and "Konsulent i teamet" in page
    # The team leader, not the district head, is Anna's manager.
    assert f'href="/people/{org["lead"].id}"' in page
    assert f'href="/people/{org["head"].id}"' not in page
    danish = await _get(intranet_app, "bo@example.org", f"/people/{org['anna'].id}", DA)
    assert "Kontakt" in danish and "Refererer til" in danish


async def _get(app: Litestar, email: str, path: str, headers: dict[str, str]) -> str:
    async with client_for(app) as client:
        await sign_in(client, app, email)
        response = await client.get(path, headers=headers)
        assert response.status_code == 200
        return response.text


async def test_unknown_and_inactive_people_are_not_found_and_visitors_must_sign_in(intranet_app: Litestar) -> None:
    org = await _org(intranet_app)
    await set_active(intranet_app.state.intranet, org["bo"].id, False, actor_id=None)
    async with client_for(intranet_app) as client:
        anonymous = await client.get(f"/people/{org['anna'].id}", headers=EN)
        assert anonymous.status_code in (302, 303, 401)
        await sign_in(client, intranet_app, "anna@example.org")
        for path in (f"/people/{org['bo'].id}", "/people/999999", "/people/0", "/people/99999999999"):
            assert (await client.get(path, headers=EN)).status_code == 404, path
        assert (await client.get(f"/people/{org['anna'].id}", headers=EN)).status_code == 200


async def test_managers_and_reports_follow_the_units(intranet_app: Litestar) -> None:
    org = await _org(intranet_app)
    # A team leader reports to the district's head; the head to nobody.
    assert [c.id for c in await managers_of(org["lead"].id)] == [org["head"].id]
    assert await managers_of(org["head"].id) == []
    assert [c.id for c in await managers_of(org["bo"].id)] == [org["lead"].id]
    # The head's reports: the team's leader (a unit below); the leader's: the team's members.
    assert [c.id for c in await reports_of(org["head"].id)] == [org["lead"].id]
    assert {c.id for c in await reports_of(org["lead"].id)} == {org["anna"].id, org["bo"].id}
    assert await reports_of(org["bo"].id) == []
    # An inactive manager is nobody's manager: the unit above answers.
    await set_active(intranet_app.state.intranet, org["lead"].id, False, actor_id=None)
    assert [c.id for c in await managers_of(org["bo"].id)] == [org["head"].id]
    units = await memberships(org["anna"].id)
    assert [(u.name, u.trail, u.is_primary) for u in units] == [("Rådgivning Østjylland", ("Østjylland",), True)]


def test_tel_uri() -> None:
    assert tel_uri("+45 12 34 56 78") == "tel:+4512345678"
    assert tel_uri("12 34 56 78", "45") == "tel:+4512345678"
    assert tel_uri("0045 12345678") == "tel:+4512345678"
    assert tel_uri("(555) 123-4567") == "tel:5551234567"
    assert tel_uri("ring til receptionen") == ""
    assert tel_uri('"><script>') == ""


class SectionPlugin:
    """Adds a section, and replaces the core's contact section with one that hides the numbers."""

    @hookimpl
    def register_profile_sections(self, person: PersonInfo) -> list[ProfileSection]:
        return [
            ProfileSection(name="contact", title="Reach me", template="people/_contact.html",
                           context={"email": person.email, "mailto": f"mailto:{person.email}", "phones": []},
                           order=10),
            ProfileSection(name="kudos", title="Kudos corner", template="people/_contact.html",
                           context={"email": "kudos@example.org", "mailto": "mailto:kudos@example.org",
                                    "phones": []}, order=5),
        ]

    @hookimpl
    def register_template_dirs(self) -> list[Any]:
        return []


@pytest.fixture
async def plugin_app(tmp_path: Any) -> Litestar:
    from intranet_core.testing import database_url_for_tests

    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"})
    return await build_app(settings, [("sections", SectionPlugin())])


async def test_plugins_add_sections_and_replace_the_cores_by_name(plugin_app: Litestar) -> None:
    org = await _org(plugin_app)
    page = await _get(plugin_app, "bo@example.org", f"/people/{org['anna'].id}", EN)
    # The plugin's contact section replaced the core's: no phone numbers, its own heading.
    assert "Reach me" in page and "tel:" not in page
    assert page.count('data-section="contact"') == 1
    # Sections come by order: the plugin's (5), contact (10), the core's organisation (20).
    assert page.index("Kudos corner") < page.index("Reach me") < page.index("Organisation")
