"""A person's data: one export of everything held about them, and erasure of a leaver.

Both go through the plugin hooks ``export_personal_data`` and
``erase_personal_data``; the core answers for its own tables in
:mod:`intranet_core.personal_data.core`. :func:`leftover_references` checks
the result of an erasure against every table of every registered plugin.
"""

from __future__ import annotations

import datetime
import inspect
from typing import Any, Literal, cast

from intranet_core import i18n
from intranet_core.audit.service import record
from intranet_core.audit.tables import AuditEntry
from intranet_core.i18n import gettext as _
from intranet_core.people.models import PersonInfo
from intranet_core.people.service import PersonError, get_person, set_active
from intranet_core.people.tables import Person
from intranet_core.personal_data.references import by_table, person_references
from intranet_core.search import service as search

EraseMode = Literal["anonymise", "delete_content"]
ERASE_MODES: tuple[EraseMode, ...] = ("anonymise", "delete_content")
EXPORT_FORMAT = "intranet-personal-data/1"

PERSON_SEARCH_KIND = "person"
CORE_PLUGIN = "core.personal_data"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def erased_name(intranet: Any) -> str:
    """The name an erased person keeps, in the site's language ("Former employee")."""
    token = i18n.set_language(intranet.settings.site.default_language)
    try:
        return _("Former employee")
    finally:
        i18n.reset_language(token)


def erased_email(person_id: int) -> str:
    """The address an erased person keeps: unique, and never delivered (``.invalid``)."""
    return f"erased-{person_id}@invalid"


async def _call_each(hook: Any, **kwargs: Any) -> list[tuple[str, Any]]:
    """Call each implementation of a may-be-async hook, keeping its plugin's name."""
    results = []
    for impl in reversed(hook.get_hookimpls()):
        result = impl.function(**{name: kwargs[name] for name in impl.argnames})
        if inspect.isawaitable(result):
            result = await result
        results.append((impl.plugin_name, result))
    return results


# --- export ------------------------------------------------------------------------


async def export_person(intranet: Any, person_id: int, *, actor_id: int | None, ip: str = "") -> dict[str, Any]:
    """Everything the site holds about a person, as one JSON-ready document; the export is audited.

    ``core`` holds what the core's own tables hold; ``plugins`` each other
    plugin's answer, by plugin name. Raises ``PersonError("not_found")``.
    """
    person = await get_person(person_id)
    if person is None:
        raise PersonError("not_found")
    core: dict[str, Any] = {}
    plugins: dict[str, Any] = {}
    for name, answer in await _call_each(intranet.hook.export_personal_data, app=intranet, person=person):
        if answer is None:
            continue
        if not isinstance(answer, dict):
            raise TypeError(f"plugin {name!r}: export_personal_data must return a dict or None")
        if name == CORE_PLUGIN:
            core = answer
        else:
            plugins[name] = answer
    await record("personal_data.export", actor_id=actor_id, target_type="person", target_id=person_id, ip=ip)
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now(),
        "site": intranet.settings.site.name,
        "person": {"id": person.id, "name": person.name, "email": person.email},
        "core": core,
        "plugins": dict(sorted(plugins.items())),
    }


# --- erasure -----------------------------------------------------------------------


def erase_mode(intranet: Any, mode: str | None) -> EraseMode:
    """``mode``, or the site's ``[personal_data] erase_mode``; raises ``ValueError`` for an unknown one."""
    chosen = mode or intranet.settings.personal_data.erase_mode
    if chosen not in ERASE_MODES:
        raise ValueError(f"mode: expected one of {', '.join(ERASE_MODES)}, got {chosen!r}")
    return cast(EraseMode, chosen)


async def erase_person(
    intranet: Any, person_id: int, *, actor_id: int | None, mode: str | None = None, ip: str = ""
) -> PersonInfo:
    """Erase or anonymise a person who has left; returns the person as stored afterwards.

    1. Deactivate them (if still active): every session and API token ends,
       ``person_deactivated`` is announced.
    2. In one write transaction: every plugin's ``erase_personal_data``
       (the core's own last), then the person's row is anonymised
       (:func:`erased_name`, :func:`erased_email`, no phone numbers, title,
       photo, language, dates or password), they leave search, and the
       erasure is audited with its mode only.

    :param mode: ``anonymise`` or ``delete_content``; default
        ``[personal_data] erase_mode``.
    :raises PersonError: ``not_found``, or ``self`` (nobody erases themselves).
    :raises ValueError: an unknown mode.
    """
    chosen = erase_mode(intranet, mode)
    if actor_id is not None and actor_id == person_id:
        raise PersonError("self")
    person = await get_person(person_id)
    if person is None:
        raise PersonError("not_found")
    if person.active:
        await set_active(intranet, person_id, False, actor_id=actor_id, ip=ip)
        person = await get_person(person_id)
        assert person is not None
    async with intranet.db.transaction(write=True):
        await _call_each(intranet.hook.erase_personal_data, app=intranet, person=person, mode=chosen)
        await Person.update({
            Person.name: erased_name(intranet),
            Person.email: erased_email(person_id),
            Person.title: "",
            Person.phone: "",
            Person.mobile: "",
            Person.photo: None,
            Person.language: None,
            Person.start_date: None,
            Person.leaving_date: None,
            Person.password_hash: None,
            Person.active: False,
            Person.updated_at: now(),
        }).where(Person.id == person_id).run()
        await search.remove_document(kind=PERSON_SEARCH_KIND, ref_id=person_id)
        await record("person.erase", actor_id=actor_id, target_type="person", target_id=person_id,
                     details={"mode": chosen}, ip=ip)
    erased = await get_person(person_id)
    assert erased is not None
    return erased


async def leftover_references(intranet: Any, person_id: int) -> dict[str, int]:
    """``{"table.column": rows}`` for every row of every registered table that still refers to the person.

    Empty after a complete erasure. Plugins' tests call it to prove that
    their ``erase_personal_data`` leaves nothing behind.
    """
    found: dict[str, int] = {}
    for table, refs in by_table(person_references(intranet)):
        if table is Person:
            continue
        for ref in refs:
            count = int(await table.count().where(ref.column == person_id).run())
            if count:
                found[ref.label] = count
    return found


def plugins_without_hooks(intranet: Any) -> dict[str, list[str]]:
    """Plugins (not built in) whose tables refer to people but that implement no personal-data hook.

    ``{plugin: ["table.column", ...]}``; the core answers for built-in plugins.
    """
    answering = {
        impl.plugin_name
        for hook in (intranet.hook.export_personal_data, intranet.hook.erase_personal_data)
        for impl in hook.get_hookimpls()
    }
    builtin = {info.name for info in intranet.plugins if info.builtin}
    missing: dict[str, list[str]] = {}
    for ref in person_references(intranet):
        if ref.plugin not in builtin and ref.plugin not in answering:
            missing.setdefault(ref.plugin, []).append(ref.label)
    return missing


# --- the audit log's retention -------------------------------------------------------


async def purge_audit_log(intranet: Any, *, at: datetime.datetime | None = None) -> int:
    """Delete audit entries older than ``[personal_data] audit_retention_days``; returns how many.

    0 days keeps every entry.
    """
    days = intranet.settings.personal_data.audit_retention_days
    if days <= 0:
        return 0
    cutoff = (at or now()) - datetime.timedelta(days=days)
    rows = await AuditEntry.delete().where(AuditEntry.at < cutoff).returning(AuditEntry.id).run()
    return len(rows)
