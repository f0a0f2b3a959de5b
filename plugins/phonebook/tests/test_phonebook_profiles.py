"""Profiles, one's own details, and visibility: a hidden field stays hidden in every output."""

from __future__ import annotations

import re
from typing import Any

import pytest
import vobject
from intranet_phonebook.profiles import save_profile
from intranet_phonebook.tables import Profile, Skill
from intranet_phonebook.visibility import ADMINS, EVERYONE, UNIT
from litestar import Litestar
from phonebook_support import EN, Org, build_org, signed_in

from intranet_core.account.tokens import create_api_token
from intranet_core.testing import csrf_token_of

CAMILLA_MOBILE = ("+45 30 98 76 54", "4530987654")


@pytest.fixture
async def org(intranet_app: Litestar) -> Org:
    org = await build_org(intranet_app)
    await save_profile(org.intranet, org.id("camilla"), office="Odense, 1. sal", working_hours="Man-fre 8-16",
                       skills=["Ferieloven", "Barsel"],
                       visibility=_levels(mobile=ADMINS, office=UNIT, skills=ADMINS), actor_id=org.id("camilla"))
    await save_profile(org.intranet, org.id("soeren"), office="Aarhus, 2. sal", working_hours="Man-tors 8-16",
                       skills=["Arbejdsskade"], visibility=_levels(mobile=UNIT), actor_id=org.id("soeren"))
    return org


def _levels(**chosen: int) -> dict[str, int]:
    return {name: chosen.get(name, EVERYONE) for name in ("phone", "mobile", "office", "hours", "skills")}


def _main(page: str) -> str:
    return page.split('<main id="main"', 1)[1].split("</main>", 1)[0]


async def test_the_profile_shows_the_phonebooks_sections(org: Org) -> None:
    async with signed_in(org, "bo") as client:
        page = _main((await client.get(f"/people/{org.id('soeren')}", headers=EN)).text)
    # The phonebook's contact section replaced the core's: one of each.
    assert page.count('data-section="contact"') == 1 and page.count('data-section="organisation"') == 1
    assert 'href="tel:+4586125002"' in page and 'href="tel:+4521123456"' in page  # Bo is in Søren's team
    assert 'href="mailto:soeren@example.org"' in page
    assert "Aarhus, 2. sal" in page and "Man-tors 8-16" in page
    assert 'href="/phonebook?q=Arbejdsskade"' in page
    assert f'href="/phonebook/people/{org.id("soeren")}/vcard"' in page
    assert f'href="/people/{org.id("lead")}"' in page  # reports to the team leader
    assert f'href="/phonebook/units/{org.units["team"]}"' in page
    assert "/edit" not in page  # not Bo's to edit
    async with signed_in(org, "lead") as client:
        lead = _main((await client.get(f"/people/{org.id('lead')}", headers=EN)).text)
    assert "Reporting to them" in lead and f'href="/people/{org.id("soeren")}"' in lead
    assert f'href="/phonebook/people/{org.id("lead")}/edit"' in lead  # one's own


