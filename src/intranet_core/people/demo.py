"""Demo data: the reference organisation, a national trade union.

A union of about 200 staff: a head office with seven departments and ten
regional districts, some with teams of their own. Names, titles, phone
numbers and start dates are made up but realistic, and always the same (a
fixed random seed), except that start dates are counted back from today so
that a few newcomers are always about to start.

:func:`build_organisation` makes the data (no database); :func:`load` writes
it in one transaction with a handful of batch inserts.
"""

from __future__ import annotations

import datetime
import random
import unicodedata
from dataclasses import dataclass, field
from typing import Any

DEMO_PASSWORD = "intranet-demo"  # noqa: S105 - the published password of the demo accounts
DEMO_DOMAIN = "example.org"
SEED = 1899  # the year of the September Compromise, the start of Danish collective bargaining

ORGANISATION = "Forbundet"
HEAD_OFFICE = "Hovedkontoret"

ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"
EDITOR_EMAIL = f"editor@{DEMO_DOMAIN}"
MEMBER_EMAIL = f"member@{DEMO_DOMAIN}"
MEMBER2_EMAIL = f"member2@{DEMO_DOMAIN}"
# The district the demo editor edits and the demo member belongs to; member2 is elsewhere.
EDITOR_DISTRICT = "Østjylland"
MEMBER2_DISTRICT = "Fyn"
# The demo editor's mobile number.
EASY_MOBILE = "+45 20 12 34 56"

FEMALE_NAMES = (
    "Anne", "Mette", "Hanne", "Susanne", "Lene", "Camilla", "Louise", "Maria", "Charlotte", "Pia",
    "Tina", "Marianne", "Helle", "Karina", "Line", "Julie", "Sofie", "Ida", "Emma", "Laura",
    "Cecilie", "Maja", "Signe", "Rikke", "Birgitte", "Lone", "Dorthe", "Kirsten", "Jette", "Bente",
    "Gitte", "Trine", "Stine", "Malene", "Nanna", "Freja", "Astrid", "Karen", "Anja", "Heidi",
    "Mia", "Sara", "Katrine", "Sanne", "Ulla", "Vibeke", "Lotte", "Anne-Mette", "Mai-Britt", "Ditte",
    "Josefine", "Mathilde", "Christina", "Jeanette", "Tanja", "Annette", "Merete", "Lærke", "Bodil", "Åse",
    "Fatima", "Agnieszka", "Aylin", "Søs",
)
MALE_NAMES = (
    "Lars", "Jens", "Peter", "Michael", "Henrik", "Thomas", "Søren", "Jesper", "Martin", "Anders",
    "Rasmus", "Morten", "Jan", "Niels", "Mads", "Christian", "Kasper", "Jakob", "Mikkel", "Frederik",
    "Jonas", "Emil", "Mathias", "Magnus", "Kim", "Bo", "Torben", "Per", "Ole", "Hans",
    "Poul", "Erik", "Steen", "Flemming", "Brian", "Kenneth", "René", "Claus", "Allan", "Carsten",
    "Bjarne", "Kristian", "Simon", "Nikolaj", "Troels", "Asger", "Bjørn", "Jørgen", "Esben", "Ulrik",
    "Jørn", "Aksel", "Sune", "Toke", "Villads", "Ahmed", "Tomasz", "Emre",
)
LAST_NAMES = (
    "Jensen", "Nielsen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Frederiksen",
    "Henriksen", "Laursen", "Lund", "Holm", "Schmidt", "Eriksen", "Kristiansen", "Clausen",
    "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Vestergaard", "Nissen",
    "Lauridsen", "Kjær", "Jepsen", "Søndergaard", "Østergaard", "Nørgaard", "Bech", "Dam",
    "Friis", "Bach", "Mathiasen", "Bak", "Kjeldsen", "Dahl", "Lind", "Krogh", "Juhl", "Bruun",
    "Skov", "Winther", "Berg", "Toft", "Brandt", "Thygesen", "Kirkegaard", "Ravn", "Dalsgaard",
    "Bang", "Gregersen", "Overgaard", "Holst", "Yilmaz", "Hussain", "Nowak",
)
MIDDLE_NAMES = ("Lund", "Holm", "Bach", "Skov", "Krogh", "Dahl", "Kjær", "Friis", "Bang", "Berg", "Møller", "Juul")


