"""Demo data for the feed: a living month of news in the reference organisation.

About sixty posts over the last 30 days, in Danish: national news from the
leadership and the communication department to everyone, district news to
each district (the demo editor's district, Østjylland, gets the most, most
of them written by the editor), a few department notices, and one pinned,
important notice to everyone, "Ny procedure ved databrud", that most of the
staff have read and understood. Each post has been seen by part of its
audience; many have comments and reactions from colleagues who may see them.

Everything is drawn from a fixed seed and placed relative to now, so the feed
always looks current and two loads give the same feed. It is written in one
write transaction: the posts one insert each (their ids are needed) and
indexed for search, the rest in a few multi-row inserts. Comments are stored
as the feed stores them (an author's answer @mentions the first commenter);
nobody is notified, as for any import.

Needs the people demo (:mod:`intranet_core.people.demo`) loaded first; the
four demo accounts have seen nothing yet, so the notice still asks them to
acknowledge it.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from intranet_core.feed import mentions, service
from intranet_core.feed.tables import Acknowledgement, Post, PostAudience, PostComment, PostReaction, PostSeen
from intranet_core.markup import plain_text
from intranet_core.people import demo as people_demo
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.search import service as search

SEED = 30  # any fixed number: the same month of news on every load
DAYS = 30
BATCH = 500  # rows per multi-row insert (SQLite's limit on parameters per statement)

DEMO_ACCOUNTS = (people_demo.ADMIN_EMAIL, people_demo.EDITOR_EMAIL, people_demo.MEMBER_EMAIL,
                 people_demo.MEMBER2_EMAIL)


@dataclass(frozen=True)
class PostPlan:
    """A post to write: ``audience`` is ``"all"`` or a unit's name; ``author`` a role or an e-mail."""

    title: str
    body: str
    audience: str
    author: str
    days_ago: float
    important: bool = False
    pinned_days: int = 0
    acknowledged_share: float = 0.0


BREACH_NOTICE = PostPlan(
    title="Ny procedure ved databrud",
    body=(
        "Fra i dag gælder en **ny procedure**, hvis du opdager eller har mistanke om et brud på "
        "persondatasikkerheden — for eksempel en mail med medlemsoplysninger sendt til den forkerte, "
        "en bortkommen telefon eller et dokument delt med et link, alle kan åbne.\n\n"
        "Det skal du gøre:\n\n"
        "1. **Meld bruddet med det samme** til it-sikkerhed@example.org eller på telefon 33 14 50 60 — "
        "også uden for arbejdstid.\n"
        "2. Skriv kort, hvad der er sket, hvornår, og hvilke oplysninger det drejer sig om.\n"
        "3. Slet ikke noget, og forsøg ikke selv at rette op på det, før du har talt med os.\n\n"
        "Vi skal anmelde alvorlige brud til Datatilsynet inden for **72 timer**, så hver time tæller. "
        "Ingen får skæld ud for at melde et brud; det er kun et problem, hvis det ikke bliver meldt.\n\n"
        "Læs hele proceduren i [personalehåndbogen](https://example.org/haandbog/databrud), "
        "og bekræft nedenfor, at du har læst og forstået den."
    ),
    audience="all",
    author="director",
    days_ago=5.2,
    important=True,
    pinned_days=14,
    acknowledged_share=0.62,
)

