"""Demo groups for the reference organisation (a trade union with ten districts).

Built on whatever organisation is in the database: a local group per
district (closed, its manager as admin, a holiday plan and a contact list),
a secret board group in the demo editor's district, and the open topic
groups "IT-systemer" (mandatory for the IT department) and "GDPR" (members
from every district, with the instructions for a personal data breach).
"""

from __future__ import annotations

import datetime
from typing import Any

from intranet_core.feed.service import create_post
from intranet_core.markup import render
from intranet_core.people.tables import Membership, Person, Unit
from intranet_workgroups.groups.tables import Follower, Group, GroupUnit, Member
from intranet_workgroups.pages.tables import Page, PageRevision
from intranet_workgroups.search import index_group

EDITOR_EMAIL = "editor@example.org"
MEMBER_EMAIL = "member@example.org"
MEMBER2_EMAIL = "member2@example.org"
ADMIN_EMAIL = "admin@example.org"

HOLIDAY_PLAN = """Ferieplanen for {district} i {year}. Skriv dig på, og aftal afløsning med din kollega, \
inden du melder ferien i HR-systemet.

| Uge | Ferie | Afløser |
| --- | --- | --- |
{rows}

Sommerferien er **uge 28 til 32**: højst to fra hvert team må holde fri samme uge.
Spørgsmål om ferie går til {manager}.
"""

DATA_BREACH = """Et brud på persondatasikkerheden er fx en mail med CPR-numre sendt til den forkerte, \
en mistet telefon eller bærbar, eller et dokument med medlemsoplysninger lagt et forkert sted.

## Gør dette med det samme

1. **Stop bruddet**, hvis du kan: bed modtageren slette mailen, spær telefonen, flyt dokumentet.
2. **Ring til GDPR-vagten** på +45 33 14 51 99, også uden for åbningstid.
3. **Skriv ned** hvad der er sket, hvornår, hvilke oplysninger og hvor mange personer det drejer sig om.

## Det sker bagefter

- Databeskyttelsesrådgiveren vurderer bruddet og anmelder det til Datatilsynet **inden for 72 timer**, hvis det \
er nødvendigt.
- Er risikoen høj for de berørte, får de besked.
- Bruddet noteres i fortegnelsen over brud, også når det ikke anmeldes.

Du får aldrig skæld ud for at melde et brud. Det er de brud, vi ikke hører om, der er farlige.
"""

GDPR_BASICS = """Vi behandler oplysninger om medlemmer og kolleger, fordi vi skal, ikke fordi vi kan.

- Gem kun det, du skal bruge, og slet det, når sagen er slut.
- Send aldrig CPR-numre i almindelig mail: brug sikker mail.
- Medlemssager ligger i ESDH-systemet, ikke på skrivebordet eller i din indbakke.
"""

IT_HELP = """Sådan får du hjælp fra IT:

- **Akut** (kan ikke arbejde): ring +45 33 14 50 60.
- **Alt andet**: skriv i gruppen her, så kan kollegerne også se svaret.
- Nye programmer og adgange bestilles af din leder.
"""


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def _people_of(unit_path: str) -> list[dict[str, Any]]:
    """The people of a unit and the units below it, managers first, then by name."""
    return await Membership.select(
        Membership.person, Membership.person.name, Membership.person.title, Membership.person.phone,
        Membership.person.email, Membership.is_manager, Membership.unit.name,
    ).where(Membership.unit.path.like(f"{unit_path}%")).order_by(Membership.is_manager, ascending=False).order_by(
        Membership.person.name
    ).run()


async def _page(group_id: int, position: int, title: str, body: str, author: int | None, at: datetime.datetime) -> None:
    rows = await Page.insert(Page(
        workgroup=group_id, title=title, body=body, body_html=str(render(body)), position=position, revision=1,
        created_by=author, created_at=at, updated_by=author, updated_at=at,
    )).returning(Page.id).run()
    await PageRevision.insert(PageRevision(
        page=int(rows[0]["id"]), number=1, title=title, body=body, author=author, created_at=at,
    )).run()


