"""The plugin as the site sees it: hooks, personal data, demo data, start-up indexing, directory sources."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import intranet_phonebook.plugin
import pytest
from intranet_phonebook.directory import DirectoryRecord, DirectorySource, apply_records, sources, sync_source
from intranet_phonebook.index import defaults_of
from intranet_phonebook.profiles import save_profile
from intranet_phonebook.search import search
from intranet_phonebook.tables import DirectoryLink, Profile, Skill, Term
from intranet_phonebook.visibility import EVERYONE, Viewer
from litestar import Litestar
from phonebook_support import EN, Org, build_org, signed_in

from intranet_core import hookimpl
from intranet_core.demo import load_demo
from intranet_core.people.tables import Membership, Person
from intranet_core.personal_data.service import erase_person, export_person, leftover_references
from intranet_core.testing import build_app, client_for, csrf_token_of, database_url_for_tests, make_settings


@pytest.fixture
async def org(intranet_app: Litestar) -> Org:
    return await build_org(intranet_app)


async def names(org: Org, viewer_key: str, query: str) -> list[str]:
    page = await search(Viewer(id=org.id(viewer_key)), query, defaults_of(org.intranet))
    return [card.name for card in page.cards]


async def test_navigation_and_usage_section(org: Org) -> None:
    from intranet_core.usage.recorder import recorder_for
    from intranet_core.usage.tables import UsageDay

    async with signed_in(org, "bo") as client:
        home = (await client.get("/", headers=EN)).text
        assert 'href="/phonebook"' in home
        page = await client.get("/phonebook", headers=EN)
        assert 'aria-current="page">Phonebook' in page.text
        await client.get("/phonebook/units", headers=EN, follow_redirects=True)
        # The results a script fetches are not page views.
        await client.get("/phonebook/results", params={"q": "bo"}, headers=EN)
        recorder = recorder_for(org.app)
        assert recorder is not None
        await recorder.flush()
    views: dict[str, int] = {}
    for row in await UsageDay.select(UsageDay.section, UsageDay.views).run():
        views[row["section"]] = views.get(row["section"], 0) + row["views"]
    assert views.get("phonebook") == 2


async def test_permissions_are_declared_with_default_roles(org: Org) -> None:
    declared = {p.name: p.default_roles for p in org.intranet.permissions()}
    assert declared["phonebook.see_restricted"] == ("hr",)
    assert declared["phonebook.edit_profiles"] == ("hr",)
    assert declared["phonebook.manage_contacts"] == ("editor",)


async def test_export_and_erase_leave_nothing_behind(org: Org) -> None:
    bo = org.id("bo")
    await save_profile(org.intranet, bo, office="Aarhus", working_hours="8-16", skills=["Barsel", "Jura"],
                       visibility={k: EVERYONE for k in ("phone", "mobile", "office", "hours", "skills")},
                       actor_id=bo)
    await apply_records(org.intranet, "hr", [DirectoryRecord(external_id="E-17", email="bo@example.org",
                                                             name="Bo Bech", title="Jurist")], complete=False)
    document = await export_person(org.intranet, bo, actor_id=bo)
    mine = document["plugins"]["phonebook"]
    assert mine["profile"]["office"] == "Aarhus" and mine["skills"] == ["Barsel", "Jura"]
    assert mine["profile"]["visibility"]["mobile"] == "everyone"
    assert [link["external_id"] for link in mine["directory_links"]] == ["E-17"]
    await erase_person(org.intranet, bo, actor_id=None, mode="anonymise")
    assert await leftover_references(org.intranet, bo) == {}
    for table in (Profile, Skill, Term, DirectoryLink):
        assert await table.count().where(table.person == bo).run() == 0
    assert await names(org, "lead", "bo") == [] and await names(org, "lead", "barsel") == []
    # A restart does not index the erased person again.
    async with client_for(org.app):
        await asyncio.sleep(0.2)
    assert await Profile.count().where(Profile.person == bo).run() == 0


async def test_people_not_yet_indexed_are_indexed_at_start_up(org: Org) -> None:
    bo = org.id("bo")
    await Term.delete().where(Term.person == bo).run()
    await Profile.delete().where(Profile.person == bo).run()
    assert await names(org, "lead", "bech") == []
    async with client_for(org.app):
        for _ in range(50):
            if await Profile.count().where(Profile.person == bo).run():
                break
            await asyncio.sleep(0.05)
    assert await names(org, "lead", "bech") == ["Bo Bech"]


async def test_demo_data(tmp_path: Any) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"})
    app = await build_app(settings, [("phonebook", intranet_phonebook.plugin)])
    intranet = app.state.intranet
    lines = await load_demo(intranet)
    assert any("/phonebook" in line for line in lines)
    people = {r["email"]: int(r["id"]) for r in await Person.select(Person.id, Person.email).run()}
    member, member2 = people["member@example.org"], people["member2@example.org"]
    assert await Profile.count().run() == len(people)
    assert await Skill.count().run() > len(people)  # most people have a topic or two
    row = await Person.select(Person.name, Person.mobile).where(Person.id == member2).first().run()
    assert row is not None
    defaults = defaults_of(intranet)
    found = await search(Viewer(id=member), row["name"].split()[0], defaults)
    assert row["name"] in [c.name for c in found.cards]
    assert all(c.mobile == "" for c in found.cards if c.id == member2)
    assert (await search(Viewer(id=member), row["mobile"], defaults)).cards == []
    assert [c.id for c in (await search(Viewer(id=member2), row["mobile"], defaults)).cards] == [member2]
    # Part of a number, a topic and a town find people. The editor's mobile is for her units:
    # the member (her district) finds her by it, member2 (another district) does not.
    editor = people["editor@example.org"]
    assert [c.id for c in (await search(Viewer(id=member), "12 34", defaults)).cards] == [editor]
    assert (await search(Viewer(id=member2), "12 34", defaults)).cards == []
    assert (await search(Viewer(id=member), "86 12", defaults)).cards
    assert (await search(Viewer(id=member), "pension", defaults)).cards
    assert (await search(Viewer(id=member), "århus", defaults)).cards
    async with client_for(app) as client:
        form = await client.get("/signin")
        signed = await client.post("/signin", data={"email": "member@example.org", "password": "intranet-demo",
                                                     "_csrf_token": csrf_token_of(form.text)})
        assert signed.status_code == 303
        assert "Forbundet" in (await client.get("/phonebook/units/1", headers=EN)).text
        assert (await client.get("/phonebook/contacts", params={"q": "pension"}, headers=EN)).text.count(
            'class="card pb-card"') == 1


class HrSystem:
    """A directory source with a list of records the test changes."""

    def __init__(self) -> None:
        self.records: list[DirectoryRecord] = []

    @hookimpl
    def register_directory_sources(self, app: Any) -> list[DirectorySource]:
        async def fetch() -> Sequence[DirectoryRecord]:
            return list(self.records)

        return [DirectorySource(name="hr", label="HR", fetch=fetch)]


async def test_a_directory_source_feeds_people_in(tmp_path: Any) -> None:
    hr = HrSystem()
    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"})
    app = await build_app(settings, [("phonebook", intranet_phonebook.plugin), ("hr", hr)])
    intranet = app.state.intranet
    org = await build_org(app)
    [source] = await sources(intranet)
    assert source.name == "hr"
    hr.records = [
        DirectoryRecord(external_id="1", email="ny@example.org", name="Ny Kollega", title="Jurist",
                        phone="+45 86 12 50 99", unit_path=("Forbundet", "Østjylland", "Rådgivning Østjylland"),
                        skills=("Ferie",), office="Aarhus"),
        DirectoryRecord(external_id="2", email="bo@example.org", name="Bo Bech", title="Chefjurist",
                        phone="+45 86 12 50 03"),
        DirectoryRecord(external_id="3", email="x@example.org", name="X", unit_path=("Nowhere",)),
    ]
    report = await sync_source(intranet, source)
    assert (report.created, report.updated) == (2, 1) and len(report.problems) == 1
    assert await names(org, "lead", "ny kollega") == ["Ny Kollega"]
    assert await names(org, "lead", "chefjurist") == ["Bo Bech"]
    assert await names(org, "lead", "ferie aarhus") == ["Ny Kollega"]
    new = await Person.select(Person.id).where(Person.email == "ny@example.org").first().run()
    assert new is not None
    membership = await Membership.select(Membership.unit, Membership.is_primary).where(
        Membership.person == new["id"]).first().run()
    assert membership == {"unit": org.units["team"], "is_primary": True}
    # Again, unchanged: nothing to do. Then Bo leaves the directory: deactivated.
    again = await sync_source(intranet, source)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    hr.records = [r for r in hr.records if r.external_id != "2"]
    gone = await sync_source(intranet, source)
    assert gone.deactivated == 1 and await names(org, "lead", "bech") == []
    with pytest.raises(ValueError, match="source"):
        await apply_records(intranet, "Not A Name", [])


async def test_settings_give_the_default_visibility(tmp_path: Any) -> None:
    settings = make_settings(database_url_for_tests(tmp_path), site={"default_language": "en"},
                             plugins={"phonebook": {"default_visibility": {"mobile": "unit"}, "country_code": "46"}})
    app = await build_app(settings, [("phonebook", intranet_phonebook.plugin)])
    org = await build_org(app)
    # Søren chose nothing: his mobile is for his unit, as the site decided.
    assert await names(org, "bo", "21 12 34") == ["Søren Ågård"]
    assert await names(org, "anne", "21 12 34") == []
    # A number written without a country code gets the site's in a tel: link.
    async with signed_in(org, "bo") as client:
        page = (await client.get(f"/people/{org.id('lead')}", headers=EN)).text
    assert 'href="tel:+4686125001"' in page


def test_bad_settings_stop_start_up(tmp_path: Any) -> None:
    from intranet_core.app import create_app
    from intranet_core.errors import ConfigError

    settings = make_settings(database_url_for_tests(tmp_path),
                             plugins={"phonebook": {"default_visibility": {"mobile": "friends"}}})
    with pytest.raises(ConfigError, match=r"default_visibility\.mobile"):
        create_app(settings, plugins=[("phonebook", intranet_phonebook.plugin)])
