"""vCard 4.0 (RFC 6350): a person, a unit's people, an external contact, as address books read them.

Only what the reader may see goes in: the cards are written from
:class:`intranet_phonebook.profiles.Details`, which the visibility rule has
already trimmed in the query.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from intranet_core.people.profile import tel_uri
from intranet_phonebook.normalise import fold as fold_text

MEDIA_TYPE = "text/vcard; charset=utf-8"
# RFC 6350 3.2: lines longer than 75 octets are folded.
FOLD_OCTETS = 75
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")
UID_NAMESPACE = uuid.UUID("6f0d8d1e-1c3a-4f4e-9b6f-3f0c4a7e2b11")


def escape(value: str) -> str:
    """A text value (RFC 6350 3.4): backslash, comma, semicolon and newlines escaped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n"))


def fold(line: str) -> str:
    """A content line folded at 75 octets, never inside a UTF-8 character (RFC 6350 3.2)."""
    encoded = line.encode("utf-8")
    if len(encoded) <= FOLD_OCTETS:
        return line
    parts: list[str] = []
    current = ""
    size = 0
    limit = FOLD_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size = "", 0
            limit = FOLD_OCTETS - 1  # the leading space of a continuation line counts
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def _name_parts(name: str) -> tuple[str, str]:
    """(family, given): the last word is taken as the family name, as Danish names are written."""
    words = name.split()
    if len(words) < 2:
        return name, ""
    return words[-1], " ".join(words[:-1])


def card(
    *, uid: str, name: str, title: str = "", email: str = "", phone: str = "", mobile: str = "",
    organisation: Sequence[str] = (), note: str = "", expertise: Iterable[str] = (), kind: str = "individual",
    country_code: str = "", revision: datetime.datetime | None = None, url: str = "",
) -> str:
    """One vCard, lines ending CRLF."""
    family, given = _name_parts(name)
    lines = [
        "BEGIN:VCARD",
        "VERSION:4.0",
        f"KIND:{kind}",
        f"UID:{uid}",
        f"FN:{escape(name)}",
        f"N:{escape(family)};{escape(given)};;;",
    ]
    if organisation:
        lines.append("ORG:" + ";".join(escape(part) for part in organisation if part))
    if title:
        lines.append(f"TITLE:{escape(title)}")
    if email:
        lines.append(f"EMAIL;TYPE=work:{escape(email)}")
    for number, types in ((phone, "work,voice"), (mobile, "cell,voice")):
        uri = tel_uri(number, country_code) if number else ""
        if uri:
            lines.append(f'TEL;VALUE=uri;TYPE="{types}":{uri}')
    for topic in expertise:
        # RFC 6715 (vCard extensions for the OMA CAB): what the person knows about.
        lines.append(f"EXPERTISE:{escape(topic)}")
    if note:
        lines.append(f"NOTE:{escape(note)}")
    if url:
        lines.append(f"URL:{url}")
    stamp = (revision or datetime.datetime.now(datetime.UTC)).astimezone(datetime.UTC)
    lines.append("REV:" + stamp.strftime("%Y%m%dT%H%M%SZ"))
    lines.append("END:VCARD")
    return "".join(fold(line) + "\r\n" for line in lines)


def person_uid(site: str, person_id: int) -> str:
    """The same person always gets the same UID on one site, so an address book updates the card."""
    return "urn:uuid:" + str(uuid.uuid5(UID_NAMESPACE, f"{site}/person/{person_id}"))


def contact_uid(site: str, contact_id: int) -> str:
    return "urn:uuid:" + str(uuid.uuid5(UID_NAMESPACE, f"{site}/contact/{contact_id}"))


def person_card(shown: Any, *, site: str, organisation: Sequence[str], country_code: str, labels: dict[str, str],
                base_url: str = "") -> str:
    """A person's card from what the reader may see of them."""
    notes = [f"{labels['office']}: {shown.office}" if shown.office else "",
             f"{labels['hours']}: {shown.working_hours}" if shown.working_hours else ""]
    return card(
        uid=person_uid(site, shown.id), name=shown.name, title=shown.title, email=shown.email, phone=shown.phone,
        mobile=shown.mobile, organisation=organisation, note="\n".join(n for n in notes if n),
        expertise=shown.skills, country_code=country_code,
        url=f"{base_url.rstrip('/')}/people/{shown.id}" if base_url else "",
    )


def contact_card(contact: dict[str, Any], *, site: str, country_code: str) -> str:
    return card(
        uid=contact_uid(site, int(contact["id"])), name=contact["name"], title=contact.get("title") or "",
        email=contact.get("email") or "", phone=contact.get("phone") or "", mobile=contact.get("mobile") or "",
        organisation=[contact["organisation"]] if contact.get("organisation") else (),
        note=contact.get("note") or "", country_code=country_code,
    )


def filename(name: str) -> str:
    """A download name made of safe characters only: ``"Søren Ærø"`` -> ``"soeren-aeroe.vcf"``."""
    ascii_name = fold_text(name).encode("ascii", "ignore").decode()
    stem = _UNSAFE_FILENAME.sub("-", ascii_name).strip("-.")[:60] or "contact"
    return f"{stem}.vcf"
