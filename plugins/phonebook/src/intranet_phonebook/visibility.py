"""Who may see which field of a person: one rule, written once, as SQL.

Each field a person may restrict (phone, mobile, office, working hours,
skills) has a level:

- ``0`` everyone: every signed-in person;
- ``1`` unit: the colleagues who share one of the person's units (a
  membership of the same unit, not of a unit above or below);
- ``2`` admins: holders of ``phonebook.see_restricted`` (everywhere).

A person always sees all of their own fields. Name, job title, units and the
work e-mail address are never restricted: they are how staff find each
other. The rule is applied inside every query that reads a field (search,
profile, vCard, API) by :func:`visible`, never by filtering afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.querystring import QueryString

from intranet_core.i18n import gettext as _
from intranet_core.permissions.service import may

EVERYONE, UNIT, ADMINS = 0, 1, 2
LEVELS = {"everyone": EVERYONE, "unit": UNIT, "admins": ADMINS}
NAMES = {level: name for name, level in LEVELS.items()}
FIELDS = ("phone", "mobile", "office", "hours", "skills")
SEE_RESTRICTED = "phonebook.see_restricted"


@dataclass(frozen=True)
class Viewer:
    """The signed-in person reading, and whether they see every field of everyone."""

    id: int
    sees_all: bool = False

    @property
    def max_level(self) -> int:
        return ADMINS if self.sees_all else EVERYONE


async def viewer_for(person_id: int) -> Viewer:
    return Viewer(id=person_id, sees_all=await may(person_id, SEE_RESTRICTED))


def visible(level: str, person: str, viewer: Viewer) -> QueryString:
    """SQL that is true when ``viewer`` may see a field at ``level`` of ``person`` (trusted column SQL).

    ``level`` and ``person`` are column expressions, never input.
    """
    return QueryString(
        f"({level} <= {{}} OR {person} = {{}} OR ({level} = 1 AND {person} IN ("  # noqa: S608 - trusted columns
        "SELECT vm2.person FROM membership AS vm1 JOIN membership AS vm2 ON vm2.unit = vm1.unit "
        "WHERE vm1.person = {})))",
        viewer.max_level, viewer.id, viewer.id,
    )


def level_labels() -> dict[int, str]:
    """Each level as the person choosing it reads it."""
    return {
        EVERYONE: _("Everyone"),
        UNIT: _("Colleagues in my units"),
        ADMINS: _("Only administrators"),
    }


def field_labels() -> dict[str, str]:
    return {
        "phone": _("Phone"),
        "mobile": _("Mobile"),
        "office": _("Office"),
        "hours": _("Working hours"),
        "skills": _("Ask me about"),
    }