@dataclass(frozen=True)
class UnitPlan:
    """A unit to create: who manages it and which titles its staff hold."""

    key: str
    name: str
    kind: str
    parent: str | None
    size: int = 0  # staff with this unit as their primary unit
    manager_title: str = ""
    titles: tuple[tuple[str, int], ...] = ()  # (title, weight)
    fixed_titles: tuple[str, ...] = ()  # held by one each, before the others are drawn
    phone_base: int = 0  # the first direct line, as an 8-digit number


@dataclass
class PersonPlan:
    email: str
    name: str
    title: str
    phone: str
    mobile: str
    start_date: datetime.date
    unit: str
    is_manager: bool = False
    password: bool = False  # a demo account signing in with DEMO_PASSWORD


@dataclass
class Organisation:
    units: list[UnitPlan]
    people: list[PersonPlan]
    # Extra, non-primary memberships: (email, unit key, title, is_manager).
    extra_memberships: list[tuple[str, str, str, bool]] = field(default_factory=list)


HEAD_OFFICE_DEPARTMENTS: tuple[tuple[str, int, str, tuple[tuple[str, int], ...], int], ...] = (
    ("Ledelse", 6, "Forbundsformand", (
        ("Direktør", 0), ("Næstformand", 0), ("Direktionssekretær", 0), ("Chefkonsulent", 1), ("Sekretær", 1),
    ), 33145000),
    ("Kommunikation", 12, "Kommunikationschef", (
        ("Kommunikationsmedarbejder", 4), ("Kommunikationskonsulent", 3), ("Journalist", 2), ("Webredaktør", 1),
        ("Grafiker", 1), ("Presserådgiver", 1),
    ), 33145020),
    ("HR", 9, "HR-chef", (
        ("HR-partner", 3), ("HR-konsulent", 2), ("Lønkonsulent", 2), ("HR-assistent", 1),
    ), 33145040),
    ("IT", 11, "IT-chef", (
        ("IT-supporter", 4), ("Systemadministrator", 2), ("IT-udvikler", 2), ("IT-arkitekt", 1),
        ("IT-projektleder", 1),
    ), 33145060),
    ("Økonomi", 9, "Økonomichef", (
        ("Økonomimedarbejder", 3), ("Bogholder", 2), ("Controller", 2), ("Regnskabsmedarbejder", 1),
    ), 33145080),
    ("Politik og analyse", 13, "Chef for politik og analyse", (
        ("Politisk konsulent", 3), ("Analytiker", 3), ("Jurist", 3), ("Økonom", 2), ("Chefkonsulent", 1),
    ), 33145100),
    ("Medlemsservice", 22, "Medlemsservicechef", (
        ("Medlemsrådgiver", 8), ("Sekretær", 4), ("Faglig konsulent", 3), ("Kontorassistent", 2),
        ("Studentermedhjælper", 1),
    ), 33145130),
)

DISTRICT_TITLES: tuple[tuple[str, int], ...] = (
    ("Faglig konsulent", 6), ("Forhandlingskonsulent", 3), ("Faglig sekretær", 2), ("Sekretær", 3),
    ("Jurist", 1), ("Organisator", 2), ("Arbejdsmiljøkonsulent", 1), ("Kontorassistent", 1),
)
TEAM_TITLES: dict[str, tuple[tuple[str, int], ...]] = {
    "Rådgivning": (("Faglig konsulent", 3), ("Jurist", 1), ("Sekretær", 1)),
    "Forhandling": (("Forhandlingskonsulent", 3), ("Faglig konsulent", 1)),
    "Arbejdsmiljø": (("Arbejdsmiljøkonsulent", 2), ("Faglig konsulent", 1)),
    "Organisering": (("Organisator", 3), ("Faglig konsulent", 1)),
}
# name, staff in the district itself, its teams (name, staff), first direct line
DISTRICTS: tuple[tuple[str, int, tuple[tuple[str, int], ...], int], ...] = (
    ("Hovedstaden", 8, (("Rådgivning", 7), ("Forhandling", 5)), 33147000),
    ("Sjælland", 7, (("Rådgivning", 5),), 46301200),
    ("Fyn", 7, (("Organisering", 4),), 66124000),
    ("Sydjylland", 7, (("Rådgivning", 5),), 75123000),
    ("Østjylland", 7, (("Rådgivning", 5), ("Forhandling", 4)), 86125000),
    ("Midtjylland", 8, (("Arbejdsmiljø", 5),), 86622000),
    ("Vestjylland", 6, (("Rådgivning", 4),), 97401000),
    ("Nordjylland", 7, (("Organisering", 5),), 98124000),
    ("Bornholm", 6, (), 56951000),
    ("Lolland-Falster", 6, (), 54852000),
)

