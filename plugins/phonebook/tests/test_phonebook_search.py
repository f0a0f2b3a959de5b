"""Search: every word matches the start of a word of the person; Danish letters, numbers, units, skills."""

from __future__ import annotations

from typing import Any

import pytest
from intranet_phonebook.index import defaults_of
from intranet_phonebook.normalise import fold, phone_terms, query_words
from intranet_phonebook.profiles import save_profile
from intranet_phonebook.search import Cursor, find_people, search
from intranet_phonebook.visibility import ADMINS, EVERYONE, UNIT, Viewer
from litestar import Litestar
from phonebook_support import EN, Org, build_org, signed_in


@pytest.fixture
async def org(intranet_app: Litestar) -> Org:
    return await build_org(intranet_app)


async def names(org: Org, viewer_key: str, query: str, **kwargs: Any) -> list[str]:
    viewer = Viewer(id=org.id(viewer_key))
    page = await search(viewer, query, defaults_of(org.intranet), **kwargs)
    return [card.name for card in page.cards]


def test_folding_and_query_words() -> None:
    assert fold("Søren Ågård Æble") == "soeren aagaard aeble"
    assert fold("Sören Müller Hélène") == "soeren mueller helene"
    assert query_words("12 34") == ["1234"]
    assert query_words("+45 12 34") == ["451234"]
    assert query_words("0045 12345678") == ["4512345678"]
    assert query_words("Søren 12 34 ni") == ["soeren", "1234", "ni"]
    assert query_words("") == []
    assert len(query_words("a b c d e f g h i")) == 6
    assert phone_terms("+45 12 34 56 78", "45") == ["4512345678", "12345678", "2345678", "345678", "45678", "5678"]
    assert phone_terms("12 34 56 78", "45")[:2] == ["4512345678", "12345678"]
    assert phone_terms("", "45") == []


async def test_by_name_title_and_danish_letters(org: Org) -> None:
    assert await names(org, "bo", "søren") == ["Søren Ågård"]
    assert await names(org, "bo", "soeren") == ["Søren Ågård"]
    assert await names(org, "bo", "SØR") == ["Søren Ågård"]
    # "aa" is "å", and "å" is "aa": both Søren Ågård and Camilla Aagaard.
    assert await names(org, "bo", "aagaard") == ["Camilla Aagaard", "Søren Ågård"]
    assert await names(org, "bo", "ågård") == ["Camilla Aagaard", "Søren Ågård"]
    assert await names(org, "bo", "jurist") == ["Bo Bech"]
    assert await names(org, "bo", "faglig konsu") == ["Søren Ågård"]
    # Hyphenated names: each part, and the whole.
    assert await names(org, "bo", "mette") == ["Anne-Mette Ærø"]
    assert await names(org, "bo", "annemette") == ["Anne-Mette Ærø"]
    assert await names(org, "bo", "aeroe") == ["Anne-Mette Ærø"]
    # Every word must match.
    assert await names(org, "bo", "søren jurist") == []
    assert await names(org, "bo", "") == []
    assert await names(org, "bo", "zzz") == []


async def test_by_phone_number_in_any_formatting(org: Org) -> None:
    assert await names(org, "bo", "+45 21 12 34 56") == ["Søren Ågård"]
    assert await names(org, "bo", "21123456") == ["Søren Ågård"]
    assert await names(org, "bo", "21 12") == ["Søren Ågård"]
    assert await names(org, "bo", "0045 2112") == ["Søren Ågård"]
    # Part of a number: "12 34" is inside Søren's mobile; the last four digits find a desk phone.
    assert await names(org, "bo", "12 34") == ["Søren Ågård"]
    assert await names(org, "bo", "5003") == ["Bo Bech"]
    # A number written without the country code is found with it.
    assert await names(org, "bo", "+45 86 12 50 01") == ["Lars Lund"]
    # Every desk phone in Østjylland starts 86 12 50.
    assert await names(org, "bo", "86 12 50") == ["Bo Bech", "Hanne Høj", "Lars Lund", "Søren Ågård"]


