"""Finding every table that refers to a person, whichever plugin declared it.

Nothing here is a table of its own: the personal-data feature works on the
tables of every registered Piccolo app, found through their foreign keys.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from piccolo.columns import Column, ForeignKey
from piccolo.table import Table

from intranet_core.people.tables import Person
from intranet_core.plugins import call_per_plugin

# Column names whose values are never exported, whatever table they are in.
SECRET_WORDS = ("password", "hash", "token", "secret")


@dataclass(frozen=True)
class PersonReference:
    """A foreign-key column that refers to the person table: ``post.author``."""

    table: type[Table]
    column: ForeignKey[Any]
    plugin: str

    @property
    def label(self) -> str:
        return f"{self.table._meta.tablename}.{self.column._meta.db_column_name}"

    @property
    def nullable(self) -> bool:
        return bool(self.column._meta.null)


def refers_to_person(column: Column) -> bool:
    if not isinstance(column, ForeignKey):
        return False
    target = column._foreign_key_meta.resolved_references
    return target._meta.tablename == Person._meta.tablename


def is_secret(column: Column) -> bool:
    name = column._meta.db_column_name.lower()
    return any(word in name for word in SECRET_WORDS)


def tables_by_plugin(intranet: Any) -> dict[type[Table], str]:
    """Each table of every registered Piccolo app, mapped to the plugin that registered it."""
    owner: dict[type[Table], str] = {}
    for name, apps in call_per_plugin(intranet.hook.register_piccolo_apps, app=intranet):
        for app in apps:
            for table in app.table_classes:
                owner.setdefault(table, name)
    # Apps bound another way (tests binding an app directly) still count.
    for app in intranet.db.apps:
        for table in app.table_classes:
            owner.setdefault(table, "?")
    return owner


def person_references(intranet: Any) -> list[PersonReference]:
    """Every foreign key to ``person`` in every registered table, sorted by table and column."""
    found = [
        PersonReference(table, column, plugin)
        for table, plugin in tables_by_plugin(intranet).items()
        for column in table._meta.foreign_key_columns
        if refers_to_person(column)
    ]
    return sorted(found, key=lambda ref: ref.label)


def by_table(references: list[PersonReference]) -> Iterator[tuple[type[Table], list[PersonReference]]]:
    tables: dict[type[Table], list[PersonReference]] = {}
    for ref in references:
        tables.setdefault(ref.table, []).append(ref)
    yield from tables.items()
