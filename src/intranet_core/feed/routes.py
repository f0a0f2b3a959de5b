"""The feed page, permalinks, the composer, editing and deleting, comments, reactions, reach.

Every route about one post first asks :func:`service.readable_post`: a
person who may not read the post gets 404 for it, its comments and its
reactions alike, whatever they try.
"""

from __future__ import annotations

import datetime
import re
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.exceptions import ClientException, NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login, requires_permission
from intranet_core.contributions import AudienceChoice, by_order
from intranet_core.feed import attachments, cards, conversation, files, mentions, service
from intranet_core.forms import posted_form
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.tables import Unit
from intranet_core.permissions.service import may
from intranet_core.plugins import gather
from intranet_core.uploads.service import files_in_form

NO_STORE = {"Cache-Control": "no-store"}
MAX_TITLE = 200
MAX_BODY = 50_000
_LOCAL_PATH = re.compile(r"^/(?![/\\])[^\s\\#]{0,500}$")


async def _readable(request: Request[Any, Any, Any], post_id: int) -> dict[str, Any]:
    found = await service.readable_post(request.app.state.intranet, request.user, post_id)
    if found is None:
        raise NotFoundException()
    return found


async def _may_edit(request: Request[Any, Any, Any], found: dict[str, Any], keys: list[str] | None = None) -> bool:
    """The author, or whoever may moderate every audience of the post."""
    return await service.may_edit(request.user.id, found, keys)


@get("/", name="feed", guards=[requires_login], include_in_schema=False)
async def feed_page(
    request: Request[Any, Any, Any], before: FromQuery[str | None] = None, unit: FromQuery[int | None] = None
) -> Template:
    intranet = request.app.state.intranet
    user = request.user
    if unit is not None:
        # Filter to one unit's posts: the key must also be one of the reader's.
        keys = [k for k in await service.audience_keys(intranet, user) if k == f"unit:{unit}"]
    else:
        keys = await service.feed_keys(intranet, user)
    cursor = service.Cursor.decode(before)
    ids = await service.visible_post_ids(keys, before=cursor, limit=service.PAGE_SIZE + 1)
    more = len(ids) > service.PAGE_SIZE
    ids = ids[: service.PAGE_SIZE]
    pinned = await service.pinned_ids(keys) if cursor is None and unit is None else []
    posts = await cards.post_cards(request, await service.posts_by_ids([i for i in pinned if i not in ids] + ids))
    next_cursor = None
    if more and posts:
        last = posts[-1]
        next_cursor = service.Cursor(last["published_at"], last["id"]).encode()
    widgets = by_order(await gather(intranet.hook.register_front_page_widgets(app=intranet, request=request,
                                                                              user=user)))
    unit_ids = [int(k.split(":")[1]) for k in await service.unit_keys(user.id)] or [0]
    my_units = await Unit.raw(  # only placeholders are joined into the SQL; the ids are parameters
        "SELECT id, name FROM org_unit WHERE id IN (" + ", ".join("{}" for _ in unit_ids)  # noqa: S608
        + ") ORDER BY name",
        *unit_ids,
    ).run()
    return Template(
        "feed/feed.html",
        context=await page_context(
            request, title=_("News"), posts=posts, pinned=set(pinned), next_cursor=next_cursor, widgets=widgets,
            can_publish=bool(await _choices(request)), units=my_units, unit_filter=unit, here=cards.here(request),
            viewer_id=user.id, can_restore=await may(user.id, "feed.moderate"),
        ),
        headers=NO_STORE,
    )


