"""The feed page, permalinks, the composer, acknowledgements and reach."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_login
from intranet_core.contributions import AudienceChoice, by_order
from intranet_core.feed import service
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.tables import Unit
from intranet_core.permissions.service import may, units_where
from intranet_core.plugins import gather

NO_STORE = {"Cache-Control": "no-store"}


async def _post_view(request: Request[Any, Any, Any], posts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    user = request.user
    ids = [p["id"] for p in posts]
    acknowledged = await service.acknowledged_by(user.id, ids)
    await service.mark_seen(ids, user.id)
    return [{**p, "acknowledged": p["id"] in acknowledged} for p in posts]


@get("/", name="feed", guards=[requires_login], include_in_schema=False)
async def feed_page(
    request: Request[Any, Any, Any], before: FromQuery[str | None] = None, unit: FromQuery[int | None] = None
) -> Template:
    intranet = request.app.state.intranet
    user = request.user
    keys = await service.audience_keys(intranet, user)
    if unit is not None:
        # Filter to one unit's posts: the key must also be one of the reader's.
        keys = [k for k in keys if k == f"unit:{unit}"]
    cursor = service.Cursor.decode(before)
    ids = await service.visible_post_ids(keys, before=cursor, limit=service.PAGE_SIZE + 1)
    more = len(ids) > service.PAGE_SIZE
    ids = ids[: service.PAGE_SIZE]
    pinned = await service.pinned_ids(keys) if cursor is None and unit is None else []
    posts = await _post_view(request, await service.posts_by_ids([i for i in pinned if i not in ids] + ids))
    next_cursor = None
    if more and posts:
        last = posts[-1]
        next_cursor = service.Cursor(last["published_at"], last["id"]).encode()
    widgets = by_order(await gather(intranet.hook.register_front_page_widgets(app=intranet, request=request,
                                                                              user=user)))
    my_units = await Unit.select(Unit.id, Unit.name).where(
        Unit.id.is_in([int(k.split(":")[1]) for k in await service.unit_keys(user.id)] or [0])
    ).order_by(Unit.name).run()
    return Template(
        "feed/feed.html",
        context=await page_context(
            request, title=_("News"), posts=posts, pinned=set(pinned), next_cursor=next_cursor, widgets=widgets,
            can_publish=bool(await _choices(request)), units=my_units, unit_filter=unit,
        ),
        headers=NO_STORE,
    )


@get("/posts/{post_id:int}", name="post", guards=[requires_login], include_in_schema=False)
async def post_page(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    intranet = request.app.state.intranet
    keys = await service.audience_keys(intranet, request.user)
    found = await service.visible_post(post_id, keys)
    if found is None:
        raise NotFoundException()
    [view] = await _post_view(request, [found])
    return Template(
        "feed/post.html",
        context=await page_context(request, title=found["title"] or _("Post"), post=view,
                                   can_see_reach=await _may_see_reach(request, found)),
        headers=NO_STORE,
    )


async def _may_see_reach(request: Request[Any, Any, Any], found: dict[str, Any]) -> bool:
    user = request.user
    if found["author"] == user.id:
        return True
    for key in await service.audience_of(found["id"]):
        unit_id = int(key.split(":")[1]) if key.startswith("unit:") else None
        if await may(user.id, "feed.publish", unit_id):
            return True
    return False


@get("/posts/{post_id:int}/reach", name="post_reach", guards=[requires_login], include_in_schema=False)
async def reach_page(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    intranet = request.app.state.intranet
    found = await service.visible_post(post_id, await service.audience_keys(intranet, request.user))
    if found is None:
        raise NotFoundException()
    if not await _may_see_reach(request, found):
        raise PermissionDeniedException()
    return Template(
        "feed/reach.html",
        context=await page_context(request, title=_("Reach"), post=found,
                                   reach=await service.reach(intranet, post_id)),
        headers=NO_STORE,
    )


@post("/posts/{post_id:int}/acknowledge", name="post_acknowledge", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def acknowledge(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Redirect:
    intranet = request.app.state.intranet
    found = await service.visible_post(post_id, await service.audience_keys(intranet, request.user))
    if found is None or not found["important"]:
        raise NotFoundException()
    await service.acknowledge(intranet, post_id, request.user.id)
    return Redirect(f"/posts/{post_id}", status_code=303)


async def _choices(request: Request[Any, Any, Any]) -> list[AudienceChoice]:
    """The audiences this person may publish to: everyone, units, plugin audiences."""
    intranet = request.app.state.intranet
    user = request.user
    choices: list[AudienceChoice] = []
    where = await units_where(user.id, "feed.publish")
    if where is None:
        choices.append(AudienceChoice(key="all", label=_("Everyone"), order=0))
        units = await Unit.select(Unit.id, Unit.name, Unit.path).order_by(Unit.path).run()
    elif where:
        paths = await Unit.select(Unit.path).where(Unit.id.is_in(where)).run()
        conditions = [Unit.path.like(f"{p['path']}%") for p in paths]
        condition: Any = conditions[0]
        for extra in conditions[1:]:
            condition = condition | extra
        units = await Unit.select(Unit.id, Unit.name, Unit.path).where(condition).order_by(Unit.path).run()
    else:
        units = []
    choices += [AudienceChoice(key=f"unit:{u['id']}", label=u["name"], order=10) for u in units]
    choices += await gather(intranet.hook.publishable_audiences(app=intranet, user=user))
    return by_order(choices)


class PostForm(msgspec.Struct):
    body: str
    title: str = ""
    audience: list[str] = []
    important: bool = False
    pinned_until: datetime.date | None = None
    publish_at: datetime.datetime | None = None
    expires_at: datetime.date | None = None


def _parse_form(form: Any) -> tuple[PostForm | None, list[str]]:
    errors = []
    data: dict[str, Any] = {
        "title": str(form.get("title", "")).strip(),
        "body": str(form.get("body", "")).strip(),
        "audience": [str(a) for a in form.getall("audience")] if hasattr(form, "getall") else [],
        "important": form.get("important") == "on",
    }
    for name in ("pinned_until", "publish_at", "expires_at"):
        value = str(form.get(name, "")).strip()
        if value:
            data[name] = value
    if not data["body"]:
        errors.append(_("Write something in the post."))
    if len(data["title"]) > 200:
        errors.append(_("The title can be at most 200 characters."))
    if len(data["body"]) > 50_000:
        errors.append(_("The post can be at most 50,000 characters."))
    if not data["audience"]:
        errors.append(_("Choose who the post is for."))
    if errors:
        return None, errors
    try:
        parsed = msgspec.convert(data, PostForm, strict=False)
    except msgspec.ValidationError:
        return None, [_("A date is not valid.")]
    return parsed, []


async def _composer(request: Request[Any, Any, Any], *, errors: list[str] | None = None, values: Any = None,
                    status_code: int = 200) -> Template:
    return Template(
        "feed/compose.html",
        context=await page_context(request, title=_("New post"), choices=await _choices(request),
                                   errors=errors or [], values=values or {}),
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/posts/new", name="post_new", guards=[requires_login], include_in_schema=False)
async def compose(request: Request[Any, Any, Any]) -> Template:
    if not await _choices(request):
        raise PermissionDeniedException()
    return await _composer(request)


@post("/posts", name="post_create", guards=[requires_login], include_in_schema=False, status_code=303)
async def create(request: Request[Any, Any, Any]) -> Template | Redirect:
    intranet = request.app.state.intranet
    allowed = {c.key for c in await _choices(request)}
    if not allowed:
        raise PermissionDeniedException()
    form = await request.form()
    parsed, errors = _parse_form(form)
    if parsed is not None and not set(parsed.audience) <= allowed:
        errors = [_("You may not publish to one of the chosen audiences.")]
    if parsed is None or errors:
        return await _composer(request, errors=errors, values=form, status_code=400)
    end_of_day = datetime.time(23, 59, 59, tzinfo=datetime.UTC)
    post_id = await service.create_post(
        intranet,
        author_id=request.user.id,
        title=parsed.title,
        body=parsed.body,
        audience=parsed.audience,
        important=parsed.important,
        pinned_until=datetime.datetime.combine(parsed.pinned_until, end_of_day) if parsed.pinned_until else None,
        published_at=parsed.publish_at.replace(tzinfo=parsed.publish_at.tzinfo or datetime.UTC)
        if parsed.publish_at else None,
        expires_at=datetime.datetime.combine(parsed.expires_at, end_of_day) if parsed.expires_at else None,
    )
    await record("feed.post_create", actor_id=request.user.id, target_type="post", target_id=post_id,
                 details={"audience": parsed.audience, "important": parsed.important}, ip=client_ip(request))
    return Redirect(f"/posts/{post_id}", status_code=303)
