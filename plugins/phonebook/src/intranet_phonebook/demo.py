"""Demo data: offices, working hours and "ask me about" for the demo organisation, and external contacts.

Works on whatever people and units are there (the core's demo union, or a
site's own): offices follow the unit under the top of the tree, topics
follow the unit's name. Always the same for the same people (a fixed seed).
Two demo accounts show the visibility rule: the mobile number of
``member2@example.org`` is for administrators only, that of
``editor@example.org`` for colleagues in her units.
"""

from __future__ import annotations

import random
from typing import Any

from intranet_core.people.tables import Membership, Person, Unit
from intranet_phonebook.index import defaults_of, ensure_profiles, now, reindex_contact, reindex_people
from intranet_phonebook.tables import Contact, Profile, Skill
from intranet_phonebook.visibility import ADMINS, UNIT

SEED = 1899
ADMINS_ONLY_EMAIL = "member2@example.org"
UNIT_ONLY_EMAIL = "editor@example.org"

CITIES = {
    "Hovedstaden": "København", "Sjælland": "Roskilde", "Fyn": "Odense", "Sydjylland": "Kolding",
    "Østjylland": "Aarhus", "Midtjylland": "Herning", "Vestjylland": "Esbjerg", "Nordjylland": "Aalborg",
    "Bornholm": "Rønne", "Lolland-Falster": "Nykøbing Falster",
}
HOURS = (
    "Man-tors 8-16, fre 8-13", "Man-fre 8.30-16", "Man-tors 9-17, fre 9-14", "Man-ons 8-15 (deltid)",
    "Man-fre 7.30-15.30", "Hjemmearbejde fredag",
)
TOPICS = {
    "IT": ("Office 365", "Netværk", "IT-sikkerhed", "SharePoint", "Python", "Telefoni", "Printere"),
    "HR": ("Rekruttering", "Barsel", "Onboarding", "Ferieloven", "Sygefravær", "Lønforhandling"),
    "Økonomi": ("Budget", "Løn", "Moms", "Excel", "Rejseafregning"),
    "Kommunikation": ("Presse", "SoMe", "Grafisk design", "Nyhedsbreve", "Video", "Klarsprog"),
    "Politik og analyse": ("Overenskomster", "Statistik", "EU-ret", "Arbejdsret", "Pension"),
    "Medlemsservice": ("Kontingent", "A-kasse", "Medlemsfordele", "Forsikring", "Indmeldelse"),
    "Ledelse": ("Strategi", "Bestyrelsesarbejde", "Forhandling"),
}
LOCAL_TOPICS = (
    "Overenskomster", "Afskedigelse", "Arbejdsskade", "Barsel", "Sygedagpenge", "Psykisk arbejdsmiljø",
    "Tillidsrepræsentanter", "Ferie", "Løn", "Pension", "Seniorordninger", "Diskrimination", "Forhandling",
    "Organisering", "Arbejdsmiljø", "Ansættelseskontrakter",
)
CONTACTS = (
    ("Maja Kjærsgaard", "PensionDanmark", "partner", "Kunderådgiver", "mk@pension.example.com", "+45 70 12 12 12",
     "Spørgsmål om medlemmernes pensionsordninger."),
    ("Henrik Bach", "Advokatfirmaet Holm & Bach", "partner", "Partner, advokat", "hb@holmbach.example.com",
     "+45 33 44 55 66", "Retssager om afskedigelse og arbejdsskade. Ring før kl. 16."),
    ("Lise Østergaard", "KontorPlus A/S", "supplier", "Kundeansvarlig", "lise@kontorplus.example.com",
     "+45 86 10 20 30", "Kontorartikler og møbler. Kundenummer 48213."),
    ("Kasper Nørregaard", "Nordisk IT-drift ApS", "supplier", "Driftschef", "support@nordiskit.example.com",
     "+45 70 20 30 40", "Drift af servere og netværk. Akutte fejl: ring døgnet rundt."),
    ("Birthe Aagaard", "Kantine Service Aarhus", "supplier", "Køkkenchef", "birthe@kantine.example.com",
     "+45 86 55 44 33", "Frokostordning og mødeforplejning i Aarhus."),
    ("Niels Krogh", "AOF Danmark", "partner", "Kursuskoordinator", "nk@aof.example.com", "+45 33 22 11 00",
     "Kurser for tillidsrepræsentanter."),
    ("Arbejdstilsynets kundecenter", "Arbejdstilsynet", "other", "", "at@at.example.com", "+45 70 12 12 88",
     "Anmeldelse af arbejdsulykker og spørgsmål om arbejdsmiljø."),
    ("Sanne Holm", "Ferieboligerne Marielyst", "supplier", "Udlejning", "booking@feriebolig.example.com",
     "+45 54 13 60 00", "Forbundets feriehuse: booking og nøgler."),
)


