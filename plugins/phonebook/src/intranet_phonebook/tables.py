"""The phonebook's tables: what a person adds about themselves, the search index, external contacts.

The people themselves, their units and the core fields (name, title, e-mail,
phone, mobile) stay in the core's tables; the phonebook keeps only what it
adds, keyed by the person.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, OnDelete, Serial, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_core.uploads.tables import Upload


class Profile(Table, tablename="phonebook_profile"):
    """A person's extra fields, and who may see which of their fields (0 everyone, 1 unit, 2 admins)."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, unique=True)
    office = Varchar(length=200, default="")
    working_hours = Varchar(length=200, default="")
    phone_visibility = SmallInt(default=0)
    mobile_visibility = SmallInt(default=0)
    office_visibility = SmallInt(default=0)
    hours_visibility = SmallInt(default=0)
    skills_visibility = SmallInt(default=0)
    updated_at = Timestamptz()
    # The person's photo, if they gave one (the core's uploads keep the file).
    photo = ForeignKey(references=Upload, on_delete=OnDelete.set_null, null=True, default=None, index=True)


class Skill(Table, tablename="phonebook_skill"):
    """One "ask me about" topic of a person, in the order they gave them."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    label = Varchar(length=80)
    position = Integer(default=0)


class Term(Table, tablename="phonebook_term"):
    """The search index: one row per folded word a person is found by.

    ``kind`` ranks the hit (0 name, 1 title, 3 skill, 4 e-mail or office,
    5 phone) and ``level`` is the visibility of the field it came from, so a
    hidden number is never matched for someone who may not see it. Looked
    up by prefix (``term >= 'jen' AND term < 'jen\\U0010ffff'``) under an
    index in binary order (``COLLATE "C"`` on PostgreSQL).
    """

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    term = Varchar(length=64)
    kind = SmallInt(default=0)
    level = SmallInt(default=0)


class Contact(Table, tablename="phonebook_contact"):
    """An external contact (a partner, a supplier), kept by the phonebook's administrators.

    Who changed it is in the audit log, not here: the row holds no reference to staff.
    """

    id: Serial
    name = Varchar(length=200)
    organisation = Varchar(length=200, default="")
    category = Varchar(length=20, default="partner")
    title = Varchar(length=200, default="")
    email = Varchar(length=254, default="")
    phone = Varchar(length=50, default="")
    mobile = Varchar(length=50, default="")
    note = Text(default="")
    created_at = Timestamptz()
    updated_at = Timestamptz()


class ContactTerm(Table, tablename="phonebook_contact_term"):
    """The search index of external contacts (visible to every signed-in person)."""

    id: Serial
    contact = ForeignKey(references=Contact, on_delete=OnDelete.cascade, null=False)
    term = Varchar(length=64)
    kind = SmallInt(default=0)


class DirectoryLink(Table, tablename="phonebook_directory_link"):
    """A person fed in by a directory source (SCIM, LDAP): the source's own id for them."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    source = Varchar(length=50)
    external_id = Varchar(length=200)
    synced_at = Timestamptz()
