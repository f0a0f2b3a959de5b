"""The audit log page: who did what to whom, and when, for those who may read it.

Newest first, filtered by action, actor, target and a date range (UTC), and
paged by keyset on the entry id (never OFFSET), so the thousandth page costs
what the first does. Reading the log is itself recorded, with the criteria.
"""

from __future__ import annotations

import datetime
import json
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Request, get
from litestar.response import Template
from piccolo.columns.combination import Combinable

from intranet_core.audit.service import client_ip, record
from intranet_core.audit.tables import AuditEntry
from intranet_core.auth.guards import requires_permission
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.tables import Person

PAGE_SIZE = 50
NO_STORE = {"Cache-Control": "no-store"}
_MAX_LENGTHS = {"action": 100, "target_type": 50, "target_id": 100}


class AuditFilters(msgspec.Struct, frozen=True, kw_only=True):
    """The criteria of one look at the log; empty means "any"."""

    action: str = ""
    actor: int | None = None
    target_type: str = ""
    target_id: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None

    def query_params(self) -> dict[str, str]:
        """The filters as they appear in a link (only those that are set)."""
        values = {
            "action": self.action,
            "actor": "" if self.actor is None else str(self.actor),
            "target_type": self.target_type,
            "target_id": self.target_id,
            "since": self.since.isoformat() if self.since else "",
            "until": self.until.isoformat() if self.until else "",
        }
        return {key: value for key, value in values.items() if value}

    def clauses(self) -> list[Combinable]:
        clauses: list[Combinable] = []
        if self.action:
            clauses.append(AuditEntry.action == self.action)
        if self.actor is not None:
            clauses.append(AuditEntry.actor_id == self.actor)
        if self.target_type:
            clauses.append(AuditEntry.target_type == self.target_type)
        if self.target_id:
            clauses.append(AuditEntry.target_id == self.target_id)
        if self.since:
            clauses.append(AuditEntry.at >= _start_of(self.since))
        if self.until:
            # The whole of the last day, in UTC.
            clauses.append(AuditEntry.at < _start_of(self.until + datetime.timedelta(days=1)))
        return clauses


def _start_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=datetime.UTC)


def _whole_number(raw: str) -> int | None:
    """A positive whole number from a query parameter, or ``None``."""
    raw = raw.strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        return None
    return int(raw)


def parse_filters(params: Any) -> tuple[AuditFilters, int | None, int | None, list[str]]:
    """The filters and page cursors (``before``, ``after``) from the query string, and any errors."""
    errors: list[str] = []
    text = {key: str(params.get(key, "")).strip()[:limit] for key, limit in _MAX_LENGTHS.items()}

    actor: int | None = None
    raw_actor = str(params.get("actor", "")).strip()
    if raw_actor:
        actor = _whole_number(raw_actor)
        if actor is None:
            errors.append(_("The person id must be a whole number."))

    dates: dict[str, datetime.date | None] = {"since": None, "until": None}
    for key in dates:
        raw = str(params.get(key, "")).strip()
        if raw:
            try:
                dates[key] = datetime.date.fromisoformat(raw)
            except ValueError:
                errors.append(_("Dates must be written as YYYY-MM-DD."))
    since, until = dates["since"], dates["until"]
    if since and until and since > until:
        errors.append(_("The start date is after the end date."))

    cursors: dict[str, int | None] = {"before": None, "after": None}
    for key in cursors:
        raw = str(params.get(key, "")).strip()
        if raw:
            cursors[key] = _whole_number(raw)
            if cursors[key] is None:
                errors.append(_("The page link is not valid."))

    filters = AuditFilters(actor=actor, since=since, until=until, **text)
    return filters, cursors["before"], cursors["after"], sorted(set(errors), key=errors.index)


async def fetch_page(
    filters: AuditFilters, *, before: int | None = None, after: int | None = None, page_size: int = PAGE_SIZE
) -> tuple[list[dict[str, Any]], bool, bool]:
    """One page of entries, newest first, and whether older and newer entries exist.

    ``before`` gives the page below an id (older), ``after`` the page above it
    (newer); both are keyset cursors on the primary key.
    """
    clauses = filters.clauses()
    query = AuditEntry.select()
    if after is not None:
        query = query.where(*clauses, AuditEntry.id > after).order_by(AuditEntry.id, ascending=True)
    elif before is not None:
        query = query.where(*clauses, AuditEntry.id < before).order_by(AuditEntry.id, ascending=False)
    else:
        query = (query.where(*clauses) if clauses else query).order_by(AuditEntry.id, ascending=False)
    rows: list[dict[str, Any]] = await query.limit(page_size + 1).run()
    more = len(rows) > page_size
    rows = rows[:page_size]
    if after is not None:
        rows.reverse()
    if not rows:
        return [], False, False
    newest, oldest = rows[0]["id"], rows[-1]["id"]
    if after is not None:
        has_newer = more
        has_older = bool(await AuditEntry.exists().where(*clauses, AuditEntry.id < oldest).run())
    else:
        has_older = more
        has_newer = before is not None and bool(
            await AuditEntry.exists().where(*clauses, AuditEntry.id > newest).run()
        )
    return rows, has_older, has_newer


