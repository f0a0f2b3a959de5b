"""A group's pages: reading, writing, history with differences, restoring, ordering."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.forms import posted_form
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_workgroups import web
from intranet_workgroups.groups.service import Access
from intranet_workgroups.pages import service
from intranet_workgroups.pages.service import PageError
from intranet_workgroups.pages.tables import BODY_MAX, TITLE_MAX
from intranet_workgroups.web import NO_STORE


async def _page(group_id: int, page_id: int) -> dict[str, Any]:
    found = await service.get_page(group_id, page_id)
    if found is None:
        raise NotFoundException()
    return found


async def _editor(request: Request[Any, Any, Any], access: Access, page: dict[str, Any] | None, *,
                  values: dict[str, Any], errors: list[str] | None = None, status_code: int = 200) -> Template:
    return Template(
        "workgroups/page_edit.html",
        context=await page_context(
            request, title=_("Edit page") if page else _("New page"), access=access, g=access.group, page=page,
            values=values, errors=errors or [], title_max=TITLE_MAX, body_max=BODY_MAX,
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/{group_id:int}/pages/new", name="workgroups:page_new", guards=[requires_login],
     include_in_schema=False)
async def new_page(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template:
    access = await web.as_member(request, group_id)
    return await _editor(request, access, None, values={"title": "", "body": ""})


@post("/groups/{group_id:int}/pages", name="workgroups:page_create", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def create_page(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_member(request, group_id)
    form = await posted_form(request, {"title", "body"})
    values = {"title": web.field(form, "title"), "body": str(form.get("body", ""))}
    try:
        page_id = await service.create_page(request.app.state.intranet, group_id, author_id=request.user.id,
                                            title=values["title"], body=values["body"])
    except PageError as exc:
        return await _editor(request, access, None, values=values, errors=[web.message(exc.code)], status_code=400)
    return Redirect(service.page_url(group_id, page_id), status_code=303)


@get("/groups/{group_id:int}/pages/{page_id:int}", name="workgroups:page", guards=[requires_login],
     include_in_schema=False)
async def page_view(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int]) -> Template:
    access = await web.readable(request, group_id)
    page = await _page(group_id, page_id)
    return Template(
        "workgroups/page.html",
        context=await page_context(request, title=page["title"], access=access, g=access.group, page=page,
                                   pages=await service.pages_of(group_id)),
        headers=NO_STORE,
    )


@get("/groups/{group_id:int}/pages/{page_id:int}/edit", name="workgroups:page_edit", guards=[requires_login],
     include_in_schema=False)
async def edit_page_form(request: Request[Any, Any, Any], group_id: FromPath[int],
                         page_id: FromPath[int]) -> Template:
    access = await web.as_member(request, group_id)
    page = await _page(group_id, page_id)
    return await _editor(request, access, page,
                         values={"title": page["title"], "body": page["body"], "revision": page["revision"]})


@post("/groups/{group_id:int}/pages/{page_id:int}/edit", name="workgroups:page_save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def save_page(request: Request[Any, Any, Any], group_id: FromPath[int],
                    page_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_member(request, group_id)
    page = await _page(group_id, page_id)
    form = await posted_form(request, {"title", "body", "revision"})
    base = web.int_or_none(web.field(form, "revision"))
    title, body = web.field(form, "title"), str(form.get("body", ""))
    values: dict[str, Any] = {"title": title, "body": body, "revision": base}
    try:
        await service.edit_page(request.app.state.intranet, group_id, page_id, author_id=request.user.id,
                                title=title, body=body, base_revision=base)
    except PageError as exc:
        if exc.code == "gone":
            raise NotFoundException() from None
        if exc.code == "conflict":
            page = await _page(group_id, page_id)
            values["revision"] = page["revision"]
        return await _editor(request, access, page, values=values, errors=[web.message(exc.code)], status_code=400)
    return Redirect(service.page_url(group_id, page_id), status_code=303)


@get("/groups/{group_id:int}/pages/{page_id:int}/history", name="workgroups:page_history",
     guards=[requires_login], include_in_schema=False)
async def page_history(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int],
                       before: FromQuery[int | None] = None) -> Template:
    access = await web.readable(request, group_id)
    page = await _page(group_id, page_id)
    revisions = await service.history(group_id, page_id, before=before, limit=service.HISTORY_PAGE + 1)
    more = len(revisions) > service.HISTORY_PAGE
    revisions = revisions[: service.HISTORY_PAGE]
    return Template(
        "workgroups/page_history.html",
        context=await page_context(
            request, title=_("History of %(page)s") % {"page": page["title"]}, access=access, g=access.group,
            page=page, revisions=revisions, next_before=revisions[-1]["number"] if more else None,
        ),
        headers=NO_STORE,
    )


@get("/groups/{group_id:int}/pages/{page_id:int}/history/{number:int}", name="workgroups:page_revision",
     guards=[requires_login], include_in_schema=False)
async def page_revision(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int],
                        number: FromPath[int]) -> Template:
    access = await web.readable(request, group_id)
    page = await _page(group_id, page_id)
    found = await service.revision(group_id, page_id, number)
    if found is None:
        raise NotFoundException()
    before = await service.previous_revision(group_id, page_id, number)
    lines = service.diff(before["title"] if before else "", before["body"] if before else "", found["title"],
                         found["body"])
    return Template(
        "workgroups/page_revision.html",
        context=await page_context(
            request, title=_("Version %(number)d of %(page)s") % {"number": number, "page": page["title"]},
            access=access, g=access.group, page=page, revision=found, previous=before, lines=lines,
        ),
        headers=NO_STORE,
    )


@post("/groups/{group_id:int}/pages/{page_id:int}/history/{number:int}/restore", name="workgroups:page_restore",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def restore_revision(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int],
                           number: FromPath[int]) -> Redirect:
    await web.as_member(request, group_id)
    await _page(group_id, page_id)
    await posted_form(request, set())
    try:
        await service.restore(request.app.state.intranet, group_id, page_id, number, actor_id=request.user.id,
                              ip=client_ip(request))
    except PageError:
        raise NotFoundException() from None
    return Redirect(service.page_url(group_id, page_id), status_code=303)


@post("/groups/{group_id:int}/pages/{page_id:int}/move", name="workgroups:page_move", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def move_page(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int]) -> Redirect:
    await web.as_admin(request, group_id)
    await _page(group_id, page_id)
    form = await posted_form(request, {"direction"})
    direction = web.field(form, "direction")
    if direction not in ("up", "down"):
        raise ClientException("direction: up or down")
    await service.move(request.app.state.intranet, group_id, page_id, up=direction == "up")
    return Redirect(f"/groups/{group_id}#pages", status_code=303)


@post("/groups/{group_id:int}/pages/{page_id:int}/delete", name="workgroups:page_delete", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def delete_page(request: Request[Any, Any, Any], group_id: FromPath[int], page_id: FromPath[int]) -> Redirect:
    await web.as_admin(request, group_id)
    await _page(group_id, page_id)
    await posted_form(request, set())
    try:
        await service.delete_page(request.app.state.intranet, group_id, page_id, actor_id=request.user.id,
                                  ip=client_ip(request))
    except PageError:
        raise NotFoundException() from None
    return Redirect(f"/groups/{group_id}#pages", status_code=303)


ROUTES = [new_page, create_page, page_view, edit_page_form, save_page, page_history, page_revision,
          restore_revision, move_page, delete_page]
