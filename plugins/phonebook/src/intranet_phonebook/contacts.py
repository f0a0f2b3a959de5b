"""External contacts: partners and suppliers, kept by the phonebook's administrators.

Every signed-in person may read and search them; holders of
``phonebook.manage_contacts`` add, change and remove them. Each change is
audited and rewrites the contact's search terms in the same transaction.
"""

from __future__ import annotations

from typing import Any

from piccolo.querystring import QueryString

from intranet_core.audit.service import record
from intranet_phonebook.index import now, reindex_contact
from intranet_phonebook.normalise import prefix_range, query_words
from intranet_phonebook.search import run_sql
from intranet_phonebook.tables import Contact

CATEGORIES = ("partner", "supplier", "other")
FIELDS = ("name", "organisation", "category", "title", "email", "phone", "mobile", "note")
MAX_LIMIT = 100


def category_labels() -> dict[str, str]:
    from intranet_core.i18n import gettext as _

    return {"partner": _("Partner"), "supplier": _("Supplier"), "other": _("Other")}


async def search_contacts(
    query: str, *, category: str | None = None, limit: int = 20, after: tuple[str, int] | None = None
) -> list[dict[str, Any]]:
    """Contacts matching every word (or all of them, by name, with no words), at most ``limit``.

    ``after`` is the ``(name, id)`` of the last contact of the previous page.
    """
    limit = max(1, min(limit, MAX_LIMIT))
    words = query_words(query)
    conditions: list[QueryString] = []
    for word in words:
        low, high = prefix_range(word)
        conditions.append(QueryString(
            "EXISTS (SELECT 1 FROM phonebook_contact_term AS t WHERE t.contact = c.id AND t.term >= {} "
            "AND t.term < {})", low, high,
        ))
    if category in CATEGORIES:
        conditions.append(QueryString("c.category = {}", category))
    if after is not None:
        conditions.append(QueryString("(c.name > {} OR (c.name = {} AND c.id > {}))", after[0], after[0], after[1]))
    where = QueryString(" AND ".join("{}" for _ in conditions), *conditions) if conditions else QueryString("1 = 1")
    return await run_sql(QueryString(
        "SELECT c.id AS id, c.name AS name, c.organisation AS organisation, c.category AS category, "
        "c.title AS title, c.email AS email, c.phone AS phone, c.mobile AS mobile "
        "FROM phonebook_contact AS c WHERE {} ORDER BY c.name, c.id LIMIT {}",
        where, limit,
    ))


async def get_contact(contact_id: int) -> dict[str, Any] | None:
    return await Contact.select().where(Contact.id == contact_id).first().run()


async def save_contact(
    intranet: Any, contact_id: int | None, values: dict[str, str], *, actor_id: int, ip: str = ""
) -> int | None:
    """Create (``contact_id`` None) or change a contact; ``None`` if the contact to change is gone."""
    data = {name: values.get(name, "") for name in FIELDS}
    async with intranet.db.transaction(write=True):
        if contact_id is None:
            columns: dict[Any, Any] = {getattr(Contact, k): v for k, v in data.items()}
            new = Contact({**columns, Contact.created_at: now(), Contact.updated_at: now()})
            rows = await Contact.insert(new).returning(
                Contact.id
            ).run()
            contact_id = int(rows[0]["id"])
            action = "phonebook.contact_create"
        else:
            current = await intranet.db.for_update(
                Contact.select(Contact.id).where(Contact.id == contact_id)
            ).first().run()
            if current is None:
                return None
            await Contact.update({**{getattr(Contact, k): v for k, v in data.items()},
                                  Contact.updated_at: now()}).where(Contact.id == contact_id).run()
            action = "phonebook.contact_update"
        await reindex_contact(intranet, contact_id)
        await record(action, actor_id=actor_id, target_type="phonebook_contact", target_id=contact_id,
                     details={"name": data["name"]}, ip=ip)
    return contact_id


async def delete_contact(intranet: Any, contact_id: int, *, actor_id: int, ip: str = "") -> bool:
    async with intranet.db.transaction(write=True):
        rows = await Contact.delete().where(Contact.id == contact_id).returning(Contact.id).run()
        if not rows:
            return False
        await record("phonebook.contact_delete", actor_id=actor_id, target_type="phonebook_contact",
                     target_id=contact_id, ip=ip)
    return True