async def _group(name: str, description: str, *, kind: str, visibility: str, unit: int | None,
                 creator: int | None, at: datetime.datetime) -> int:
    rows = await Group.insert(Group(
        name=name, description=description, kind=kind, visibility=visibility, unit=unit, created_by=creator,
        created_at=at, updated_at=at,
    )).returning(Group.id).run()
    group_id = int(rows[0]["id"])
    if unit is not None:
        await GroupUnit.insert(GroupUnit(workgroup=group_id, unit=unit, home=kind == "local", created_at=at)).run()
    return group_id


async def _members(group_id: int, people: list[tuple[int, str]], at: datetime.datetime) -> None:
    seen: set[int] = set()
    rows = []
    for person_id, role in people:
        if person_id in seen:
            continue
        seen.add(person_id)
        rows.append(Member(workgroup=group_id, person=person_id, role=role, joined_at=at))
    if rows:
        await Member.insert(*rows).run()


def _contact_list(district: str, people: list[dict[str, Any]]) -> str:
    lines = [f"Alle i {district}, med ledere øverst. Ret gerne, når noget ændrer sig.", "",
             "| Navn | Stilling | Enhed | Telefon |", "| --- | --- | --- | --- |"]
    for row in people:
        lines.append(f"| {row['person.name']} | {row['person.title']} | {row['unit.name']} | {row['person.phone']} |")
    return "\n".join(lines) + "\n"


def _holiday_plan(district: str, people: list[dict[str, Any]], year: int) -> str:
    staff = [p for p in people if not p["is_manager"]][:6]
    rows = []
    for index, week in enumerate((7, 14, 28, 29, 30, 42)):
        if len(staff) < 2:
            break
        away, cover = staff[index % len(staff)], staff[(index + 1) % len(staff)]
        rows.append(f"| {week} | {away['person.name']} | {cover['person.name']} |")
    manager = next((p["person.name"] for p in people if p["is_manager"]), "din leder")
    return HOLIDAY_PLAN.format(district=district, year=year, rows="\n".join(rows), manager=manager)