# Mobile numbers in Denmark start with these (a selection of the ranges in use).
MOBILE_PREFIXES = (20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 40, 41, 42, 50, 51, 52, 53, 60, 61, 71, 81, 91, 93)

# The demo accounts: (email, name, title, unit key).
DEMO_ACCOUNTS = (
    (ADMIN_EMAIL, "Søren Kragh", "Systemadministrator", "IT"),
    (EDITOR_EMAIL, "Louise Bækgaard", "Faglig sekretær", EDITOR_DISTRICT),
    (MEMBER_EMAIL, "Jonas Ørum", "Faglig konsulent", EDITOR_DISTRICT),
    (MEMBER2_EMAIL, "Camilla Aagaard", "Sekretær", MEMBER2_DISTRICT),
)


def ascii_fold(text: str) -> str:
    """``"Søren Ærø-Åberg"`` -> ``"Soeren Aeroe-Aaberg"``: Danish letters as Danes write them in ASCII."""
    for letter, ascii_form in (("æ", "ae"), ("ø", "oe"), ("å", "aa"), ("Æ", "Ae"), ("Ø", "Oe"), ("Å", "Aa")):
        text = text.replace(letter, ascii_form)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if c.isascii() and not unicodedata.combining(c))


def email_for(first: str, last: str) -> str:
    local = f"{ascii_fold(first)}.{ascii_fold(last)}".lower().replace(" ", "")
    return f"{local}@{DEMO_DOMAIN}"


def format_phone(number: int) -> str:
    """``33145012`` -> ``"+45 33 14 50 12"``."""
    digits = f"{number:08d}"
    return "+45 " + " ".join(digits[i:i + 2] for i in range(0, 8, 2))


def unit_plans() -> list[UnitPlan]:
    units = [
        UnitPlan(key=ORGANISATION, name=ORGANISATION, kind="organisation", parent=None),
        UnitPlan(key=HEAD_OFFICE, name=HEAD_OFFICE, kind="head office", parent=ORGANISATION),
    ]
    for name, size, manager_title, titles, phone_base in HEAD_OFFICE_DEPARTMENTS:
        # A weight of 0: exactly one person holds the title.
        units.append(UnitPlan(key=name, name=name, kind="department", parent=HEAD_OFFICE, size=size,
                              manager_title=manager_title, titles=tuple(t for t in titles if t[1]),
                              fixed_titles=tuple(t for t, weight in titles if not weight), phone_base=phone_base))
    for district, size, teams, phone_base in DISTRICTS:
        units.append(UnitPlan(key=district, name=district, kind="district", parent=ORGANISATION, size=size,
                              manager_title="Regionsformand", titles=DISTRICT_TITLES, phone_base=phone_base))
        offset = size
        for team, team_size in teams:
            units.append(UnitPlan(key=f"{team} {district}", name=f"{team} {district}", kind="team", parent=district,
                                  size=team_size, manager_title="Teamleder", titles=TEAM_TITLES[team],
                                  phone_base=phone_base + offset))
            offset += team_size
    return units


def _start_date(rng: random.Random, today: datetime.date, *, senior: bool) -> datetime.date:
    # Most staff joined in the last ten years; a few have been here for decades.
    years = rng.random() ** (1.2 if senior else 2.2) * 28
    days = max(30, int(years * 365.25))
    return today - datetime.timedelta(days=days)


