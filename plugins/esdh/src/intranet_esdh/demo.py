"""Demo data: shortcuts a Danish trade union's staff would use, for everyone, one district and the editors.

No document source is added: sources are settings (see the README). With one
configured, editors embed its documents from ``/esdh/pick``.
"""

from __future__ import annotations

from typing import Any

from intranet_esdh.tables import Shortcut, ShortcutAudience

SHORTCUTS = [
    ("Webmail", "https://outlook.office.com/mail/", "mail", "Din mail og kalender i browseren", ["all"]),
    ("Lønsedler og ferie", "https://www.silkeborgdata.dk/", "money", "Se lønsedler, ferie og afspadsering", ["all"]),
    ("WorkZone", "https://workzone.example.org/", "document", "Sager og dokumenter i ESDH", ["all"]),
    ("IT-hjælp", "https://hjaelp.example.org/", "help", "Meld fejl og bestil udstyr hos IT", ["all"]),
    ("Medlemssystemet", "https://medlem.example.org/", "people", "Opslag på medlemmer og kontingent", ["all"]),
    ("Tidsregistrering", "https://tid.example.org/", "clock", "Registrér timer og flekstid", ["all"]),
    ("Mødelokaler", "https://lokaler.example.org/", "calendar", "Book mødelokaler i huset", ["unit"]),
    ("Pressefotos", "https://foto.example.org/", "globe", "Billeder til nyheder og opslag", ["role:editor"]),
]


async def load(app: Any) -> list[str]:
    from intranet_core.people.tables import Unit

    # The district of the demo's editor and member, when the core's demo people are there; else any.
    district = await Unit.select(Unit.id, Unit.name).where(
        (Unit.kind == "district") & (Unit.name == "Østjylland")).first().run()
    if district is None:
        district = await Unit.select(Unit.id, Unit.name).where(Unit.kind == "district").order_by(Unit.id).first(
        ).run()
    async with app.db.transaction(write=True):
        for position, (name, url, icon, description, audience) in enumerate(SHORTCUTS):
            keys = [f"unit:{district['id']}" if key == "unit" and district else key for key in audience]
            keys = [key for key in keys if key != "unit"] or ["all"]
            inserted = await Shortcut.insert(Shortcut(name=name, url=url, icon=icon, description=description,
                                                      position=position)).run()
            await ShortcutAudience.insert(*[ShortcutAudience(shortcut=inserted[0]["id"], key=key)
                                            for key in keys]).run()
    where = f" (one for {district['name']} only)" if district else ""
    return [f"Shortcuts: {len(SHORTCUTS)} at /shortcuts{where}"]