NATIONAL: tuple[PostPlan, ...] = (
    PostPlan("Ny overenskomst er på plads",
             "Natten til i dag blev vi enige med arbejdsgiverne om en ny overenskomst. Den giver blandt andet:\n\n"
             "- lønstigninger på i alt **10,5 procent** over tre år\n"
             "- en ekstra feriefridag fra næste år\n"
             "- bedre vilkår for seniorer\n\n"
             "Medlemmerne stemmer om resultatet i de kommende uger. Tak til alle, der har arbejdet hårdt for det.",
             "all", "leader", 28.6),
    PostPlan("Velkommen til de nye kolleger i november",
             "Vi siger velkommen til fem nye kolleger, der er startet i denne måned, fordelt på hovedkontoret og "
             "distrikterne. Tag godt imod dem, og husk at invitere dem med til frokost.",
             "all", "communication", 26.3),
    PostPlan("Urafstemningen er i gang",
             "Fra i dag kan medlemmerne stemme om overenskomsten. **Hjælp gerne med at sprede budskabet** — jo "
             "flere der stemmer, jo stærkere står vi.\n\nMaterialer til opslagstavler og sociale medier ligger på "
             "[kampagnesiden](https://example.org/urafstemning).",
             "all", "communication", 23.4),
    PostPlan("Halvårsregnskabet: vi holder budgettet",
             "Halvårsregnskabet viser, at vi holder budgettet. Medlemstallet er steget med 1,8 procent siden "
             "nytår, og udgifterne til lokaler er faldet. Økonomiafdelingen gennemgår tallene på næste "
             "fællesmøde.",
             "all", "director", 21.3),
    PostPlan("Hjemmearbejde: nye retningslinjer",
             "Ledelsen og samarbejdsudvalget har aftalt nye retningslinjer for hjemmearbejde:\n\n"
             "1. Op til to dage om ugen efter aftale med din leder\n"
             "2. Telefontiden dækkes som hidtil\n"
             "3. Udstyr til hjemmearbejdspladsen bestilles hos IT\n\n"
             "De gælder fra 1. januar.",
             "all", "director", 18.4),
    PostPlan("Resultatet af urafstemningen",
             "Medlemmerne har sagt **ja** til den nye overenskomst med 78 procent af stemmerne, og "
             "stemmeprocenten var den højeste i ti år. Tak for den store indsats i distrikterne.",
             "all", "leader", 14.5),
    PostPlan("Trivselsmålingen: tak for jeres svar",
             "87 procent af jer svarede på årets trivselsmåling. Resultaterne for hele forbundet ligger klar, og "
             "hver afdeling får sine egne tal på et møde inden jul.",
             "all", "communication", 11.3),
    PostPlan("Nyt medlemssystem fra 1. marts",
             "Vi skifter medlemssystem til foråret. Alle, der arbejder med medlemssager, kommer på et "
             "halvdagskursus i januar eller februar. IT sender tilmelding ud i næste uge.",
             "all", "communication", 8.4),
    PostPlan("Julefrokost for hele forbundet",
             "Sæt kryds i kalenderen: **fredag den 12. december** holder vi julefrokost for hele forbundet i "
             "Odense. Der er bus fra alle distrikter. Tilmelding på "
             "[intranettet](https://example.org/julefrokost) senest den 1. december.",
             "all", "communication", 6.3),
    PostPlan("Kongressen næste år",
             "Hovedbestyrelsen har besluttet, at kongressen holdes i Aalborg i maj. Forslag til dagsordenen "
             "skal være sekretariatet i hænde senest 1. februar.",
             "all", "leader", 3.4),
    PostPlan("Kørselsgodtgørelse: nye satser fra januar",
             "Skatterådet har fastsat nye satser for kørselsgodtgørelse. De nye satser gælder fra 1. januar og "
             "er lagt ind i rejseafregningen.",
             "all", "communication", 1.3),
)

DEPARTMENTS: tuple[PostPlan, ...] = (
    PostPlan("Husk at registrere din ferie",
             "Ferieåret slutter snart. Registrér resterende ferie i HR-systemet **inden udgangen af måneden**, "
             "så vi kan planlægge bemandingen i december.",
             "HR", "HR", 19.5),
    PostPlan("Ny VPN-klient",
             "Vi opdaterer VPN-klienten på alle bærbare i næste uge. Lad din computer være tændt og forbundet "
             "natten til onsdag.",
             "IT", "IT", 9.4),
    PostPlan("Månedsafslutning",
             "Bilag for november skal være bogført senest den 5. Spørgsmål til controllerne.",
             "Økonomi", "Økonomi", 4.4),
)