def _office(trail_names: list[str], unit_name: str, rng: random.Random) -> str:
    place = trail_names[1] if len(trail_names) > 1 else unit_name
    if place in CITIES:
        return f"{CITIES[place]}, {place}-kontoret, {rng.randint(1, 3)}. sal"
    return f"{place}, København V, {rng.randint(1, 5)}. sal, lokale {rng.randint(1, 5)}{rng.randint(10, 40)}"


def _topics(trail_names: list[str], unit_name: str) -> tuple[str, ...]:
    for name in (unit_name, *reversed(trail_names)):
        if name in TOPICS:
            return TOPICS[name]
    return LOCAL_TOPICS


async def load(intranet: Any) -> list[str]:
    """Fill the profiles of the people there are, and add the external contacts."""
    rng = random.Random(SEED)  # noqa: S311 - made-up demo data, not secrets
    units = {int(r["id"]): r for r in await Unit.select(Unit.id, Unit.name, Unit.path).run()}
    people = await Person.select(Person.id, Person.email).where(Person.active == True).order_by(  # noqa: E712
        Person.id
    ).run()
    primary = {int(r["person"]): int(r["unit"]) for r in await Membership.select(
        Membership.person, Membership.unit
    ).where(Membership.is_primary == True).run()}  # noqa: E712 - SQL
    ids = [int(p["id"]) for p in people]
    async with intranet.db.transaction(write=True):
        await ensure_profiles(ids, defaults_of(intranet))
        skills: list[Skill] = []
        for person in people:
            person_id = int(person["id"])
            unit = units.get(primary.get(person_id, -1))
            trail = [units[int(i)]["name"] for i in str(unit["path"]).strip("/").split("/")
                     if i and int(i) in units] if unit else []
            unit_name = unit["name"] if unit else ""
            draw = rng.random()
            mobile = ADMINS if draw < 0.05 else UNIT if draw < 0.2 else None
            if person["email"] == ADMINS_ONLY_EMAIL:
                mobile = ADMINS
            elif person["email"] == UNIT_ONLY_EMAIL:
                mobile = UNIT
            values: dict[Any, Any] = {
                Profile.office: _office(trail, unit_name, rng),
                Profile.working_hours: rng.choice(HOURS),
                Profile.updated_at: now(),
            }
            if mobile is not None:
                values[Profile.mobile_visibility] = mobile
            await Profile.update(values).where(Profile.person == person_id).run()
            pool = _topics(trail, unit_name)
            for position, label in enumerate(rng.sample(pool, min(len(pool), rng.choice((0, 1, 2, 2, 3, 4))))):
                skills.append(Skill(person=person_id, label=label, position=position))
        for start in range(0, len(skills), 500):
            await Skill.insert(*skills[start:start + 500]).run()
        for start in range(0, len(ids), 100):
            await reindex_people(intranet, ids[start:start + 100])
        for name, organisation, category, title, email, phone, note in CONTACTS:
            rows = await Contact.insert(Contact(
                name=name, organisation=organisation, category=category, title=title, email=email, phone=phone,
                note=note, created_at=now(), updated_at=now(),
            )).returning(Contact.id).run()
            await reindex_contact(intranet, int(rows[0]["id"]))
    return [
        "Phonebook at /phonebook: try “jens”, “12 34” (part of a number), “pension” or “aarhus”; "
        f"the mobile number of {ADMINS_ONLY_EMAIL} is shown to administrators only, "
        f"that of {UNIT_ONLY_EMAIL} to colleagues in her units.",
    ]
