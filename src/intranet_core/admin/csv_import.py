"""Importing units and people from CSV files: check everything, then write all or nothing.

Two files, each optional, both read in one go so the people file may name
units the units file creates:

* units: ``key, name, kind, parent_key``
* people: ``email, name, title, phone, mobile, language, start_date,
  leaving_date, unit_key, unit_title, manager``

UTF-8 (a byte-order mark is fine), comma or semicolon, a header row first.
A ``key`` is the file's own name for a unit; ``parent_key`` and ``unit_key``
name a unit of the units file by its key, or an existing unit by its
number or its exact name. Only the required columns (``key`` and ``name``,
``email`` and ``name``) must be there; a missing column is left empty.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from intranet_core.admin.forms import PersonImportRow, UnitImportRow, leaving_date_problem
from intranet_core.audit.service import record
from intranet_core.forms import validate
from intranet_core.i18n import gettext as _
from intranet_core.people.service import get_person, normalise_email
from intranet_core.people.tables import Membership, Person, Unit
from intranet_core.plugins import gather

MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
UNIT_COLUMNS = ("key", "name", "kind", "parent_key")
PEOPLE_COLUMNS = ("email", "name", "title", "phone", "mobile", "language", "start_date", "leaving_date", "unit_key",
                  "unit_title", "manager")
_YES = frozenset({"yes", "y", "true", "1", "ja", "j", "x"})
_NO = frozenset({"", "no", "n", "false", "0", "nej"})


@dataclass
class Problem:
    file: str  # "units" or "people"
    line: int  # 1 is the header row; 0 is the file as a whole
    message: str


@dataclass
class UnitPlan:
    line: int
    key: str
    name: str
    kind: str
    parent_key: str = ""  # a key of this file, resolved when written
    parent_id: int | None = None  # an existing unit


@dataclass
class PersonPlan:
    line: int
    fields: dict[str, Any]
    unit_key: str = ""
    unit_id: int | None = None
    unit_title: str = ""
    manager: bool = False


@dataclass
class ImportPlan:
    units: list[UnitPlan] = field(default_factory=list)
    people: list[PersonPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ImportConflict(Exception):
    """The database changed between the check and the write; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("import conflict")
        self.problems = problems