def _utc(moment: datetime.datetime) -> datetime.datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _details(raw: str) -> list[tuple[str, str]]:
    """The JSON details as (key, value) pairs for display; anything else as one value."""
    try:
        value = json.loads(raw or "{}")
    except ValueError:
        return [("", raw)]
    if isinstance(value, dict):
        return [
            (str(key), item if isinstance(item, str) else json.dumps(item, ensure_ascii=False))
            for key, item in value.items()
        ]
    return [("", json.dumps(value, ensure_ascii=False))]


def _link(filters: AuditFilters, **extra: Any) -> str:
    params = {**filters.query_params(), **{k: str(v) for k, v in extra.items() if v is not None}}
    return "/audit" + (f"?{urlencode(params)}" if params else "")


async def _names(person_ids: set[int]) -> dict[int, str]:
    if not person_ids:
        return {}
    rows = await Person.select(Person.id, Person.name).where(Person.id.is_in(sorted(person_ids))).run()
    return {int(row["id"]): str(row["name"]) for row in rows}


async def _entries_for_display(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    people: set[int] = {int(row["actor_id"]) for row in rows if row["actor_id"] is not None}
    for row in rows:
        if row["target_type"] == "person" and row["target_id"].isdigit():
            people.add(int(row["target_id"]))
    names = await _names(people)
    entries = []
    for row in rows:
        at = _utc(row["at"])
        actor_id = row["actor_id"]
        target_name = None
        if row["target_type"] == "person" and row["target_id"].isdigit():
            target_name = names.get(int(row["target_id"]))
        entries.append({
            "id": row["id"],
            "at_iso": at.isoformat(),
            "at_text": at.strftime("%Y-%m-%d %H:%M:%S"),
            "actor_id": actor_id,
            "actor_name": names.get(int(actor_id)) if actor_id is not None else None,
            "actor_href": f"/audit?{urlencode({'actor': actor_id})}" if actor_id is not None else None,
            "action": row["action"],
            "action_href": f"/audit?{urlencode({'action': row['action']})}",
            "target_type": row["target_type"],
            "target_id": row["target_id"],
            "target_name": target_name,
            "target_href": f"/audit?{urlencode({'target_type': row['target_type'], 'target_id': row['target_id']})}"
            if row["target_type"] or row["target_id"] else None,
            "details": _details(row["details"]),
            "ip": row["ip"],
        })
    return entries


@get("/audit", name="audit_log", include_in_schema=False, guards=[requires_permission("audit.view")])
async def audit_page(request: Request[Any, Any, Any]) -> Template:
    filters, before, after, errors = parse_filters(request.query_params)
    rows: list[dict[str, Any]] = []
    has_older = has_newer = False
    if not errors:
        rows, has_older, has_newer = await fetch_page(filters, before=before, after=after)
        user = request.user
        criteria = {**filters.query_params(), **({"before": before} if before else {}),
                    **({"after": after} if after else {})}
        # Reading the log is a look-up of personal data: it is logged too, with what was asked.
        target_type, target_id = (
            ("person", filters.actor) if filters.actor is not None else (filters.target_type, filters.target_id)
        )
        await record("audit.view", actor_id=user.id, target_type=target_type,
                     target_id="" if target_id is None else target_id, details=criteria, ip=client_ip(request))
    entries = await _entries_for_display(rows)
    context = await page_context(
        request,
        title=_("Audit log"),
        filters=filters,
        errors=errors,
        entries=entries,
        older_href=_link(filters, before=entries[-1]["id"]) if has_older else None,
        newer_href=_link(filters, after=entries[0]["id"]) if has_newer else None,
        newest_href=_link(filters) if (before is not None or after is not None) else None,
        filtered=bool(filters.query_params()),
    )
    return Template("audit/log.html", context=context, status_code=400 if errors else 200, headers=NO_STORE)
