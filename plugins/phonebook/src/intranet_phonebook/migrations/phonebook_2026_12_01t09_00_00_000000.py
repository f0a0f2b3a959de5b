"""The phonebook: profiles, skills, the search index, external contacts, directory links."""

from piccolo.columns import ForeignKey, Integer, OnDelete, SmallInt, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-12-01T09:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


# Frozen copies of the tables as this migration creates them.
class Person(Table, tablename="person"):
    pass


class Profile(Table, tablename="phonebook_profile"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, unique=True)
    office = Varchar(length=200, default="")
    working_hours = Varchar(length=200, default="")
    phone_visibility = SmallInt(default=0)
    mobile_visibility = SmallInt(default=0)
    office_visibility = SmallInt(default=0)
    hours_visibility = SmallInt(default=0)
    skills_visibility = SmallInt(default=0)
    updated_at = Timestamptz()


class Skill(Table, tablename="phonebook_skill"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    label = Varchar(length=80)
    position = Integer(default=0)


class Term(Table, tablename="phonebook_term"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    term = Varchar(length=64)
    kind = SmallInt(default=0)
    level = SmallInt(default=0)


class Contact(Table, tablename="phonebook_contact"):
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
    contact = ForeignKey(references=Contact, on_delete=OnDelete.cascade, null=False)
    term = Varchar(length=64)
    kind = SmallInt(default=0)


class DirectoryLink(Table, tablename="phonebook_directory_link"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False, index=True)
    source = Varchar(length=50)
    external_id = Varchar(length=200)
    synced_at = Timestamptz()


# Terms are looked up by prefix as a range, which needs the index in binary
# order whatever the database's collation (a Danish one sorts "aa" after "z").
POSTGRES_STATEMENTS = [
    'ALTER TABLE phonebook_term ALTER COLUMN term TYPE varchar(64) COLLATE "C"',
    'ALTER TABLE phonebook_contact_term ALTER COLUMN term TYPE varchar(64) COLLATE "C"',
]
# (term, level, person, kind): a prefix look-up reads the index alone.
# (person, term): "does this person also match the next word", and the
# foreign key's index.
STATEMENTS = [
    "CREATE INDEX phonebook_term_lookup ON phonebook_term (term, level, person, kind)",
    "CREATE INDEX phonebook_term_person ON phonebook_term (person, term)",
    "CREATE INDEX phonebook_contact_term_lookup ON phonebook_contact_term (term, contact, kind)",
    "CREATE INDEX phonebook_contact_term_contact ON phonebook_contact_term (contact)",
    "CREATE INDEX phonebook_contact_name ON phonebook_contact (name)",
    "CREATE UNIQUE INDEX phonebook_directory_link_source ON phonebook_directory_link (source, external_id)",
]


async def forwards():
    return tables_migration(
        ID, "phonebook", DESCRIPTION, [Profile, Skill, Term, Contact, ContactTerm, DirectoryLink],
        [*({"postgres": sql} for sql in POSTGRES_STATEMENTS), *STATEMENTS],
    )