# Local news for every district; {district} is filled in.
DISTRICT_NEWS: tuple[tuple[str, str], ...] = (
    ("Personalemøde torsdag i {district}",
     "Vi holder personalemøde torsdag kl. 9-11 på kontoret. På dagsordenen:\n\n"
     "- status på sagerne\n- ferieplan for julen\n- nyt fra hovedbestyrelsen\n\nDer er morgenmad fra kl. 8.30."),
    ("Juleferieplan for {district}",
     "Skriv dig på juleferieplanen **senest fredag**. Vi skal have mindst to på kontoret hver dag mellem jul og "
     "nytår."),
    ("Medlemsmøde om pension i {district}",
     "Vi holder medlemsmøde om pension den 3. december kl. 17. Fortæl gerne jeres medlemmer om det, og henvis "
     "til [tilmeldingen](https://example.org/medlemsmoede)."),
    ("Kaffe og kage fredag",
     "Vi fejrer, at sagsbunken er nede under hundrede. Kaffe og kage i køkkenet fredag kl. 14."),
    ("Nye kolleger i {district}",
     "Vi får to nye kolleger på kontoret fra næste måned: en faglig konsulent og en studentermedhjælper. "
     "Præsentation følger, når de er startet."),
    ("Husk at melde fravær",
     "Husk at skrive sygdom og fravær i kalenderen **inden kl. 8.30**, så telefonvagten kan planlægges. "
     "Det gælder også kurser og møder ude af huset."),
    ("Ny telefonvagt i {district}",
     "Fra næste uge deler vi telefonvagten i formiddag og eftermiddag. Planen hænger ved kaffemaskinen og "
     "ligger i den fælles kalender."),
)

# The demo editor's district gets more, most of it from the editor.
EAST_NEWS: tuple[PostPlan, ...] = (
    PostPlan("Velkommen til Emma i Forhandling",
             "Emma er startet som forhandlingskonsulent i teamet. Hun kommer fra en stilling som jurist i en "
             "kommune og skal især arbejde med overenskomstfortolkning.",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 27.3),
    PostPlan("Kontoret i Aarhus lukker tidligt fredag",
             "Kontoret lukker kl. 12 fredag på grund af vedligeholdelse af ventilationen. Telefonen stilles om "
             "til Midtjylland.",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 20.4),
    PostPlan("Tillidsrepræsentanter på kursus",
             "Tolv tillidsrepræsentanter fra distriktet er på grundkursus i denne uge. **Tak til alle, der tager "
             "deres sager imens.**",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 16.5),
    PostPlan("Status på sagerne i Østjylland",
             "Vi har afsluttet 214 sager i oktober, og ventetiden på rådgivning er nede på tre dage. Flot "
             "arbejde!\n\nI november prioriterer vi:\n\n1. afskedigelsessager\n2. arbejdsskader\n"
             "3. lønsager fra den nye overenskomst",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 12.4),
    PostPlan("Nyt mødelokale er klar",
             "Det gamle arkiv er blevet til mødelokalet *Marselis* med plads til otte og skærm på væggen. Det "
             "bookes i kalenderen som de andre lokaler.",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 7.3),
    PostPlan("Fælles frokost for distrikt og teams",
             "Fredag spiser vi sammen kl. 12 — distriktet, Rådgivning og Forhandling. Maden er bestilt; giv "
             "besked, hvis du ikke kommer.",
             people_demo.EDITOR_DISTRICT, "district", 2.4),
    PostPlan("Husk lønsedlen",
             "Lønsedlen for november ligger i e-Boks fra i morgen. Der er regulering efter den nye overenskomst "
             "med tilbagevirkende kraft.",
             people_demo.EDITOR_DISTRICT, people_demo.EDITOR_EMAIL, 0.3),
)

COMMENTS = (
    "Tak for info!", "Godt nyt 👍", "Super, tak.", "Hvornår kommer referatet?", "Jeg deltager gerne.",
    "Gælder det også for deltidsansatte?", "Kan vi få slides bagefter?", "Flot arbejde, alle sammen!",
    "Tak for en god og klar besked.", "Er der mulighed for at deltage online?", "Det glæder jeg mig til.",
    "Skal vi selv melde os til, eller gør lederen det?", "Endelig! 🎉", "Tusind tak for hjælpen i sidste uge.",
    "Hvem kan jeg spørge, hvis jeg er i tvivl?", "Rigtig godt initiativ.",
)
# The post's author answers the first comment, mentioning its writer.
ANSWERS = ("Godt spørgsmål — jeg vender tilbage i morgen.", "Ja, det gør det.", "Slides kommer på intranettet.",
           "Skriv til mig, så finder vi ud af det.")