async def test_by_unit_and_unit_filter(org: Org) -> None:
    # A unit's name finds its people and those of the units below it.
    assert await names(org, "bo", "østjylland") == ["Bo Bech", "Hanne Høj", "Lars Lund", "Søren Ågård"]
    assert await names(org, "bo", "rådgivning") == ["Bo Bech", "Lars Lund", "Søren Ågård"]
    assert await names(org, "bo", "fyn") == ["Camilla Aagaard"]
    assert await names(org, "bo", "jurist østjyl") == ["Bo Bech"]
    # The filter: a unit and the units below it; alone, everyone in it.
    district = org.units["district"]
    assert await names(org, "bo", "", unit_id=district) == ["Bo Bech", "Hanne Høj", "Lars Lund", "Søren Ågård"]
    assert await names(org, "bo", "aagaard", unit_id=district) == ["Søren Ågård"]
    assert await names(org, "bo", "aagaard", unit_id=org.units["fyn"]) == ["Camilla Aagaard"]
    assert await names(org, "bo", "", unit_id=999999) == []
    # Many words at once, each a name, a unit or a title.
    assert await names(org, "bo", "søren rådgiv østjyl faglig konsulent forbundet") == ["Søren Ågård"]
    # A unit renamed (the core tells no plugin) is found by its new name at once.
    from intranet_core.people.service import update_unit

    await update_unit(org.intranet, org.units["fyn"], name="Fyn og Øerne", kind="district", actor_id=None)
    assert await names(org, "bo", "øerne") == ["Camilla Aagaard"]
    assert await names(org, "bo", "oeerne sekretær") == ["Camilla Aagaard"]


async def test_by_skill_and_office(org: Org) -> None:
    await save_profile(org.intranet, org.id("bo"), office="Aarhus, 2. sal", working_hours="8-16",
                       skills=["Arbejdsskade", "Psykisk arbejdsmiljø"], visibility=_levels(), actor_id=org.id("bo"))
    assert await names(org, "lead", "arbejdsskade") == ["Bo Bech"]
    assert await names(org, "lead", "psyk arbejdsmiljoe") == ["Bo Bech"]
    assert await names(org, "lead", "århus") == ["Bo Bech"]
    page = await search(Viewer(id=org.id("lead")), "arbejdsskade", defaults_of(org.intranet))
    assert page.cards[0].skills == ["Arbejdsskade", "Psykisk arbejdsmiljø"]
    # Changing the skills changes what finds them, at once.
    await save_profile(org.intranet, org.id("bo"), office="", working_hours="", skills=["Barsel"],
                       visibility=_levels(), actor_id=org.id("bo"))
    assert await names(org, "lead", "arbejdsskade") == []
    assert await names(org, "lead", "barsel") == ["Bo Bech"]


def _levels(**chosen: int) -> dict[str, int]:
    return {name: chosen.get(name, EVERYONE) for name in ("phone", "mobile", "office", "hours", "skills")}


async def test_a_hidden_number_is_never_matched_or_shown(org: Org) -> None:
    """Søren's mobile is for his unit; Camilla's for administrators only."""
    await save_profile(org.intranet, org.id("soeren"), office="", working_hours="", skills=[],
                       visibility=_levels(mobile=UNIT), actor_id=org.id("soeren"))
    await save_profile(org.intranet, org.id("camilla"), office="", working_hours="", skills=["Ferie"],
                       visibility=_levels(mobile=ADMINS, skills=ADMINS), actor_id=org.id("camilla"))
    # Bo shares Søren's team; Anne (IT) does not.
    assert await names(org, "bo", "21 12 34") == ["Søren Ågård"]
    assert await names(org, "anne", "21 12 34") == []
    assert await names(org, "soeren", "21 12 34") == ["Søren Ågård"]  # oneself
    # Camilla's mobile and skills: nobody but her and administrators.
    for viewer in ("bo", "anne", "head"):
        assert await names(org, viewer, "30 98 76") == [], viewer
        assert await names(org, viewer, "ferie") == [], viewer
    assert await names(org, "camilla", "30 98 76") == ["Camilla Aagaard"]
    admin = Viewer(id=org.id("admin"), sees_all=True)
    page = await search(admin, "30 98 76", defaults_of(org.intranet))
    assert [c.mobile for c in page.cards] == ["+45 30 98 76 54"]
    # She is still found by name; the card leaves the mobile out for others.
    page = await search(Viewer(id=org.id("anne")), "camilla", defaults_of(org.intranet))
    assert [(c.name, c.mobile, c.phone, c.skills) for c in page.cards] == [
        ("Camilla Aagaard", "", "+45 66 12 40 00", [])
    ]
    page = await search(Viewer(id=org.id("anne")), "søren", defaults_of(org.intranet))
    assert page.cards[0].mobile == ""
    page = await search(Viewer(id=org.id("bo")), "søren", defaults_of(org.intranet))
    assert page.cards[0].mobile == "+45 21 12 34 56"