def build_organisation(today: datetime.date | None = None, seed: int = SEED) -> Organisation:
    """The whole organisation, deterministically (only start dates move with ``today``)."""
    today = today or datetime.date.today()
    rng = random.Random(seed)  # noqa: S311 - made-up demo data, not secrets
    units = unit_plans()
    by_key = {unit.key: unit for unit in units}
    accounts: dict[str, list[tuple[str, str, str, str]]] = {unit_key: [] for unit_key in by_key}
    for account in DEMO_ACCOUNTS:
        accounts[account[3]].append(account)

    taken_names = {(name.split()[0], name.split()[-1]) for _email, name, _title, _unit in DEMO_ACCOUNTS}
    taken_emails = {email for email, _name, _title, _unit in DEMO_ACCOUNTS}
    taken_mobiles: set[int] = set()

    def new_name() -> tuple[str, str]:
        while True:
            first = rng.choice(FEMALE_NAMES if rng.random() < 0.55 else MALE_NAMES)
            last = rng.choice(LAST_NAMES)
            email = email_for(first, last)
            if (first, last) in taken_names or email in taken_emails:
                continue
            taken_names.add((first, last))
            taken_emails.add(email)
            middle = rng.choice(MIDDLE_NAMES) if rng.random() < 0.2 else ""
            return (f"{first} {middle} {last}" if middle and middle != last else f"{first} {last}"), email

    def new_mobile() -> str:
        while True:
            number = rng.choice(MOBILE_PREFIXES) * 1_000_000 + rng.randrange(1_000_000)
            if number not in taken_mobiles:
                taken_mobiles.add(number)
                return format_phone(number)

    people: list[PersonPlan] = []
    for unit in units:
        if not unit.size:
            continue
        titles, weights = zip(*unit.titles, strict=True)
        fixed = accounts[unit.key]
        for index in range(unit.size):
            phone = format_phone(unit.phone_base + index)
            mobile = new_mobile()
            if index == 0:
                name, email = new_name()
                people.append(PersonPlan(email=email, name=name, title=unit.manager_title, phone=phone,
                                         mobile=mobile, start_date=_start_date(rng, today, senior=True),
                                         unit=unit.key, is_manager=True))
            elif index <= len(fixed):
                email, name, title, _key = fixed[index - 1]
                people.append(PersonPlan(email=email, name=name, title=title, phone=phone, mobile=mobile,
                                         start_date=_start_date(rng, today, senior=False), unit=unit.key,
                                         password=True))
            else:
                name, email = new_name()
                drawn = index - 1 - len(fixed)
                title = unit.fixed_titles[drawn] if drawn < len(unit.fixed_titles) else rng.choices(titles, weights)[0]
                people.append(PersonPlan(email=email, name=name, title=title, phone=phone, mobile=mobile,
                                         start_date=_start_date(rng, today, senior=False), unit=unit.key))

    # Newcomers: a few start in the coming weeks (what onboarding is for).
    candidates = [p for p in people if not p.is_manager and not p.password]
    for weeks, person in zip((1, 2, 4, 6, 9), rng.sample(candidates, 5), strict=True):
        person.start_date = today + datetime.timedelta(weeks=weeks, days=rng.randrange(5))

    # A number easy to remember for trying the search with part of a number ("12 34"), set after
    # every draw so that the rest of the organisation stays as it was.
    editor = next(p for p in people if p.email == EDITOR_EMAIL)
    if EASY_MOBILE not in {p.mobile for p in people}:
        editor.mobile = EASY_MOBILE

    # The organisation and the head office are led by people of the management.
    management = [p for p in people if p.unit == "Ledelse"]
    director = next(p for p in management if p.title == "Direktør")
    extra = [(management[0].email, ORGANISATION, management[0].title, True),
             (director.email, HEAD_OFFICE, director.title, True)]
    return Organisation(units=units, people=people, extra_memberships=extra)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def load(intranet: Any, today: datetime.date | None = None) -> list[str]:
    """Write the demo organisation in one transaction; returns the lines ``intranet demo`` prints."""
    from intranet_core.app import ROLE_LABELS
    from intranet_core.audit.service import record
    from intranet_core.auth.passwords import hash_password_async
    from intranet_core.people.models import PERSON_INFO_COLUMNS, PersonInfo
    from intranet_core.people.tables import Membership, Person, Unit
    from intranet_core.permissions.service import ADMIN_ROLE
    from intranet_core.permissions.tables import Role, RoleAssignment
    from intranet_core.plugins import gather

    organisation = build_organisation(today)
    password_hash = await hash_password_async(DEMO_PASSWORD)
    now = _now()

    async with intranet.db.transaction(write=True):
        unit_ids: dict[str, int] = {}
        paths: dict[str, str] = {}
        for order, unit in enumerate(organisation.units):
            parent_id = unit_ids[unit.parent] if unit.parent else None
            rows = await Unit.insert(
                Unit(name=unit.name, kind=unit.kind, parent=parent_id, path="/", sort_order=order, created_at=now)
            ).returning(Unit.id).run()
            unit_ids[unit.key] = int(rows[0]["id"])
            paths[unit.key] = f"{paths[unit.parent] if unit.parent else '/'}{unit_ids[unit.key]}/"
            await Unit.update({Unit.path: paths[unit.key]}).where(Unit.id == unit_ids[unit.key]).run()

        await Person.insert(*[
            Person(email=p.email, name=p.name, title=p.title, phone=p.phone, mobile=p.mobile,
                   start_date=p.start_date, active=True, password_hash=password_hash if p.password else None,
                   created_at=now, updated_at=now)
            for p in organisation.people
        ]).run()
        emails = [p.email for p in organisation.people]
        person_ids = {
            row["email"]: int(row["id"])
            for row in await Person.select(Person.id, Person.email).where(Person.email.is_in(emails)).run()
        }

        memberships = [
            Membership(person=person_ids[p.email], unit=unit_ids[p.unit], title=p.title, is_primary=True,
                       is_manager=p.is_manager)
            for p in organisation.people
        ] + [
            Membership(person=person_ids[email], unit=unit_ids[key], title=title, is_primary=False,
                       is_manager=manager)
            for email, key, title, manager in organisation.extra_memberships
        ]
        await Membership.insert(*memberships).run()

        # The roles may not exist yet: `editor` is created here if no permission declared it.
        for role_name in (ADMIN_ROLE, "editor"):
            await Role.insert(
                Role(name=role_name, label=ROLE_LABELS.get(role_name, role_name.title()), builtin=True)
            ).on_conflict(target=Role.name, action="DO NOTHING").run()
        role_ids = {
            row["name"]: int(row["id"])
            for row in await Role.select(Role.id, Role.name).where(Role.name.is_in([ADMIN_ROLE, "editor"])).run()
        }
        await RoleAssignment.insert(
            RoleAssignment(person=person_ids[ADMIN_EMAIL], role=role_ids[ADMIN_ROLE], unit=None),
            RoleAssignment(
                person=person_ids[EDITOR_EMAIL], role=role_ids["editor"], unit=unit_ids[EDITOR_DISTRICT]
            ),
        ).run()
        await record("demo.load", actor_id=None, target_type="site", target_id="demo",
                     details={"people": len(organisation.people), "units": len(organisation.units)})

    # Plugins hear of each person as after an import (a phonebook index, onboarding flows).
    if intranet.hook.person_created.get_hookimpls():
        rows = await Person.select(*[getattr(Person, name) for name in PERSON_INFO_COLUMNS]).where(
            Person.id.is_in(list(person_ids.values()))
        ).order_by(Person.id).run()
        for row in rows:
            await gather(intranet.hook.person_created(app=intranet, person=PersonInfo.from_row(row)))

    return [
        f"Sign in as {ADMIN_EMAIL} (administrator), {EDITOR_EMAIL} (editor in {EDITOR_DISTRICT}), "
        f"{MEMBER_EMAIL} ({EDITOR_DISTRICT}) or {MEMBER2_EMAIL} ({MEMBER2_DISTRICT}) — password: {DEMO_PASSWORD}",
        f"The organisation: {len(organisation.people)} people in {len(organisation.units)} units "
        f"({ORGANISATION}: a head office and {len(DISTRICTS)} districts).",
    ]