def read_rows(data: bytes, label: str, columns: tuple[str, ...], required: tuple[str, ...],
              problems: list[Problem]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file as ``(line, {column: value})``; problems are appended."""
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(label, 0, _("The file is larger than %(size)d MB.")
                                % {"size": MAX_FILE_BYTES // (1024 * 1024)}))
        return []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(Problem(label, line, _("The file is not UTF-8 text. Save it as \"CSV UTF-8\" and try again.")))
        return []
    if not text.strip():
        problems.append(Problem(label, 0, _("The file is empty.")))
        return []
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
        unknown = [h for h in header if h not in columns]
        missing = [c for c in required if c not in header]
        twice = sorted({h for h in header if header.count(h) > 1 and h})
        if unknown:
            problems.append(Problem(label, 1, _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
                                    % {"columns": ", ".join(unknown), "expected": ", ".join(columns)}))
        if missing:
            problems.append(Problem(label, 1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)}))
        if twice:
            problems.append(Problem(label, 1, _("Columns given twice: %(columns)s.") % {"columns": ", ".join(twice)}))
        if unknown or missing or twice:
            return []
        line = reader.line_num + 1
        for values in reader:
            if len(rows) >= MAX_ROWS:
                problems.append(Problem(label, line, _("More than %(count)d rows: split the file.")
                                        % {"count": MAX_ROWS}))
                return []
            if any(v.strip() for v in values):
                if len(values) > len(header):
                    problems.append(Problem(label, line, _("More values than columns.")))
                else:
                    values += [""] * (len(header) - len(values))
                    rows.append((line, dict(zip(header, values, strict=True))))
            line = reader.line_num + 1
    except csv.Error:
        problems.append(Problem(label, reader.line_num or 1, _("The line cannot be read as CSV.")))
        return []
    if not rows:
        problems.append(Problem(label, 0, _("The file has no rows below the header.")))
    return rows


def _row_problems(label: str, line: int, errors: dict[str, str], problems: list[Problem]) -> None:
    for column, message in errors.items():
        problems.append(Problem(label, line, f"{column}: {message}"))


class _ExistingUnits:
    """Existing units found by number or by exact name (case ignored)."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.ids = {int(r["id"]) for r in rows}
        self.by_name: dict[str, list[int]] = {}
        for r in rows:
            self.by_name.setdefault(str(r["name"]).casefold(), []).append(int(r["id"]))

    def find(self, reference: str) -> tuple[int | None, str | None]:
        """``(unit id, None)``, or ``(None, why not)``."""
        if reference.isdigit() and int(reference) in self.ids:
            return int(reference), None
        found = self.by_name.get(reference.casefold(), [])
        if len(found) == 1:
            return found[0], None
        if len(found) > 1:
            return None, _("More than one unit is called \"%(name)s\": use its number instead.") % {"name": reference}
        return None, _("Unknown unit \"%(key)s\".") % {"key": reference}


async def plan_import(units_csv: bytes | None, people_csv: bytes | None, languages: list[str]) -> ImportPlan:
    """Check both files against each other and the database; write nothing."""
    plan = ImportPlan()
    problems = plan.problems
    existing = _ExistingUnits(await Unit.select(Unit.id, Unit.name).run())

    keys: dict[str, int] = {}  # casefolded key -> line
    if units_csv is not None:
        for line, row in read_rows(units_csv, "units", UNIT_COLUMNS, ("key", "name"), problems):
            raw = {k: v.strip() for k, v in row.items() if not (k == "kind" and not v.strip())}
            unit, errors = validate(UnitImportRow, raw)
            if unit is None:
                _row_problems("units", line, errors, problems)
                continue
            folded = unit.key.casefold()
            if folded in keys:
                problems.append(Problem("units", line, _("The key \"%(key)s\" is also on line %(line)d.")
                                        % {"key": unit.key, "line": keys[folded]}))
                continue
            keys[folded] = line
            plan.units.append(UnitPlan(line=line, key=unit.key, name=unit.name, kind=unit.kind,
                                       parent_key=unit.parent_key))
        file_keys = {u.key.casefold() for u in plan.units}
        for u in plan.units:
            if not u.parent_key or u.parent_key.casefold() in file_keys:
                continue
            u.parent_id, why = existing.find(u.parent_key)
            if why:
                problems.append(Problem("units", u.line, f"parent_key: {why}"))
        plan.units = _parents_first(plan.units, problems)
    file_keys = {u.key.casefold() for u in plan.units} | set(keys)

    if people_csv is not None:
        emails: dict[str, int] = {}
        for line, row in read_rows(people_csv, "people", PEOPLE_COLUMNS, ("email", "name"), problems):
            values: dict[str, Any] = {k: v.strip() for k, v in row.items()}
            for column in ("start_date", "leaving_date"):
                if values.get(column) == "":
                    values[column] = None
            person, errors = validate(PersonImportRow, values)
            if person is None:
                _row_problems("people", line, errors, problems)
                continue
            bad = False
            email = normalise_email(person.email)
            if email in emails:
                problems.append(Problem("people", line, _("The e-mail address %(email)s is also on line %(line)d.")
                                        % {"email": email, "line": emails[email]}))
                bad = True
            else:
                emails[email] = line
            if person.language and person.language not in languages:
                problems.append(Problem("people", line, _("language: use one of %(languages)s, or leave it empty.")
                                        % {"languages": ", ".join(languages)}))
                bad = True
            if (problem := leaving_date_problem(person.start_date, person.leaving_date)) is not None:
                problems.append(Problem("people", line, f"leaving_date: {problem}"))
                bad = True
            manager = person.manager.strip().lower()
            if manager not in _YES | _NO:
                problems.append(Problem("people", line, _("manager: write yes or no.")))
                bad = True
            unit_id: int | None = None
            if person.unit_key and person.unit_key.casefold() not in file_keys:
                unit_id, why = existing.find(person.unit_key)
                if why:
                    problems.append(Problem("people", line, f"unit_key: {why}"))
                    bad = True
            elif not person.unit_key and (manager in _YES or person.unit_title):
                problems.append(Problem("people", line, _("unit_key: a unit title or manager needs a unit.")))
                bad = True
            if bad:
                continue
            fields = {
                "email": email, "name": person.name, "title": person.title, "phone": person.phone,
                "mobile": person.mobile, "language": person.language or None, "start_date": person.start_date,
                "leaving_date": person.leaving_date,
            }
            plan.people.append(PersonPlan(line=line, fields=fields, unit_key=person.unit_key, unit_id=unit_id,
                                          unit_title=person.unit_title, manager=manager in _YES))
        for line, message in await _taken_emails(emails):
            problems.append(Problem("people", line, message))
    if units_csv is None and people_csv is None:
        problems.append(Problem("", 0, _("Choose a file to import.")))
    problems.sort(key=lambda p: (p.file != "units", p.line))
    return plan


def _parents_first(units: list[UnitPlan], problems: list[Problem]) -> list[UnitPlan]:
    """The file's units ordered so each parent comes before its children; cycles are problems."""
    by_key = {u.key.casefold(): u for u in units}
    ordered: list[UnitPlan] = []
    state: dict[str, str] = {}  # key -> "visiting" | "done"
    for unit in units:
        chain: list[UnitPlan] = []
        current: UnitPlan | None = unit
        while current is not None and state.get(current.key.casefold()) is None:
            state[current.key.casefold()] = "visiting"
            chain.append(current)
            parent = by_key.get(current.parent_key.casefold()) if current.parent_key else None
            if parent is not None and state.get(parent.key.casefold()) == "visiting":
                problems.append(Problem("units", current.line,
                                        _("parent_key: the unit \"%(key)s\" would end up below itself.")
                                        % {"key": current.key}))
                parent = None
            current = parent
        for item in reversed(chain):
            state[item.key.casefold()] = "done"
            ordered.append(item)
    return ordered


async def _taken_emails(emails: dict[str, int]) -> list[tuple[int, str]]:
    found: list[tuple[int, str]] = []
    addresses = sorted(emails)
    for start in range(0, len(addresses), 500):
        chunk = addresses[start:start + 500]
        for row in await Person.select(Person.email).where(Person.email.is_in(chunk)).run():
            email = str(row["email"])
            found.append((emails[email], _("Someone already has the e-mail address %(email)s.") % {"email": email}))
    return found


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


async def write_import(intranet: Any, plan: ImportPlan, *, actor_id: int | None, ip: str) -> tuple[int, int]:
    """Write a checked plan in one transaction; announce the new people after it commits.

    :raises ImportConflict: someone added one of the e-mail addresses meanwhile.
    """
    assert plan.ok
    person_ids: list[int] = []
    async with intranet.db.transaction(write=True):
        # Checked again inside the transaction: the database may have changed.
        taken = await _taken_emails({p.fields["email"]: p.line for p in plan.people})
        if taken:
            raise ImportConflict([Problem("people", line, message) for line, message in taken])
        created: dict[str, tuple[int, str]] = {}  # key -> (id, path)
        paths = {int(r["id"]): str(r["path"]) for r in await Unit.select(Unit.id, Unit.path).run()}
        for unit in plan.units:
            if unit.parent_id is not None:  # an existing unit
                if unit.parent_id not in paths:
                    raise ImportConflict([Problem("units", unit.line, _("The unit it names no longer exists."))])
                parent_id, parent_path = unit.parent_id, paths[unit.parent_id]
            elif unit.parent_key:  # one of this file's, created above
                parent_id, parent_path = created[unit.parent_key.casefold()]
            else:
                parent_id, parent_path = None, "/"
            rows = await Unit.insert(
                Unit(name=unit.name, kind=unit.kind, parent=parent_id, path="/", created_at=_now())
            ).returning(Unit.id).run()
            unit_id = int(rows[0]["id"])
            path = f"{parent_path}{unit_id}/"
            await Unit.update({Unit.path: path}).where(Unit.id == unit_id).run()
            created[unit.key.casefold()] = (unit_id, path)
            await record("unit.create", actor_id=actor_id, target_type="unit", target_id=unit_id,
                         details={"name": unit.name, "parent": parent_id, "import": True}, ip=ip)
        for person in plan.people:
            rows = await Person.insert(
                Person(**person.fields, active=True, created_at=_now(), updated_at=_now())
            ).returning(Person.id).run()
            person_id = int(rows[0]["id"])
            member_of = created[person.unit_key.casefold()][0] if person.unit_key.casefold() in created \
                else person.unit_id
            if member_of is not None and person.unit_id is not None and person.unit_id not in paths:
                raise ImportConflict([Problem("people", person.line, _("The unit it names no longer exists."))])
            if member_of is not None:
                await Membership.insert(Membership(
                    person=person_id, unit=member_of, title=person.unit_title or person.fields["title"],
                    is_primary=True, is_manager=person.manager,
                )).run()
            await record("person.create", actor_id=actor_id, target_type="person", target_id=person_id,
                         details={"email": person.fields["email"], "unit": member_of, "import": True}, ip=ip)
            person_ids.append(person_id)
        await record("admin.import", actor_id=actor_id, target_type="import",
                     details={"units": len(plan.units), "people": len(plan.people)}, ip=ip)
    await intranet.db.analyze()  # an import may multiply the rows the planner knows of
    for person_id in person_ids:
        info = await get_person(person_id)
        if info is not None:
            await gather(intranet.hook.person_created(app=intranet, person=info))
    return len(plan.units), len(plan.people)

