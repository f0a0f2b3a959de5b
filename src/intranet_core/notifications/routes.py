"""The list under the bell, opening a notification, and each person's e-mail choices.

Every route shows or changes only the signed-in person's own notifications:
another person's id answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip, record
from intranet_core.auth.guards import requires_login
from intranet_core.i18n import gettext as _
from intranet_core.notifications import service
from intranet_core.notifications.bell import unread_of
from intranet_core.pages import page_context

NO_STORE = {"Cache-Control": "no-store"}
CSRF_FIELD = "_csrf_token"


def delivery_labels() -> dict[str, str]:
    return {"immediately": _("Immediately"), "daily": _("In a daily summary"), "never": _("Never")}


@get("/notifications", name="notifications", guards=[requires_login], include_in_schema=False)
async def list_page(request: Request[Any, Any, Any], before: FromQuery[int | None] = None) -> Template:
    rows, next_cursor = await service.page_of(request.user.id, before=before)
    items = [{**row, "unread": row["read_at"] is None} for row in rows]
    context = await page_context(
        request, title=_("Notifications"), notifications=items, next_cursor=next_cursor, first_page=before is None,
        notice=_("Everything is marked as read.") if request.query_params.get("done") == "read" else None,
    )
    # The bell's count, found while the page context was built.
    unread = unread_of(request)
    context["any_unread"] = bool(unread if unread is not None else await service.unread_count(request.user.id))
    return Template("notifications/list.html", context=context, headers=NO_STORE)


@post("/notifications/{notification_id:int}/open", name="notification_open", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def open_notification(request: Request[Any, Any, Any], notification_id: FromPath[int]) -> Redirect:
    url = await service.open_notification(request.user.id, notification_id)
    if url is None:
        raise NotFoundException()
    # Stored URLs are checked when written; checked again, so a row can never redirect off-site.
    return Redirect(url if service.is_local_path(url) else "/notifications", status_code=303, headers=NO_STORE)


@post("/notifications/read-all", name="notifications_read_all", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def mark_all_read(request: Request[Any, Any, Any]) -> Redirect:
    await service.mark_all_read(request.user.id)
    return Redirect("/notifications?done=read", status_code=303, headers=NO_STORE)


async def _settings_page(request: Request[Any, Any, Any], *, errors: list[str] | None = None,
                         status_code: int = 200) -> Template:
    intranet = request.app.state.intranet
    return Template(
        "notifications/settings.html",
        context=await page_context(
            request, title=_("Notification settings"),
            choices=await service.preferences_of(intranet, request.user.id),
            deliveries=list(delivery_labels().items()), errors=errors or [],
            notice=_("Your choices have been saved.") if request.query_params.get("done") == "saved" else None,
        ),
        status_code=status_code,
        headers=NO_STORE,
    )


@get("/notifications/settings", name="notification_settings", guards=[requires_login], include_in_schema=False)
async def settings_page(request: Request[Any, Any, Any]) -> Template:
    return await _settings_page(request)


@post("/notifications/settings", name="notification_settings_save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def settings_submit(request: Request[Any, Any, Any]) -> Template | Redirect:
    intranet = request.app.state.intranet
    form = await request.form()
    known = {kind.name for kind in service.notification_kinds(intranet)}
    choices: dict[str, str] = {}
    refused = False
    for key in form:
        if key == CSRF_FIELD:
            continue
        values = form.getall(key) if hasattr(form, "getall") else [form.get(key)]
        # Only declared kinds, one valid choice each: anything else is refused whole.
        if key not in known or len(values) != 1 or values[0] not in service.DELIVERIES:
            refused = True
            break
        choices[key] = str(values[0])
    if refused:
        return await _settings_page(request, errors=[_("The form held a choice that does not exist. "
                                                       "Nothing was saved.")], status_code=400)
    changed = await service.save_preferences(intranet, request.user.id, choices)
    if changed:
        await record("notifications.preferences", actor_id=request.user.id, target_type="person",
                     target_id=request.user.id, details=changed, ip=client_ip(request))
    return Redirect("/notifications/settings?done=saved", status_code=303, headers=NO_STORE)