@get("/posts/{post_id:int}", name="post", guards=[requires_login], include_in_schema=False)
async def post_page(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    found = await _readable(request, post_id)
    [view] = await cards.post_cards(request, [found])
    keys = await service.audience_of(post_id)
    moderator = await service.may_moderate(request.user.id, keys)
    comments = [
        {**c, "mine": c["author"] == request.user.id} for c in await conversation.comments_of(post_id)
    ]
    return Template(
        "feed/post.html",
        context=await page_context(request, title=found["title"] or _("Post"), post=view,
                                   can_see_reach=await _may_see_reach(request, found),
                                   can_edit=found["author"] == request.user.id or moderator, moderator=moderator,
                                   comments=comments, here=cards.here(request), viewer_id=request.user.id,
                                   comment_max=conversation.MAX_COMMENT_LENGTH),
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
    found = await _readable(request, post_id)
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
    return await service.publish_choices(request.app.state.intranet, request.user)


def _text_problems(title: str, body: str) -> list[str]:
    errors = []
    if len(title) > MAX_TITLE:
        errors.append(_("The title can be at most 200 characters."))
    if len(body) > MAX_BODY:
        errors.append(_("The post can be at most 50,000 characters."))
    return errors


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
    errors += _text_problems(data["title"], data["body"])
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
        if files_in_form(form, files.IMAGE_FIELD) or files_in_form(form, files.FILE_FIELD):
            errors.append(_("Nothing was saved: choose your files again."))
        return await _composer(request, errors=errors, values=form, status_code=400)
    new_files, errors = await files.files_from_form(request, form)
    if errors:
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
        attachments=new_files, ip=client_ip(request),
    )
    return Redirect(f"/posts/{post_id}", status_code=303)


# --- editing, deleting, restoring ---------------------------------------------------


async def _editor(request: Request[Any, Any, Any], found: dict[str, Any], *, errors: list[str] | None = None,
                  values: dict[str, Any] | None = None, status_code: int = 200) -> Template:
    current = (await attachments.attachments_of([found["id"]])).get(found["id"], [])
    return Template(
        "feed/edit.html",
        context=await page_context(request, title=_("Edit post"), post=found, errors=errors or [],
                                   values=values or {"title": found["title"], "body": found["body"]},
                                   attachments=current),
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/posts/{post_id:int}/edit", name="post_edit", guards=[requires_login], include_in_schema=False)
async def edit_form(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    found = await _readable(request, post_id)
    if not await _may_edit(request, found):
        raise PermissionDeniedException()
    return await _editor(request, found)


@post("/posts/{post_id:int}/edit", name="post_update", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def edit(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template | Redirect:
    found = await _readable(request, post_id)
    if not await _may_edit(request, found):
        raise PermissionDeniedException()
    form = await posted_form(request, {"title", "body", files.REMOVE_FIELD, *files.FILE_FIELDS})
    values = {"title": str(form.get("title", "")).strip(), "body": str(form.get("body", "")).strip()}
    errors = [] if values["body"] else [_("Write something in the post.")]
    errors += _text_problems(values["title"], values["body"])
    if errors and (files_in_form(form, files.IMAGE_FIELD) or files_in_form(form, files.FILE_FIELD)):
        errors.append(_("Nothing was saved: choose your files again."))
    if not errors:
        new_files, errors = await files.files_from_form(request, form)
    if errors:
        return await _editor(request, found, errors=errors, values=values, status_code=400)
    current = (await attachments.attachments_of([post_id])).get(post_id, [])
    try:
        await service.edit_post(request.app.state.intranet, post_id, editor_id=request.user.id,
                                title=values["title"], body=values["body"], ip=client_ip(request),
                                add=new_files, remove=files.removed_ids(form, current))
    except service.PostGone:
        raise NotFoundException() from None
    return Redirect(f"/posts/{post_id}", status_code=303)


@post("/posts/{post_id:int}/delete", name="post_delete", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def delete(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Redirect:
    found = await _readable(request, post_id)
    if not await _may_edit(request, found):
        raise PermissionDeniedException()
    await posted_form(request, set())
    try:
        await service.delete_post(request.app.state.intranet, post_id, actor_id=request.user.id,
                                  ip=client_ip(request))
    except service.PostGone:
        raise NotFoundException() from None
    return Redirect("/", status_code=303)


@get("/posts/deleted", name="posts_deleted", guards=[requires_permission("feed.moderate")],
     include_in_schema=False)
async def deleted_page(request: Request[Any, Any, Any], before: FromQuery[str | None] = None) -> Template:
    """Deleted posts an administrator (``feed.moderate`` everywhere) can still restore."""
    intranet = request.app.state.intranet
    posts = await service.deleted_posts(intranet, before=service.Cursor.decode(before),
                                        limit=service.DELETED_PAGE_SIZE + 1)
    more = len(posts) > service.DELETED_PAGE_SIZE
    posts = posts[: service.DELETED_PAGE_SIZE]
    next_cursor = service.Cursor(posts[-1]["deleted_at"], posts[-1]["id"]).encode() if more else None
    return Template(
        "feed/deleted.html",
        context=await page_context(request, title=_("Deleted posts"), posts=posts, next_cursor=next_cursor,
                                   restore_days=intranet.settings.feed.restore_days),
        headers=NO_STORE,
    )


@post("/posts/{post_id:int}/restore", name="post_restore", guards=[requires_permission("feed.moderate")],
      include_in_schema=False, status_code=303)
async def restore(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Redirect:
    await posted_form(request, set())
    try:
        await service.restore_post(request.app.state.intranet, post_id, actor_id=request.user.id,
                                   ip=client_ip(request))
    except service.PostGone:
        raise NotFoundException() from None
    return Redirect(f"/posts/{post_id}", status_code=303)


# --- comments ------------------------------------------------------------------------


def _comment_body(form: Any) -> tuple[str, list[str]]:
    body = str(form.get("body", "")).strip()
    if not body:
        return body, [_("Write something in the comment.")]
    if len(body) > conversation.MAX_COMMENT_LENGTH:
        return body, [_("A comment can be at most 10,000 characters.")]
    return body, []


@get("/posts/{post_id:int}/comments", name="post_comments", guards=[requires_login], include_in_schema=False,
     status_code=303)
async def comments_page(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Redirect:
    """The comments live on the permalink."""
    await _readable(request, post_id)
    return Redirect(f"/posts/{post_id}#comments", status_code=303)


@post("/posts/{post_id:int}/comments", name="comment_create", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def add_comment(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template | Redirect:
    found = await _readable(request, post_id)
    body, errors = _comment_body(await posted_form(request, {"body"}))
    if errors:
        return await _comment_editor(request, found, None, body=body, errors=errors, status_code=400)
    comment_id = await conversation.add_comment(request.app.state.intranet, found, author_id=request.user.id,
                                                author_name=request.user.name, body=body)
    return Redirect(f"/posts/{post_id}#comment-{comment_id}", status_code=303)


async def _comment_editor(request: Request[Any, Any, Any], found: dict[str, Any], comment: dict[str, Any] | None,
                          *, body: str, errors: list[str] | None = None, status_code: int = 200) -> Template:
    return Template(
        "feed/comment_edit.html",
        context=await page_context(request, title=_("Edit comment") if comment else _("Comment"), post=found,
                                   comment=comment, body=body, errors=errors or [],
                                   comment_max=conversation.MAX_COMMENT_LENGTH),
        status_code=status_code,
        headers=NO_STORE,
    )


async def _own_comment(request: Request[Any, Any, Any], post_id: int, comment_id: int
                       ) -> tuple[dict[str, Any], dict[str, Any]]:
    found = await _readable(request, post_id)
    comment = await conversation.get_comment(post_id, comment_id)
    if comment is None:
        raise NotFoundException()
    if comment["author"] != request.user.id:
        raise PermissionDeniedException()
    return found, comment


@get("/posts/{post_id:int}/comments/{comment_id:int}/edit", name="comment_edit", guards=[requires_login],
     include_in_schema=False)
async def comment_edit_form(request: Request[Any, Any, Any], post_id: FromPath[int],
                            comment_id: FromPath[int]) -> Template:
    found, comment = await _own_comment(request, post_id, comment_id)
    return await _comment_editor(request, found, comment, body=comment["body"])


@post("/posts/{post_id:int}/comments/{comment_id:int}/edit", name="comment_update", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def comment_edit(request: Request[Any, Any, Any], post_id: FromPath[int],
                       comment_id: FromPath[int]) -> Template | Redirect:
    """Only the author edits a comment (a moderator may delete it)."""
    found, comment = await _own_comment(request, post_id, comment_id)
    body, errors = _comment_body(await posted_form(request, {"body"}))
    if errors:
        return await _comment_editor(request, found, comment, body=body, errors=errors, status_code=400)
    await conversation.edit_comment(request.app.state.intranet, found, comment, editor_id=request.user.id,
                                    editor_name=request.user.name, body=body, ip=client_ip(request))
    return Redirect(f"/posts/{post_id}#comment-{comment_id}", status_code=303)


@post("/posts/{post_id:int}/comments/{comment_id:int}/delete", name="comment_delete", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def comment_delete(request: Request[Any, Any, Any], post_id: FromPath[int],
                         comment_id: FromPath[int]) -> Redirect:
    """The author, or whoever may moderate every audience of the post."""
    found = await _readable(request, post_id)
    comment = await conversation.get_comment(post_id, comment_id)
    if comment is None:
        raise NotFoundException()
    if comment["author"] != request.user.id and not await service.may_moderate(
        request.user.id, await service.audience_of(post_id)
    ):
        raise PermissionDeniedException()
    await posted_form(request, set())
    await conversation.delete_comment(request.app.state.intranet, found, comment, actor_id=request.user.id,
                                      ip=client_ip(request))
    return Redirect(f"/posts/{post_id}#comments", status_code=303)


# --- reactions -----------------------------------------------------------------------


@get("/posts/{post_id:int}/reactions", name="post_reactions", guards=[requires_login], include_in_schema=False)
async def reactions_page(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Template:
    """Who reacted, and how."""
    found = await _readable(request, post_id)
    people = await conversation.reactors(post_id)
    labels = conversation.reaction_labels()
    groups = [{"kind": kind, "emoji": emoji, "label": labels[kind], "people": people.get(kind, [])}
              for kind, emoji in conversation.REACTIONS.items()]
    return Template(
        "feed/reactions.html",
        context=await page_context(request, title=_("Reactions"), post=found, groups=groups),
        headers=NO_STORE,
    )


@post("/posts/{post_id:int}/reactions", name="post_react", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def react(request: Request[Any, Any, Any], post_id: FromPath[int]) -> Redirect:
    """Give or take back one reaction; back to the page the form was on."""
    await _readable(request, post_id)
    form = await posted_form(request, {"kind", "next"})
    kind = str(form.get("kind", ""))
    if kind not in conversation.REACTIONS:
        raise ClientException("kind: not a reaction")
    await conversation.toggle_reaction(request.app.state.intranet, post_id, request.user.id, kind)
    back = str(form.get("next", ""))
    if not _LOCAL_PATH.match(back):
        back = f"/posts/{post_id}"
    return Redirect(f"{back}#post-{post_id}", status_code=303)


# --- mentions ------------------------------------------------------------------------


@get("/people/autocomplete", name="people_autocomplete", guards=[requires_login], include_in_schema=False)
async def people_autocomplete(request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Response[Any]:
    """At most 10 people the writer may see, for ``@`` in a post or comment (JSON)."""
    people = await mentions.autocomplete(request.user.id, q)
    return Response({"people": people}, headers={"Cache-Control": "no-store"})