def plans(districts: Sequence[str], rng: random.Random) -> list[PostPlan]:
    """Every post of the demo month, oldest first."""
    result = [BREACH_NOTICE, *NATIONAL, *DEPARTMENTS, *EAST_NEWS]
    for district in districts:
        count = 2 if district == people_demo.EDITOR_DISTRICT else 4
        for title, body in rng.sample(DISTRICT_NEWS, count):
            result.append(PostPlan(title.format(district=district), body.format(district=district), district,
                                   "district", round(rng.uniform(0.5, DAYS - 1), 2)))
    return sorted(result, key=lambda plan: -plan.days_ago)


def _working_hours(moment: datetime.datetime, rng: random.Random) -> datetime.datetime:
    """A time on a weekday between 7 and 15 UTC, not after ``moment``'s day."""
    day = moment
    while day.weekday() >= 5:
        day -= datetime.timedelta(days=1)
    at = day.replace(hour=rng.randint(7, 14), minute=rng.randrange(60), second=rng.randrange(60), microsecond=0)
    return at


async def _insert(table: Any, rows: list[Any]) -> None:
    for start in range(0, len(rows), BATCH):
        await table.insert(*rows[start:start + BATCH]).run()


async def load_feed_demo(intranet: Any, now: datetime.datetime | None = None) -> list[str]:
    """Write the demo month of news; returns the lines ``intranet demo`` prints."""
    moment = now or datetime.datetime.now(datetime.UTC)
    rng = random.Random(SEED)  # noqa: S311 - made-up demo data, not secrets

    people = await Person.select(Person.id, Person.email, Person.name, Person.title).where(
        Person.active == True  # noqa: E712 - SQL
    ).order_by(Person.id).run()
    if not people:
        return []
    by_email = {row["email"]: int(row["id"]) for row in people}
    names = {int(row["id"]): str(row["name"]) for row in people}
    everyone = sorted(by_email.values())
    units = {row["name"]: row for row in await Unit.select(Unit.id, Unit.name, Unit.path, Unit.kind).run()}
    memberships = await Membership.select(Membership.person, Membership.unit.path, Membership.unit.name,
                                          Membership.is_manager).run()

    def members(unit_name: str) -> list[int]:
        path = units[unit_name]["path"]
        return sorted({int(m["person"]) for m in memberships if str(m["unit.path"]).startswith(path)})

    def managers(unit_name: str) -> list[int]:
        return sorted(int(m["person"]) for m in memberships if m["unit.name"] == unit_name and m["is_manager"])

    def titled(title: str) -> int | None:
        return next((int(row["id"]) for row in people if row["title"] == title), None)

    demo_ids = {by_email[e] for e in DEMO_ACCOUNTS if e in by_email}
    leader = (managers("Ledelse") or everyone)[0] if "Ledelse" in units else everyone[0]
    director = titled("Direktør") or leader
    communication = members("Kommunikation") if "Kommunikation" in units else [leader]
    districts = sorted((name for name, row in units.items() if row["kind"] == "district"), key=lambda n: n)

    def author_of(plan: PostPlan) -> int:
        if plan.author == "leader":
            return leader
        if plan.author == "director":
            return director
        if plan.author == "communication":
            return rng.choice(communication)
        if plan.author in by_email:
            return by_email[plan.author]
        unit = plan.author if plan.author in units else plan.audience
        staff = managers(unit) + [p for p in members(unit) if p not in demo_ids]
        return rng.choice(staff[:3] or everyone)

    kinds = tuple(service.REACTIONS)
    counts = {"posts": 0, "comments": 0, "reactions": 0, "seen": 0}
    notice_acknowledged = notice_audience = 0
    async with intranet.db.transaction(write=True):
        audience_rows: list[Any] = []
        seen_rows: list[Any] = []
        acknowledgements: list[Any] = []
        comments: list[Any] = []
        reactions: list[Any] = []
        timeline = []
        for plan in plans(districts, rng):
            if plan.audience != "all" and plan.audience not in units:
                continue
            published = _working_hours(moment - datetime.timedelta(days=plan.days_ago), rng)
            if published > moment:
                published = moment - datetime.timedelta(minutes=rng.randint(5, 90))
            timeline.append((published, plan))
        # Oldest first, so that ids follow publication.
        for published, plan in sorted(timeline, key=lambda item: item[0]):
            author = author_of(plan)
            values: dict[str, Any] = {
                "author": author, "title": plan.title, "body": plan.body,
                "body_html": str(mentions.render_text(plan.body)),
                "important": plan.important, "published_at": published, "created_at": published,
                "pinned_until": moment + datetime.timedelta(days=plan.pinned_days) if plan.pinned_days else None,
            }
            values["announced_at"] = published  # so the scheduler does not announce the past again
            rows = await Post.insert(Post(**values)).returning(Post.id).run()
            post_id = int(rows[0]["id"])
            counts["posts"] += 1
            key = "all" if plan.audience == "all" else f"unit:{units[plan.audience]['id']}"
            audience_rows.append(PostAudience(post=post_id, key=key, published_at=published))
            # Found by search at once, as a published post is (the search index is written in this transaction).
            await search.index_document(kind=service.SEARCH_KIND, ref_id=post_id,
                                        title=plan.title or plain_text(plan.body, 80), body=plain_text(plan.body),
                                        audience=[key], url=f"/posts/{post_id}")
            audience = everyone if plan.audience == "all" else members(plan.audience)
            readers = [p for p in audience if p not in demo_ids and p != author]
            age = (moment - published).total_seconds()

            def after(publication: datetime.datetime = published, span: float = age) -> datetime.datetime:
                # Most reading happens soon after publication.
                return publication + datetime.timedelta(seconds=span * rng.random() ** 3)

            seen = rng.sample(readers, int(len(readers) * min(0.95, 0.35 + min(age / 86400, 10) * 0.06)))
            seen_rows += [PostSeen(post=post_id, person=p, at=after()) for p in seen]
            counts["seen"] += len(seen)
            if plan.important:
                acknowledged = rng.sample(seen, min(len(seen), int(len(readers) * plan.acknowledged_share)))
                acknowledgements += [Acknowledgement(post=post_id, person=p, at=after()) for p in acknowledged]
                notice_acknowledged, notice_audience = len(acknowledged), len(audience)
            if seen and rng.random() < 0.6:
                writers = rng.sample(seen, min(len(seen), rng.randint(1, 5)))
                written = sorted(after() for _ in writers)
                for writer, at in zip(writers, written, strict=True):
                    text = rng.choice(COMMENTS)
                    comments.append(PostComment(post=post_id, author=writer, body=text,
                                                  body_html=str(mentions.render_text(text)), created_at=at))
                if rng.random() < 0.3:
                    # The author answers the first comment, an @mention stored as the feed stores one.
                    mention = f"[@{mentions.escape_name(names[writers[0]])}](mention:{writers[0]})"
                    text = f"{mention} {rng.choice(ANSWERS)}"
                    at = min(moment, written[0] + datetime.timedelta(minutes=rng.randint(10, 180)))
                    comments.append(PostComment(post=post_id, author=author, body=text,
                                                  body_html=str(mentions.render_text(text)), created_at=at))
            if seen:
                share = 0.5 if plan.audience == "all" else 0.3
                for person in rng.sample(seen, int(len(seen) * share * rng.random())):
                    kind = kinds[0] if rng.random() < 0.7 else rng.choice(kinds)
                    reactions.append(PostReaction(post=post_id, person=person, kind=kind, at=after()))
        await _insert(PostAudience, audience_rows)
        await _insert(PostSeen, seen_rows)
        await _insert(Acknowledgement, acknowledgements)
        await _insert(PostComment, sorted(comments, key=lambda c: c.created_at))
        await _insert(PostReaction, reactions)
        counts["comments"], counts["reactions"] = len(comments), len(reactions)

    return [
        f"The feed: {counts['posts']} posts over the last {DAYS} days"
        f" with {counts['comments']} comments and {counts['reactions']} reactions"
        f"; the pinned notice \u201c{BREACH_NOTICE.title}\u201d is acknowledged by "
        f"{notice_acknowledged} of {notice_audience} people.",
    ]
