"""The CSV import page: check (a dry run) or import, all or nothing."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.response import Template

from intranet_core.admin.common import MANAGE, actor, deny, render
from intranet_core.admin.csv_import import (
    MAX_FILE_BYTES,
    PEOPLE_COLUMNS,
    UNIT_COLUMNS,
    ImportConflict,
    Problem,
    plan_import,
    write_import,
)
from intranet_core.admin.forms import ImportForm
from intranet_core.audit.service import client_ip
from intranet_core.forms import read_form, validate
from intranet_core.i18n import gettext as _
from intranet_core.permissions.service import may

# Both files, the form's other fields and multipart overhead.
MAX_BODY_BYTES = 2 * MAX_FILE_BYTES + 64 * 1024


async def _require_global_manager(request: Request[Any, Any, Any]) -> None:
    if not await may(actor(request).id, MANAGE):
        raise await deny(request, "import")


async def _page(request: Request[Any, Any, Any], *, status: int = 200, **context: Any) -> Template:
    context.setdefault("problems", None)
    return await render(
        request, "admin/import.html", title=_("Import from CSV"), status=status, unit_columns=UNIT_COLUMNS,
        people_columns=PEOPLE_COLUMNS, max_mb=MAX_FILE_BYTES // (1024 * 1024), **context,
    )


@get("/import", name="admin_import", include_in_schema=False)
async def import_page(request: Request[Any, Any, Any]) -> Template:
    await _require_global_manager(request)
    return await _page(request)


async def _file(form: Any, name: str, problems: list[Problem], label: str) -> bytes | None:
    upload = form.get(name)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        problems.append(Problem(label, 0, _("The file is larger than %(size)d MB.")
                                % {"size": MAX_FILE_BYTES // (1024 * 1024)}))
        return None
    return bytes(data)


@post("/import", name="admin_import_run", include_in_schema=False, status_code=200,
      request_max_body_size=MAX_BODY_BYTES)
async def import_run(request: Request[Any, Any, Any]) -> Template:
    await _require_global_manager(request)
    user = actor(request)
    intranet = request.app.state.intranet
    form = await request.form()
    choice, _errors = validate(ImportForm, read_form(form, ImportForm))
    dry_run = choice is None or choice.action != "import"
    too_big: list[Problem] = []
    units_csv = await _file(form, "units_file", too_big, "units")
    people_csv = await _file(form, "people_file", too_big, "people")
    plan = await plan_import(units_csv, people_csv, list(intranet.settings.site.languages))
    problems = sorted(too_big + plan.problems, key=lambda p: (p.file != "units", p.line))
    summary = {"units": len(plan.units), "people": len(plan.people)}
    if problems:
        return await _page(request, status=200 if dry_run else 400, problems=problems, summary=summary,
                           dry_run=dry_run)
    if dry_run:
        return await _page(request, problems=[], summary=summary, dry_run=True)
    try:
        units, people = await write_import(intranet, plan, actor_id=user.id, ip=client_ip(request))
    except ImportConflict as exc:
        return await _page(request, status=409, problems=exc.problems, summary=summary, dry_run=False)
    return await _page(request, problems=[], summary={"units": units, "people": people}, dry_run=False,
                       imported=True)