async def test_inactive_people_are_not_found(org: Org) -> None:
    from intranet_core.people.service import set_active

    await set_active(org.intranet, org.id("bo"), False, actor_id=None)
    assert await names(org, "lead", "bo") == []
    await set_active(org.intranet, org.id("bo"), True, actor_id=None)
    assert await names(org, "lead", "bo") == ["Bo Bech"]


async def test_changes_to_a_person_reach_the_index(org: Org) -> None:
    from intranet_core.people.service import update_person

    await update_person(org.intranet, org.id("bo"), actor_id=None, fields={"name": "Bo Bertelsen",
                                                                           "phone": "+45 99 88 77 66"})
    assert await names(org, "lead", "bertelsen") == ["Bo Bertelsen"]
    assert await names(org, "lead", "bech") == []
    assert await names(org, "lead", "99 88") == ["Bo Bertelsen"]


async def test_best_first_and_pages(org: Org) -> None:
    # A name match comes before a unit match.
    await save_profile(org.intranet, org.id("anne"), office="", working_hours="", skills=["Fyn-kontorets IT"],
                       visibility=_levels(), actor_id=org.id("anne"))
    assert await names(org, "bo", "fyn") == ["Camilla Aagaard", "Anne-Mette Ærø"]
    viewer = Viewer(id=org.id("bo"))
    for query in ("", "forbundet"):  # the unit alone, and the unit's name
        found = await find_people(viewer, query, unit_id=org.units["root"], limit=3)
        assert len(found.rows) == 3 and found.next is not None and not found.capped
        seen = [row[1] for row in found.rows]
        while found.next is not None:
            found = await find_people(viewer, query, unit_id=org.units["root"], limit=3,
                                      after=Cursor.decode(found.next.encode()))
            seen += [row[1] for row in found.rows]
        assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7, query
    assert Cursor.decode("not a cursor") is None
    assert Cursor.decode("") is None


async def test_the_page_works_without_javascript(org: Org) -> None:
    async with signed_in(org, "bo") as client:
        response = await client.get("/phonebook", params={"q": "søren"}, headers=EN)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "no-store"
        page = response.text
        assert f'href="/people/{org.id("soeren")}"' in page
        assert 'href="tel:+4586125002"' in page and 'href="mailto:soeren@example.org"' in page
        assert 'data-results="/phonebook/results"' in page and "<script" in page and "phonebook.js" in page
        fragment = await client.get("/phonebook/results", params={"q": "21 12"}, headers=EN)
        assert fragment.status_code == 200 and "<html" not in fragment.text
        assert "Søren Ågård" in fragment.text
        assert "No one found" in (await client.get("/phonebook/results", params={"q": "zzz"}, headers=EN)).text
        unit = await client.get("/phonebook", params={"unit": str(org.units["fyn"])}, headers=EN)
        assert "Camilla Aagaard" in unit.text and "Søren" not in unit.text.split('id="pb-results"')[1]
        # Nonsense parameters are a page, not an error.
        for params in ({"unit": "x"}, {"unit": "-1"}, {"after": "%%%"}, {"q": "\x00"}, {"q": "a" * 5000}):
            assert (await client.get("/phonebook", params=params, headers=EN)).status_code == 200, params


async def test_visitors_must_sign_in(intranet_client: Any) -> None:
    for path in ("/phonebook", "/phonebook/results?q=a", "/phonebook/units", "/phonebook/contacts"):
        response = await intranet_client.get(path, headers=EN)
        assert response.status_code in (302, 303, 401), path
