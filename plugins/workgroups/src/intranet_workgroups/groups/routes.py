"""The group directory, a group's own page, joining and leaving, members, settings, mandatory units."""

from __future__ import annotations

import inspect
import logging
import re
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.forms import posted_form
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.tables import Person
from intranet_core.permissions.service import branch_units, may, units_where
from intranet_workgroups import web
from intranet_workgroups.contributions import GroupDocument, GroupDocumentSection
from intranet_workgroups.groups import service
from intranet_workgroups.groups.service import Access, GroupError
from intranet_workgroups.groups.tables import DESCRIPTION_MAX, NAME_MAX
from intranet_workgroups.web import NO_STORE

log = logging.getLogger("intranet.workgroups")

MEMBERS_PAGE = 50
# A path on this site (not "//host"), or an http(s) link.
SAFE_URL = re.compile(r"^(?:/(?![/\\])|https?://)", re.IGNORECASE)
POST_TITLE_MAX = 200
POST_BODY_MAX = 50_000


def _settings(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.intranet.plugin_settings("workgroups")


async def _named(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups with their member counts, pictures and labels, for lists (one query for each)."""
    from intranet_workgroups.files.service import images_of

    ids = [int(r["id"]) for r in rows]
    counts = await service.member_counts(ids)
    pictures = await images_of(ids)
    return [{**r, "members": counts.get(int(r["id"]), 0), "visibility_label": web.visibility_label(r["visibility"]),
             "kind_label": web.kind_label(r["kind"]), "has_image": int(r["id"]) in pictures} for r in rows]


# --- the directory ---------------------------------------------------------------------


@get("/groups", name="workgroups:directory", guards=[requires_login], include_in_schema=False)
async def directory_page(
    request: Request[Any, Any, Any], q: FromQuery[str] = "", kind: FromQuery[str] = "",
    after: FromQuery[int | None] = None,
) -> Template:
    from intranet_core.feed.service import audience_keys
    from intranet_core.search.service import search_documents
    from intranet_workgroups.search import KIND_GROUP

    intranet = request.app.state.intranet
    viewer = await service.viewer_for(request.user)
    query = " ".join(q.split())[:200]
    page_size = _settings(request).directory_page_size
    next_after = None
    if query:
        # Found in the index, then read again through the visibility rule.
        condition, args = service.visible_sql(viewer, "g.id", "g.visibility")
        found = await search_documents(
            kind=KIND_GROUP, query=query, keys=await audience_keys(intranet, request.user), limit=page_size,
            where=f"AND EXISTS (SELECT 1 FROM workgroups_group AS g WHERE g.id = d.ref_id AND {condition})",  # noqa: S608
            where_args=args,
        )
        groups = await service.groups_by_ids(viewer, [f.ref_id for f in found])
    else:
        cursor = None
        if after is not None and service.valid_id(after):
            anchors = await service.groups_by_ids(viewer, [after])
            cursor = (anchors[0]["name"], int(anchors[0]["id"])) if anchors else None
        groups = await service.directory(viewer, after=cursor, kind=kind or None, limit=page_size + 1)
        if len(groups) > page_size:
            groups = groups[:page_size]
            next_after = groups[-1]["id"]
    mine = await service.my_groups(viewer) if not query and after is None else []
    followed = await service.followed_groups(viewer) if not query and after is None else []
    return Template(
        "workgroups/directory.html",
        context=await page_context(
            request, title=_("Groups"), groups=await _named(groups), mine=await _named(mine), followed=followed,
            query=query, kind=kind, next_after=next_after,
            can_create=await service.may_create_topic(intranet, request.user.id)
            or bool(await service.local_units(request.user.id)),
        ),
        headers=NO_STORE,
    )


# --- creating ---------------------------------------------------------------------------


async def _create_form(request: Request[Any, Any, Any], *, errors: list[str] | None = None,
                       values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    intranet = request.app.state.intranet
    return Template(
        "workgroups/create.html",
        context=await page_context(
            request, title=_("New group"), errors=errors or [], values=values or {"visibility": "open"},
            may_topic=await service.may_create_topic(intranet, request.user.id),
            units=await service.local_units(request.user.id), name_max=NAME_MAX, description_max=DESCRIPTION_MAX,
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/new", name="workgroups:new", guards=[requires_login], include_in_schema=False)
async def new_group(request: Request[Any, Any, Any]) -> Template:
    intranet = request.app.state.intranet
    if not await service.may_create_topic(intranet, request.user.id) and not await service.local_units(
        request.user.id
    ):
        raise PermissionDeniedException()
    return await _create_form(request)


@post("/groups", name="workgroups:create", guards=[requires_login], include_in_schema=False, status_code=303)
async def create_group(request: Request[Any, Any, Any]) -> Template | Redirect:
    intranet = request.app.state.intranet
    form = await posted_form(request, {"name", "description", "kind", "visibility", "unit"})
    values = {key: web.field(form, key) for key in ("name", "description", "kind", "visibility", "unit")}
    kind = values["kind"] or "topic"
    unit_id = web.int_or_none(values["unit"]) if kind == "local" else None
    problems = service.check_fields(values["name"], values["description"], kind, values["visibility"])
    if kind == "topic" and not await service.may_create_topic(intranet, request.user.id):
        problems.append("not_allowed")
    if kind == "local":
        allowed_units = {int(u["id"]) for u in await service.local_units(request.user.id)}
        if not allowed_units:
            problems.append("not_allowed")
        elif unit_id is None:
            problems.append("unit_missing")
        elif unit_id not in allowed_units:
            problems.append("unit_not_allowed")
    if problems:
        return await _create_form(request, errors=[web.message(p) for p in problems], values=values, status_code=400)
    try:
        group_id = await service.create_group(
            intranet, actor_id=request.user.id, name=values["name"], description=values["description"], kind=kind,
            visibility=values["visibility"], unit_id=unit_id, ip=client_ip(request),
        )
    except GroupError as exc:
        return await _create_form(request, errors=[web.message(exc.code)], values=values, status_code=400)
    return Redirect(f"/groups/{group_id}", status_code=303)


# --- a group's own page ----------------------------------------------------------------------


async def group_posts(request: Request[Any, Any, Any], access: Access, before: str | None,
                      limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A keyset page of the group's posts as the feed's cards, for a reader who holds the group's key."""
    from intranet_core.feed import cards
    from intranet_core.feed import service as feed

    if not access.reads_posts:
        return [], None
    cursor = feed.Cursor.decode(before)
    ids = await feed.visible_post_ids([access.key], before=cursor, limit=limit + 1)
    more = len(ids) > limit
    posts = await cards.post_cards(request, await feed.posts_by_ids(ids[:limit]))
    next_cursor = feed.Cursor(posts[-1]["published_at"], posts[-1]["id"]).encode() if more and posts else None
    return posts, next_cursor


async def document_sections(request: Request[Any, Any, Any], access: Access) -> list[GroupDocumentSection]:
    """What other plugins attach to the group (``group_document_sources``), for a reader of its content.

    Each plugin is asked on its own: one that fails is logged and left out,
    and the rest of the page is shown. Entries whose link is not a path on
    this site or an http(s) link are dropped.
    """
    intranet = request.app.state.intranet
    if not access.can_read:
        return []
    arguments = {"app": intranet, "request": request, "user": request.user, "group": service.group_info(access)}
    sections: list[GroupDocumentSection] = []
    for impl in intranet.hook.group_document_sources.get_hookimpls():
        try:
            result = impl.function(**{name: arguments[name] for name in impl.argnames})
            if inspect.isawaitable(result):
                result = await result
        except Exception as exc:
            log.error("group_document_sources of %s failed: %s", impl.plugin_name, type(exc).__name__)
            continue
        for section in result or []:
            if not isinstance(section, GroupDocumentSection):
                log.error("group_document_sources of %s returned %r: ignored", impl.plugin_name, type(section))
                continue
            documents = [d for d in section.documents if isinstance(d, GroupDocument) and SAFE_URL.match(d.url)]
            more = section.more_url if section.more_url and SAFE_URL.match(section.more_url) else None
            sections.append(msgspec.structs.replace(section, documents=documents, more_url=more))
    return sorted(sections, key=lambda s: (s.order, s.title))


async def _group_page(request: Request[Any, Any, Any], access: Access, *, before: str | None = None,
                      errors: list[str] | None = None, values: dict[str, str] | None = None,
                      status_code: int = 200) -> Template:
    from intranet_core.feed.cards import card_context
    from intranet_workgroups.files.service import images_of
    from intranet_workgroups.pages.service import pages_of

    posts, next_cursor = await group_posts(request, access, before, _settings(request).feed_page_size)
    counts = await service.member_counts([access.id])
    return Template(
        "workgroups/group.html",
        context=await page_context(
            request, title=access.group["name"], access=access, g=access.group, posts=posts, next_cursor=next_cursor,
            # Reactions lead back to this page of the group (also when the form here was refused).
            **card_context(request, back=f"/groups/{access.id}" + (f"?before={quote(before)}" if before else "")),
            pages=await pages_of(access.id) if access.can_read else [], members=counts.get(access.id, 0),
            visibility_label=web.visibility_label(access.group["visibility"]),
            kind_label=web.kind_label(access.group["kind"]),
            requests=len(await service.join_requests(access.id)) if access.admin else 0,
            sections=await document_sections(request, access), errors=errors or [], values=values or {},
            post_title_max=POST_TITLE_MAX, has_image=access.id in await images_of([access.id]),
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/{group_id:int}", name="workgroups:group", guards=[requires_login], include_in_schema=False)
async def group_page(request: Request[Any, Any, Any], group_id: FromPath[int],
                     before: FromQuery[str | None] = None) -> Template:
    return await _group_page(request, await web.load(request, group_id), before=before)


@post("/groups/{group_id:int}/posts", name="workgroups:post", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def publish(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    from intranet_core.feed.service import create_post

    access = await web.load(request, group_id)
    if not access.can_post:
        raise NotFoundException() if not access.can_read else PermissionDeniedException()
    form = await posted_form(request, {"title", "body"})
    values = {"title": web.field(form, "title"), "body": web.field(form, "body")}
    problems = []
    if not values["body"]:
        problems.append("post_empty")
    elif len(values["body"]) > POST_BODY_MAX:
        problems.append("post_long")
    if len(values["title"]) > POST_TITLE_MAX:
        problems.append("post_title_long")
    if problems:
        return await _group_page(request, access, errors=[web.message(p) for p in problems], values=values,
                                 status_code=400)
    post_id = await create_post(request.app.state.intranet, author_id=request.user.id, title=values["title"],
                                body=values["body"], audience=[access.key], ip=client_ip(request),
                                via="workgroups")
    return Redirect(f"/groups/{group_id}#post-{post_id}", status_code=303)


# --- joining, leaving, following, muting ----------------------------------------------------------


def _back(group_id: int, anchor: str = "") -> Redirect:
    return Redirect(f"/groups/{group_id}{anchor}", status_code=303)


@post("/groups/{group_id:int}/join", name="workgroups:join", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def join(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    from intranet_workgroups import notices

    access = await web.load(request, group_id)
    form = await posted_form(request, {"message"})
    if access.member:
        return _back(group_id)
    visibility = access.group["visibility"]
    if visibility == "secret":
        # Only admins add people to a secret group.
        raise PermissionDeniedException()
    outcome = await service.join(request.app.state.intranet, group_id, request.user.id,
                                 message=web.field(form, "message"))
    if outcome == "requested" and not access.requested:
        await notices.join_requested(request.app.state.intranet, access.group, request.user)
    return _back(group_id)


@post("/groups/{group_id:int}/withdraw", name="workgroups:withdraw", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def withdraw(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Redirect:
    await web.load(request, group_id)
    await posted_form(request, set())
    await service.withdraw_request(request.app.state.intranet, group_id, request.user.id)
    return _back(group_id)


@post("/groups/{group_id:int}/leave", name="workgroups:leave", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def leave(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.load(request, group_id)
    await posted_form(request, set())
    try:
        await service.leave(request.app.state.intranet, group_id, request.user.id, via_units=bool(access.via_units))
    except GroupError as exc:
        return await _group_page(request, access, errors=[web.message(exc.code)], status_code=400)
    # Leaving a secret group makes it disappear: back to the directory.
    if access.group["visibility"] == "secret" and not access.viewer.manager:
        return Redirect("/groups", status_code=303)
    return _back(group_id)


@post("/groups/{group_id:int}/follow", name="workgroups:follow", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def follow(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.load(request, group_id)
    form = await posted_form(request, {"on"})
    on = web.field(form, "on") != "0"
    if on and not access.can_follow:
        return await _group_page(request, access, errors=[web.message("not_open")], status_code=400)
    await service.follow(request.app.state.intranet, group_id, request.user.id, on)
    return _back(group_id)


@post("/groups/{group_id:int}/mute", name="workgroups:mute", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def mute(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Redirect:
    access = await web.load(request, group_id)
    form = await posted_form(request, {"on"})
    if not access.reads_posts:
        raise PermissionDeniedException()
    await service.mute(request.app.state.intranet, group_id, request.user.id, web.field(form, "on") != "0")
    return _back(group_id)


# --- members -------------------------------------------------------------------------------------


async def _members_page(request: Request[Any, Any, Any], access: Access, *, after: int | None = None,
                        errors: list[str] | None = None, values: dict[str, str] | None = None,
                        status_code: int = 200) -> Template:
    cursor = None
    if after is not None and service.valid_id(after):
        anchor = await Person.select(Person.name).where(Person.id == after).first().run()
        cursor = (anchor["name"], after) if anchor else None
    people = await service.members_page(access.id, after=cursor, limit=MEMBERS_PAGE + 1)
    next_after = people[MEMBERS_PAGE - 1]["id"] if len(people) > MEMBERS_PAGE else None
    return Template(
        "workgroups/members.html",
        context=await page_context(
            request, title=_("Members of %(group)s") % {"group": access.group["name"]}, access=access,
            g=access.group, people=people[:MEMBERS_PAGE], next_after=next_after,
            requests=await service.join_requests(access.id) if access.admin else [],
            units=await service.bound_units(access.id), errors=errors or [], values=values or {},
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/{group_id:int}/members", name="workgroups:members", guards=[requires_login], include_in_schema=False)
async def members(request: Request[Any, Any, Any], group_id: FromPath[int],
                  after: FromQuery[int | None] = None) -> Template:
    return await _members_page(request, await web.readable(request, group_id), after=after)


@post("/groups/{group_id:int}/members", name="workgroups:member_add", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def add_member(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    from intranet_workgroups import notices

    access = await web.as_admin(request, group_id)
    form = await posted_form(request, {"email", "role"})
    values = {"email": web.field(form, "email"), "role": web.field(form, "role") or "member"}
    try:
        person_id = await service.add_member(request.app.state.intranet, group_id, values["email"],
                                             actor_id=request.user.id, role=values["role"], ip=client_ip(request))
    except GroupError as exc:
        return await _members_page(request, access, errors=[web.message(exc.code)], values=values, status_code=400)
    await notices.added(request.app.state.intranet, access.group, person_id, request.user.id)
    return Redirect(f"/groups/{group_id}/members", status_code=303)


@post("/groups/{group_id:int}/members/{person_id:int}/remove", name="workgroups:member_remove",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def remove_member(request: Request[Any, Any, Any], group_id: FromPath[int],
                        person_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    await posted_form(request, set())
    try:
        await service.remove_member(request.app.state.intranet, group_id, person_id, actor_id=request.user.id,
                                    ip=client_ip(request))
    except GroupError as exc:
        return await _members_page(request, access, errors=[web.message(exc.code)], status_code=400)
    return Redirect(f"/groups/{group_id}/members", status_code=303)


@post("/groups/{group_id:int}/members/{person_id:int}/role", name="workgroups:member_role",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def member_role(request: Request[Any, Any, Any], group_id: FromPath[int],
                      person_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    form = await posted_form(request, {"role"})
    if not service.valid_id(person_id) or not await service.is_member(group_id, person_id):
        raise NotFoundException()
    try:
        await service.set_role(request.app.state.intranet, group_id, person_id, web.field(form, "role"),
                               actor_id=request.user.id, ip=client_ip(request))
    except GroupError as exc:
        return await _members_page(request, access, errors=[web.message(exc.code)], status_code=400)
    return Redirect(f"/groups/{group_id}/members", status_code=303)


@post("/groups/{group_id:int}/requests/{request_id:int}/{decision:str}", name="workgroups:decide",
      guards=[requires_login], include_in_schema=False, status_code=303)
async def decide(request: Request[Any, Any, Any], group_id: FromPath[int], request_id: FromPath[int],
                 decision: FromPath[str]) -> Redirect:
    from intranet_workgroups import notices

    access = await web.as_admin(request, group_id)
    await posted_form(request, set())
    if decision not in ("approve", "decline") or not service.valid_id(request_id):
        raise NotFoundException()
    try:
        person_id = await service.decide_request(request.app.state.intranet, group_id, request_id,
                                                 approve=decision == "approve", actor_id=request.user.id,
                                                 ip=client_ip(request))
    except GroupError:
        raise NotFoundException() from None
    if decision == "approve":
        await notices.approved(request.app.state.intranet, access.group, person_id, request.user.id)
    return Redirect(f"/groups/{group_id}/members", status_code=303)


# --- settings ---------------------------------------------------------------------------------------


async def _settings_page(request: Request[Any, Any, Any], access: Access, *, errors: list[str] | None = None,
                         values: dict[str, str] | None = None, status_code: int = 200) -> Template:
    from intranet_workgroups.files.service import group_image

    image_types = request.app.state.intranet.settings.uploads.image_types
    return Template(
        "workgroups/settings.html",
        context=await page_context(
            request, title=_("Group settings"), access=access, g=access.group, errors=errors or [],
            values=values or {k: access.group[k] for k in ("name", "description", "visibility")},
            name_max=NAME_MAX, description_max=DESCRIPTION_MAX, has_image=await group_image(access.id) is not None,
            image_accept=",".join(image_types),
        ),
        status_code=status_code, headers=NO_STORE,
    )


async def settings_with_errors(request: Request[Any, Any, Any], access: Access, errors: list[str]) -> Template:
    """The settings page again, with what was wrong (a picture that was refused)."""
    return await _settings_page(request, access, errors=errors, status_code=400)


@get("/groups/{group_id:int}/settings", name="workgroups:settings", guards=[requires_login], include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template:
    return await _settings_page(request, await web.as_admin(request, group_id))


@post("/groups/{group_id:int}/settings", name="workgroups:settings_save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def save_settings(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    form = await posted_form(request, {"name", "description", "visibility"})
    values = {key: web.field(form, key) for key in ("name", "description", "visibility")}
    problems = service.check_fields(values["name"], values["description"], access.group["kind"],
                                    values["visibility"])
    if problems:
        return await _settings_page(request, access, errors=[web.message(p) for p in problems], values=values,
                                    status_code=400)
    try:
        await service.update_group(request.app.state.intranet, group_id, actor_id=request.user.id,
                                   name=values["name"], description=values["description"],
                                   visibility=values["visibility"], ip=client_ip(request))
    except GroupError:
        raise NotFoundException() from None
    return _back(group_id)


@get("/groups/{group_id:int}/delete", name="workgroups:delete_confirm", guards=[requires_login],
     include_in_schema=False)
async def delete_confirm(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template:
    access = await web.as_admin(request, group_id)
    return Template(
        "workgroups/delete.html",
        context=await page_context(request, title=_("Delete group"), access=access, g=access.group),
        headers=NO_STORE,
    )


@post("/groups/{group_id:int}/delete", name="workgroups:delete", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def delete_group(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Redirect:
    await web.as_admin(request, group_id)
    await posted_form(request, set())
    try:
        await service.delete_group(request.app.state.intranet, group_id, actor_id=request.user.id,
                                   ip=client_ip(request))
    except GroupError:
        raise NotFoundException() from None
    return Redirect("/groups", status_code=303)


# --- units the group is mandatory for ----------------------------------------------------------------


async def _manageable_units(person_id: int) -> list[dict[str, Any]]:
    """Units where the person holds ``workgroups.manage`` (and the units below them)."""
    return await branch_units(await units_where(person_id, service.MANAGE))


async def _units_page(request: Request[Any, Any, Any], access: Access, *, errors: list[str] | None = None,
                      status_code: int = 200) -> Template:
    return Template(
        "workgroups/units.html",
        context=await page_context(
            request, title=_("Mandatory for units"), access=access, g=access.group,
            bound=await service.bound_units(access.id), choices=await _manageable_units(request.user.id),
            errors=errors or [],
        ),
        status_code=status_code, headers=NO_STORE,
    )


@get("/groups/{group_id:int}/units", name="workgroups:units", guards=[requires_login], include_in_schema=False)
async def units_page(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template:
    return await _units_page(request, await web.as_admin(request, group_id))


@post("/groups/{group_id:int}/units", name="workgroups:unit_add", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def add_unit(request: Request[Any, Any, Any], group_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    form = await posted_form(request, {"unit"})
    unit_id = web.int_or_none(web.field(form, "unit"))
    if unit_id is None:
        return await _units_page(request, access, errors=[web.message("unit_missing")], status_code=400)
    # Making a group mandatory moves people: it takes workgroups.manage for that unit.
    if not await may(request.user.id, service.MANAGE, unit_id):
        raise PermissionDeniedException()
    try:
        await service.bind_unit(request.app.state.intranet, group_id, unit_id, actor_id=request.user.id,
                                ip=client_ip(request))
    except GroupError as exc:
        return await _units_page(request, access, errors=[web.message(exc.code)], status_code=400)
    return Redirect(f"/groups/{group_id}/units", status_code=303)


@post("/groups/{group_id:int}/units/{unit_id:int}/remove", name="workgroups:unit_remove", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def remove_unit(request: Request[Any, Any, Any], group_id: FromPath[int],
                      unit_id: FromPath[int]) -> Template | Redirect:
    access = await web.as_admin(request, group_id)
    await posted_form(request, set())
    if not service.valid_id(unit_id) or not await may(request.user.id, service.MANAGE, unit_id):
        raise PermissionDeniedException()
    try:
        await service.unbind_unit(request.app.state.intranet, group_id, unit_id, actor_id=request.user.id,
                                  ip=client_ip(request))
    except GroupError as exc:
        return await _units_page(request, access, errors=[web.message(exc.code)], status_code=400)
    return Redirect(f"/groups/{group_id}/units", status_code=303)


ROUTES = [
    directory_page, new_group, create_group, group_page, publish, join, withdraw, leave, follow, mute, members,
    add_member, remove_member, member_role, decide, settings_page, save_settings, delete_confirm, delete_group,
    units_page, add_unit, remove_unit,
]