async def _api(org: Org, key: str, path: str, **params: Any) -> Any:
    token = await create_api_token(org.intranet, org.id(key), name="t", read_only=True)
    async with signed_in(org, key) as client:
        response = await client.get(path, params=params, headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200, response.text
        return response.json()


async def test_a_field_for_administrators_only_is_hidden_everywhere(org: Org) -> None:
    """Camilla's mobile and skills are for administrators; her office for her unit (Fyn)."""
    camilla = org.id("camilla")
    for viewer in ("anne", "bo"):
        async with signed_in(org, viewer) as client:
            outputs = {
                "profile": _main((await client.get(f"/people/{camilla}", headers=EN)).text),
                "search page": (await client.get("/phonebook", params={"q": "camilla"}, headers=EN)).text,
                "number search": (await client.get("/phonebook/results", params={"q": "30 98 76"},
                                                    headers=EN)).text,
                "site search": (await client.get("/search", params={"q": "camilla"}, headers=EN)).text,
                "site number search": (await client.get("/search", params={"q": "30987654"}, headers=EN)).text,
                "vcard": (await client.get(f"/phonebook/people/{camilla}/vcard")).text,
                "unit vcard": (await client.get(f"/phonebook/units/{org.units['fyn']}/vcard")).text,
            }
        outputs["api person"] = str(await _api(org, viewer, f"/api/v1/phonebook/people/{camilla}"))
        outputs["api search"] = str(await _api(org, viewer, "/api/v1/phonebook/people", q="camilla"))
        outputs["api number search"] = str(await _api(org, viewer, "/api/v1/phonebook/people", q="30 98 76"))
        outputs["api site search"] = str(await _api(org, viewer, "/api/v1/search", q="camilla"))
        for name, text in outputs.items():
            for secret in (*CAMILLA_MOBILE, "Ferieloven", "Odense, 1. sal", "+4530987654"):
                assert secret not in text, (viewer, name, secret)
        assert "Camilla Aagaard" in outputs["profile"] and "Camilla Aagaard" in outputs["api search"]
        assert "No one found" in outputs["number search"]
        assert "Sekretær" in outputs["api person"]  # what is not hidden is there
    # Her own view, and an administrator's, have everything.
    for viewer, roles in (("camilla", ()), ("admin", (("admin", None),))):
        async with signed_in(org, viewer, roles=roles) as client:
            profile = _main((await client.get(f"/people/{camilla}", headers=EN)).text)
            card = (await client.get(f"/phonebook/people/{camilla}/vcard")).text
            found = (await client.get("/phonebook/results", params={"q": "30 98 76"}, headers=EN)).text
        assert "+45 30 98 76 54" in profile and "Ferieloven" in profile and "Odense, 1. sal" in profile
        assert "tel:+4530987654" in card and "Ferieloven" in card
        assert "Camilla Aagaard" in found
        assert "+45 30 98 76 54" in str(await _api(org, viewer, f"/api/v1/phonebook/people/{camilla}"))


async def test_unit_colleagues_see_what_is_for_the_unit(org: Org) -> None:
    # Søren's mobile is for his unit (the team): Bo sees it, Anne (IT) does not, nor does the
    # district's head, who is in the unit above, not the same one.
    soeren = org.id("soeren")
    seen = {}
    for viewer in ("bo", "anne", "head"):
        async with signed_in(org, viewer) as client:
            seen[viewer] = _main((await client.get(f"/people/{soeren}", headers=EN)).text)
    assert "+45 21 12 34 56" in seen["bo"]
    assert "+45 21 12 34 56" not in seen["anne"] and "+45 21 12 34 56" not in seen["head"]
    assert "+45 86 12 50 02" in seen["anne"]  # the desk phone is for everyone


async def test_vcards_are_rfc_6350_and_parse(org: Org) -> None:
    async with signed_in(org, "bo") as client:
        response = await client.get(f"/phonebook/people/{org.id('soeren')}/vcard")
        unit = await client.get(f"/phonebook/units/{org.units['team']}/vcard")
        missing = await client.get("/phonebook/people/999999/vcard")
    assert response.status_code == 200 and missing.status_code == 404
    assert response.headers["content-type"].startswith("text/vcard")
    assert response.headers["content-disposition"] == 'attachment; filename="soeren-aagaard.vcf"'
    text = response.text
    assert text.startswith("BEGIN:VCARD\r\nVERSION:4.0\r\n") and text.endswith("END:VCARD\r\n")
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    card = vobject.readOne(text)
    assert card.fn.value == "Søren Ågård"
    assert card.n.value.family == "Ågård" and card.n.value.given == "Søren"
    assert card.email.value == "soeren@example.org"
    assert sorted(tel.value for tel in card.contents["tel"]) == ["tel:+4521123456", "tel:+4586125002"]
    assert card.title.value == "Faglig konsulent"
    assert card.org.value == ["Forbundet", "Rådgivning Østjylland"]
    assert "Aarhus, 2. sal" in card.note.value
    cards = list(vobject.readComponents(unit.text))
    # The team's manager first, then its members by name.
    assert [c.fn.value for c in cards] == ["Lars Lund", "Bo Bech", "Søren Ågård"]
    assert unit.headers["content-disposition"] == 'attachment; filename="raadgivning-oestjylland.vcf"'


async def test_own_details_form(org: Org) -> None:
    bo = org.id("bo")
    async with signed_in(org, "bo") as client:
        assert (await client.get("/phonebook/profile")).headers["location"] == f"/phonebook/people/{bo}/edit"
        form = await client.get(f"/phonebook/people/{bo}/edit", headers=EN)
        assert form.status_code == 200 and "Who sees what" in form.text
        token = csrf_token_of(form.text)
        # Bad input: the form again, every problem named, nothing saved.
        bad = await client.post(f"/phonebook/people/{bo}/edit", headers=EN, data={
            "_csrf_token": token, "office": "x" * 201, "working_hours": "8-16", "skills": "Barsel",
            "phone_visibility": "everyone", "mobile_visibility": "nobody", "office_visibility": "everyone",
            "hours_visibility": "everyone", "skills_visibility": "everyone",
        })
        assert bad.status_code == 400
        assert "Use at most 200 characters." in bad.text and "Choose one of the options." in bad.text
        assert 'value="8-16"' in bad.text  # what was typed is kept
        too_many = await client.post(f"/phonebook/people/{bo}/edit", headers=EN, data={
            "_csrf_token": token, "skills": ", ".join(f"Emne {i}" for i in range(20)),
        })
        assert too_many.status_code == 400 and "Give at most 15 topics." in too_many.text
        assert await Skill.count().where(Skill.person == bo).run() == 0
        # No CSRF token: refused.
        assert (await client.post(f"/phonebook/people/{bo}/edit", data={"office": "x"})).status_code == 403
        saved = await client.post(f"/phonebook/people/{bo}/edit", headers=EN, data={
            "_csrf_token": token, "office": " Aarhus, 3. sal ", "working_hours": "Man-fre 9-15",
            "skills": "Barsel\nPension, barsel\n\n", "phone_visibility": "everyone", "mobile_visibility": "unit",
            "office_visibility": "admins", "hours_visibility": "everyone", "skills_visibility": "everyone",
            "id": "1", "person": str(org.id("anne")),  # fields the form does not have are ignored
        })
        assert saved.status_code == 303 and saved.headers["location"] == f"/people/{bo}"
    profile = await Profile.select().where(Profile.person == bo).first().run()
    assert profile is not None
    assert (profile["office"], profile["working_hours"]) == ("Aarhus, 3. sal", "Man-fre 9-15")
    assert (profile["mobile_visibility"], profile["office_visibility"]) == (UNIT, ADMINS)
    skills = await Skill.select(Skill.label).where(Skill.person == bo).order_by(Skill.position).run()
    assert [s["label"] for s in skills] == ["Barsel", "Pension"]


async def test_who_may_edit_someone_elses_details(org: Org) -> None:
    bo = org.id("bo")
    async with signed_in(org, "anne") as client:
        assert (await client.get(f"/phonebook/people/{bo}/edit", headers=EN)).status_code == 403
        token = csrf_token_of((await client.get("/phonebook", headers=EN)).text)
        refused = await client.post(f"/phonebook/people/{bo}/edit", data={"_csrf_token": token, "office": "x"})
        assert refused.status_code == 403
        assert (await client.get("/phonebook/people/999999/edit", headers=EN)).status_code == 404
    # HR (phonebook.edit_profiles) may.
    async with signed_in(org, "head", roles=(("hr", None),)) as client:
        page = await client.get(f"/phonebook/people/{bo}/edit", headers=EN)
        assert page.status_code == 200 and "Where and when to find Bo Bech" in page.text
        saved = await client.post(f"/phonebook/people/{bo}/edit", data={
            "_csrf_token": csrf_token_of(page.text), "office": "Aarhus", "skills": "Jura",
        })
        assert saved.status_code == 303


async def test_api_person_and_search(org: Org) -> None:
    found = await _api(org, "bo", "/api/v1/phonebook/people", q="rådgivning", limit=2)
    assert [p["name"] for p in found["people"]] == ["Bo Bech", "Lars Lund"] and found["next"]
    rest = await _api(org, "bo", "/api/v1/phonebook/people", q="rådgivning", after=found["next"])
    assert [p["name"] for p in rest["people"]] == ["Søren Ågård"] and rest["next"] is None
    person = await _api(org, "bo", f"/api/v1/phonebook/people/{org.id('soeren')}")
    assert person["managers"] == [org.id("lead")] and person["skills"] == ["Arbejdsskade"]
    assert [u["name"] for u in person["units"]] == ["Rådgivning Østjylland"]
    token = await create_api_token(org.intranet, org.id("bo"), name="t2", read_only=True)
    async with signed_in(org, "bo") as client:
        headers = {"authorization": f"Bearer {token}"}
        assert (await client.get("/api/v1/phonebook/people/999999", headers=headers)).status_code == 404
        assert (await client.get("/api/v1/phonebook/people", params={"after": "nonsense"},
                                 headers=headers)).status_code == 400
        assert (await client.get("/api/v1/phonebook/people")).status_code == 401  # no token
    assert re.fullmatch(r"[A-Za-z0-9_-]+", found["next"])


def _pixels(data: bytes) -> tuple[str, tuple[int, int], bytes]:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return image.mode, image.size, image.tobytes()


def _png() -> bytes:
    """A real 2 x 2 PNG."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\xc0\x40\x20" * 2 for _ in range(2))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def test_a_photo_of_ones_own(org: Org) -> None:
    from intranet_core.personal_data.service import erase_person
    from intranet_core.uploads.tables import Upload

    bo = org.id("bo")
    async with signed_in(org, "bo") as client:
        form = await client.get(f"/phonebook/people/{bo}/edit", headers=EN)
        token = csrf_token_of(form.text)
        # Not a picture: the form again with the reason, nothing kept.
        refused = await client.post(f"/phonebook/people/{bo}/photo", headers=EN, data={"_csrf_token": token},
                                    files={"photo": ("me.png", b"#!/bin/sh\necho hi\n", "image/png")})
        assert refused.status_code == 400 and 'role="alert"' in refused.text
        assert await Upload.count().run() == 0
        nothing = await client.post(f"/phonebook/people/{bo}/photo", headers=EN, data={"_csrf_token": token})
        assert nothing.status_code == 400 and "Choose a picture to upload." in nothing.text
        # No token: refused.
        assert (await client.post(f"/phonebook/people/{bo}/photo",
                                  files={"photo": ("me.png", _png(), "image/png")})).status_code == 403
        saved = await client.post(f"/phonebook/people/{bo}/photo", data={"_csrf_token": token},
                                  files={"photo": ("me.png", _png(), "image/png")})
        assert saved.status_code == 303
        # Someone else may not change it.
    async with signed_in(org, "anne") as client:
        token = csrf_token_of((await client.get("/phonebook", headers=EN)).text)
        assert (await client.post(f"/phonebook/people/{bo}/photo", data={"_csrf_token": token},
                                  files={"photo": ("x.png", _png(), "image/png")})).status_code == 403
        # Every colleague sees it: on the profile, in search, and the picture itself.
        profile = _main((await client.get(f"/people/{bo}", headers=EN)).text)
        src = re.search(r'<img class="avatar profile-avatar profile-photo" src="([^"]+)"', profile)
        assert src is not None and src.group(1).startswith(f"/phonebook/people/{bo}/photo?v=")
        assert src.group(1) in (await client.get("/phonebook/results", params={"q": "bo bech"}, headers=EN)).text
        picture = await client.get(src.group(1))
        assert picture.status_code == 200 and _pixels(picture.content) == _pixels(_png())  # written anew, same picture
        assert picture.headers["content-type"] == "image/png"
        assert picture.headers["x-content-type-options"] == "nosniff"
        assert (await client.get(f"/phonebook/people/{org.id('lead')}/photo")).status_code == 404
    # A new photo replaces the old one; removing it leaves none.
    async with signed_in(org, "bo") as client:
        token = csrf_token_of((await client.get(f"/phonebook/people/{bo}/edit", headers=EN)).text)
        await client.post(f"/phonebook/people/{bo}/photo", data={"_csrf_token": token},
                          files={"photo": ("new.png", _png(), "image/png")})
        assert await Upload.count().run() == 1
        removed = await client.post(f"/phonebook/people/{bo}/photo/delete", data={"_csrf_token": token})
        assert removed.status_code == 303 and await Upload.count().run() == 0
        assert (await client.get(f"/phonebook/people/{bo}/photo")).status_code == 404
        assert "profile-photo" not in (await client.get(f"/people/{bo}", headers=EN)).text
        await client.post(f"/phonebook/people/{bo}/photo", data={"_csrf_token": token},
                          files={"photo": ("again.png", _png(), "image/png")})
    # Erased: the photo goes too.
    await erase_person(org.intranet, bo, actor_id=None, mode="anonymise")
    assert await Upload.count().run() == 0
    assert await Profile.count().where(Profile.person == bo).run() == 0