async def load(intranet: Any) -> list[str] | None:
    districts = await Unit.select(Unit.id, Unit.name, Unit.path).where(Unit.kind == "district").order_by(
        Unit.sort_order
    ).order_by(Unit.id).run()
    if not districts:
        return None
    emails = {row["email"]: int(row["id"]) for row in await Person.select(Person.id, Person.email).where(
        Person.email.is_in([EDITOR_EMAIL, MEMBER_EMAIL, MEMBER2_EMAIL, ADMIN_EMAIL])
    ).run()}
    start = now() - datetime.timedelta(days=60)
    year = now().year
    posts: list[tuple[int, int, str, str]] = []
    gdpr_people: list[tuple[int, str]] = []
    board_district = None
    async with intranet.db.transaction(write=True):
        local_ids = []
        for district in districts:
            people = await _people_of(district["path"])
            manager = next((int(p["person"]) for p in people if p["is_manager"]), None)
            group_id = await _group(
                district["name"], f"Lokale sager for {district['name']}: ferieplan, vejledninger og kontakter.",
                kind="local", visibility="closed", unit=int(district["id"]), creator=manager, at=start,
            )
            local_ids.append(group_id)
            await _members(group_id, [(manager, "admin")] if manager else [], start)
            await _page(group_id, 1, f"Ferieplan {year}", _holiday_plan(district["name"], people, year), manager,
                        start + datetime.timedelta(days=1))
            await _page(group_id, 2, "Kontaktliste", _contact_list(district["name"], people), manager,
                        start + datetime.timedelta(days=2))
            others = [int(p["person"]) for p in people if not p["is_manager"] and p["person.email"] not in emails]
            gdpr_people += [(person_id, "member") for person_id in others[:2]]
            if EDITOR_EMAIL in {p["person.email"] for p in people}:
                board_district = (district, people, group_id)
            if manager is not None:
                posts.append((manager, group_id, "Personalemøde på torsdag",
                              "Vi mødes kl. 9 i mødelokalet. Dagsorden: ferieplanen, nye sager og kaffe."))

        if board_district is not None:
            district, people, local_id = board_district
            board = await _group(
                f"Bestyrelsen {district['name']}", "Bestyrelsens arbejdsrum: dagsordener, referater og udkast.",
                kind="topic", visibility="secret", unit=None, creator=emails.get(EDITOR_EMAIL), at=start,
            )
            members = [(emails[EDITOR_EMAIL], "admin")] if EDITOR_EMAIL in emails else []
            members += [(emails[MEMBER_EMAIL], "member")] if MEMBER_EMAIL in emails else []
            members += [(int(p["person"]), "member") for p in people if p["is_manager"]]
            await _members(board, members, start)
            await _page(board, 1, "Referat af bestyrelsesmødet",
                        "Godkendt budget for næste år. Næste møde: den første tirsdag i måneden.",
                        emails.get(EDITOR_EMAIL), start + datetime.timedelta(days=3))
            if MEMBER_EMAIL in emails:
                posts.append((emails[MEMBER_EMAIL], local_id, "Hvem har nøglen til arkivet?",
                              "Jeg skal bruge nogle gamle sager i morgen. Har nogen nøglen til arkivet?"))

        it_unit = await Unit.select(Unit.id, Unit.path).where((Unit.name == "IT") & (Unit.kind == "department")).first(
        ).run()
        it_people = await _people_of(it_unit["path"]) if it_unit else []
        it_chief = next((int(p["person"]) for p in it_people if p["is_manager"]), emails.get(ADMIN_EMAIL))
        it_group = await _group(
            "IT-systemer", "Spørgsmål og nyheder om vores IT-systemer: mail, telefoner, ESDH og intranettet.",
            kind="topic", visibility="open", unit=None, creator=it_chief, at=start,
        )
        if it_unit:
            # Everyone in IT is in the group and cannot leave it.
            await GroupUnit.insert(GroupUnit(workgroup=it_group, unit=int(it_unit["id"]), home=False,
                                             created_at=start)).run()
        await _members(it_group, [(it_chief, "admin")] if it_chief else [], start)
        await _page(it_group, 1, "Sådan får du hjælp", IT_HELP, it_chief, start)
        if it_chief:
            posts.append((it_chief, it_group, "Ny version af ESDH-systemet",
                          "Fredag efter kl. 16 opdaterer vi ESDH-systemet. Gem dit arbejde inden."))

        lawyer = await Membership.select(Membership.person).where(
            (Membership.person.title == "Jurist") & (Membership.unit.name == "Politik og analyse")
        ).first().run()
        gdpr_admin = int(lawyer["person"]) if lawyer else emails.get(ADMIN_EMAIL)
        gdpr = await _group(
            "GDPR", "Databeskyttelse i praksis: hvad må vi, hvad skal vi, og hvad gør du ved et brud?",
            kind="topic", visibility="open", unit=None, creator=gdpr_admin, at=start,
        )
        await _members(gdpr, ([(gdpr_admin, "admin")] if gdpr_admin else []) + gdpr_people, start)
        await _page(gdpr, 1, "Brud på persondatasikkerheden: sådan gør du", DATA_BREACH, gdpr_admin, start)
        await _page(gdpr, 2, "GDPR kort fortalt", GDPR_BASICS, gdpr_admin, start + datetime.timedelta(days=1))
        if ADMIN_EMAIL in emails:
            await Follower.insert(Follower(workgroup=gdpr, person=emails[ADMIN_EMAIL], created_at=start)).run()
        if gdpr_admin:
            posts.append((gdpr_admin, gdpr, "Husk: sikker mail til CPR-numre",
                          "Vi har set flere mails med CPR-numre sendt som almindelig mail. Brug sikker mail."))

        all_groups = [*local_ids, it_group, gdpr] + ([board] if board_district is not None else [])
        for group_id in all_groups:
            await index_group(group_id)

    for index, (author, group_id, title, body) in enumerate(posts):
        await create_post(intranet, author_id=author, title=title, body=body, audience=[f"group:{group_id}"],
                          published_at=now() - datetime.timedelta(hours=3 * (len(posts) - index)), announce=False)
    return [
        f"Workgroups: {len(districts)} district groups, a secret board in the editor's district, "
        "and the topic groups IT-systemer and GDPR at /groups",
    ]
