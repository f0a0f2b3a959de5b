"""The phonebook's pages: search, the org chart, vCards, one's own details, external contacts.

Every page needs a signed-in person and is never cached (it shows personal
data). What a reader may see of a person is decided in the queries of
:mod:`intranet_phonebook.search` and :mod:`intranet_phonebook.profiles`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from intranet_core.audit.service import client_ip
from intranet_core.auth.guards import requires_login
from intranet_core.forms import read_form, validate
from intranet_core.i18n import gettext as _
from intranet_core.pages import page_context
from intranet_core.people.profile import mailto_uri, memberships, tel_uri
from intranet_core.people.tables import Person
from intranet_core.permissions.service import may
from intranet_phonebook import contacts as contact_service
from intranet_phonebook import vcard
from intranet_phonebook.forms import ContactForm, ProfileForm
from intranet_phonebook.index import defaults_of
from intranet_phonebook.pages import may_edit, phone_links, root_units, unit_chart, unit_options
from intranet_phonebook.profiles import (
    MAX_SKILL_LENGTH,
    MAX_SKILLS,
    clean_skills,
    details,
    own_profile,
    photo_of,
    photo_url,
    remove_photo,
    save_profile,
    set_photo,
)
from intranet_phonebook.search import Cursor, search
from intranet_phonebook.visibility import LEVELS, NAMES, field_labels, level_labels, viewer_for

NO_STORE = {"Cache-Control": "no-store"}
MAX_ID = 2**31 - 1
MANAGE_CONTACTS = "phonebook.manage_contacts"
UNIT_VCARD_LIMIT = 2000
CONTACT_PAGE = 50


def _intranet(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.intranet


def _settings(request: Request[Any, Any, Any]) -> Any:
    return _intranet(request).plugin_settings("phonebook")


def _id(value: str | None) -> int | None:
    """A positive id from a query parameter, or ``None`` for anything else."""
    if value and value.isdigit() and len(value) < 11 and 1 <= int(value) <= MAX_ID:
        return int(value)
    return None


async def _page(request: Request[Any, Any, Any], template: str, *, title: str, status: int = 200,
                **context: Any) -> Template:
    ctx = await page_context(request, title=title, **context)
    return Template(template, context=ctx, status_code=status, headers=NO_STORE)


# --- search ---------------------------------------------------------------------------------


async def _results(request: Request[Any, Any, Any], q: str, unit: str, after: str) -> dict[str, Any]:
    intranet = _intranet(request)
    settings = _settings(request)
    query = " ".join(q.split())[:200]
    unit_id = _id(unit)
    viewer = await viewer_for(request.user.id)
    searched = bool(query) or unit_id is not None
    page = await search(viewer, query, defaults_of(intranet), unit_id=unit_id, limit=settings.page_size,
                        after=Cursor.decode(after)) if searched else None
    more_href = None
    if page is not None and page.next is not None:
        params = {"q": query, "unit": str(unit_id or ""), "after": page.next.encode()}
        more_href = "/phonebook?" + urlencode({k: v for k, v in params.items() if v})
    external = await contact_service.search_contacts(query, limit=5) if query and not after else []
    return {
        "q": query, "unit_id": unit_id, "searched": searched, "page": page, "more_href": more_href,
        "phones": {c.id: phone_links(c, settings.country_code) for c in (page.cards if page else [])},
        "mailto": {c.id: mailto_uri(c.email) for c in (page.cards if page else [])},
        "external": external, "paged": bool(after),
    }


@get("/phonebook", name="phonebook:index", guards=[requires_login], include_in_schema=False)
async def phonebook_page(
    request: Request[Any, Any, Any], q: FromQuery[str] = "", unit: FromQuery[str] = "", after: FromQuery[str] = ""
) -> Template:
    """Search as you type (a plain GET form; the script only saves the round trip of a page)."""
    results = await _results(request, q, unit, after)
    return await _page(request, "phonebook/index.html", title=_("Phonebook"), units=await unit_options(),
                       **results)


@get("/phonebook/results", name="phonebook:results", guards=[requires_login], include_in_schema=False,
     opt={"skip_usage": True})
async def results_fragment(
    request: Request[Any, Any, Any], q: FromQuery[str] = "", unit: FromQuery[str] = "", after: FromQuery[str] = ""
) -> Template:
    """The results alone, for the script that updates them as the person types."""
    results = await _results(request, q, unit, after)
    return Template("phonebook/_results.html", context=results, headers=NO_STORE)


# --- the org chart --------------------------------------------------------------------------


@get("/phonebook/units", name="phonebook:units", guards=[requires_login], include_in_schema=False)
async def units_page(request: Request[Any, Any, Any]) -> Template | Redirect:
    roots = await root_units()
    if len(roots) == 1:
        return Redirect(f"/phonebook/units/{roots[0].id}", status_code=303)
    return await _page(request, "phonebook/units.html", title=_("Org chart"), roots=roots)


@get("/phonebook/units/{unit_id:int}", name="phonebook:unit", guards=[requires_login], include_in_schema=False)
async def unit_page(request: Request[Any, Any, Any], unit_id: FromPath[int], after: FromQuery[str] = "") -> Template:
    """A unit: the way up, its managers, its members (a page at a time), the units below it."""
    if not 1 <= unit_id <= MAX_ID:
        raise NotFoundException()
    chart = await unit_chart(unit_id, page_size=max(_settings(request).page_size, 50), after=_id(after))
    if chart is None:
        raise NotFoundException()
    return await _page(request, "phonebook/unit.html", title=chart.unit["name"], chart=chart,
                       single_root=len(await root_units()) == 1)


# --- vCards ---------------------------------------------------------------------------------


def _vcard_response(text: str, name: str) -> Response[str]:
    return Response(
        content=text, media_type=vcard.MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{vcard.filename(name)}"', **NO_STORE},
    )


def _labels() -> dict[str, str]:
    return {"office": _("Office"), "hours": _("Working hours")}


async def _visible_person(request: Request[Any, Any, Any], person_id: int) -> dict[str, Any]:
    from intranet_core.feed.mentions import visible_people_query

    if not 1 <= person_id <= MAX_ID:
        raise NotFoundException()
    row = await visible_people_query(request.user.id, Person.id, Person.name).where(
        Person.id == person_id
    ).first().run()
    if row is None:
        raise NotFoundException()
    return row


@get("/phonebook/people/{person_id:int}/vcard", name="phonebook:person_vcard", guards=[requires_login],
     include_in_schema=False)
async def person_vcard(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Response[str]:
    await _visible_person(request, person_id)
    intranet = _intranet(request)
    settings = _settings(request)
    viewer = await viewer_for(request.user.id)
    shown = (await details(viewer, [person_id], defaults_of(intranet)))[person_id]
    units = await memberships(person_id)
    organisation = (*units[0].trail[:1], units[0].name) if units else ()
    text = vcard.person_card(shown, site=intranet.settings.site.name, organisation=organisation,
                             country_code=settings.country_code, labels=_labels(),
                             base_url=intranet.settings.site.base_url)
    return _vcard_response(text, shown.name)


@get("/phonebook/units/{unit_id:int}/vcard", name="phonebook:unit_vcard", guards=[requires_login],
     include_in_schema=False)
async def unit_vcard(request: Request[Any, Any, Any], unit_id: FromPath[int]) -> Response[str]:
    """Every active member of the unit (its managers first), one card each, as the reader may see them."""
    intranet = _intranet(request)
    settings = _settings(request)
    chart = await unit_chart(unit_id, page_size=UNIT_VCARD_LIMIT) if 1 <= unit_id <= MAX_ID else None
    if chart is None:
        raise NotFoundException()
    ids = [line["id"] for line in chart.managers + chart.members]
    viewer = await viewer_for(request.user.id)
    shown = await details(viewer, ids, defaults_of(intranet))
    organisation = (*[t["name"] for t in chart.trail[:1]], chart.unit["name"])
    text = "".join(
        vcard.person_card(shown[i], site=intranet.settings.site.name, organisation=organisation,
                          country_code=settings.country_code, labels=_labels(),
                          base_url=intranet.settings.site.base_url)
        for i in ids if i in shown
    )
    return _vcard_response(text, chart.unit["name"])


# --- one's own details ----------------------------------------------------------------------


@get("/phonebook/profile", name="phonebook:own_profile", guards=[requires_login], include_in_schema=False)
async def own_details(request: Request[Any, Any, Any]) -> Redirect:
    return Redirect(f"/phonebook/people/{request.user.id}/edit", status_code=303)


async def _edit_context(request: Request[Any, Any, Any], person: dict[str, Any]) -> dict[str, Any]:
    info = await photo_of(person["id"])
    return {
        "person": person, "own": person["id"] == request.user.id,
        "photo": photo_url(person["id"], info.id) if info else "",
        "level_labels": [(NAMES[level], label) for level, label in level_labels().items()],
        "field_labels": field_labels(), "max_skills": MAX_SKILLS, "max_skill_length": MAX_SKILL_LENGTH,
    }


async def _editable(request: Request[Any, Any, Any], person_id: int) -> dict[str, Any]:
    person = await _visible_person(request, person_id)
    if not await may_edit(request.user.id, person_id):
        raise PermissionDeniedException()
    return person


async def _edit_form(request: Request[Any, Any, Any], person: dict[str, Any], *, status: int = 200,
                     photo_error: str = "") -> Template:
    current = await own_profile(_intranet(request), person["id"])
    values = {
        "office": current["office"], "working_hours": current["working_hours"],
        "skills": "\n".join(current["skills"]),
        **{f"{name}_visibility": NAMES[level] for name, level in current["visibility"].items()},
    }
    return await _page(request, "phonebook/edit.html", title=_("Phonebook details"), status=status, values=values,
                       errors={}, numbers=current, photo_error=photo_error, **await _edit_context(request, person))


@get("/phonebook/people/{person_id:int}/edit", name="phonebook:edit", guards=[requires_login],
     include_in_schema=False)
async def edit_page(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template:
    return await _edit_form(request, await _editable(request, person_id))


@post("/phonebook/people/{person_id:int}/edit", name="phonebook:save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def save_page(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    person = await _editable(request, person_id)
    form = await request.form()
    raw = read_form(form, ProfileForm)
    value, errors = validate(ProfileForm, raw)
    skills: list[str] = []
    if value is not None:
        skills = clean_skills(value.skills)
        if len(skills) > MAX_SKILLS:
            errors["skills"] = _("Give at most %(count)d topics.") % {"count": MAX_SKILLS}
        elif any(len(skill) > MAX_SKILL_LENGTH for skill in skills):
            errors["skills"] = _("Keep each topic to at most %(count)d characters.") % {"count": MAX_SKILL_LENGTH}
    if value is None or errors:
        current = await own_profile(_intranet(request), person_id)
        return await _page(request, "phonebook/edit.html", title=_("Phonebook details"), status=400, values=raw,
                           errors=errors, numbers=current, photo_error="", **await _edit_context(request, person))
    await save_profile(
        _intranet(request), person_id, office=value.office, working_hours=value.working_hours, skills=skills,
        visibility={
            "phone": LEVELS[value.phone_visibility], "mobile": LEVELS[value.mobile_visibility],
            "office": LEVELS[value.office_visibility], "hours": LEVELS[value.hours_visibility],
            "skills": LEVELS[value.skills_visibility],
        },
        actor_id=request.user.id, ip=client_ip(request),
    )
    return Redirect(f"/people/{person_id}", status_code=303)


# --- the photo --------------------------------------------------------------------------------


@get("/phonebook/people/{person_id:int}/photo", name="phonebook:photo", guards=[requires_login],
     include_in_schema=False, opt={"skip_usage": True})
async def photo(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Response[Any]:
    """The photo of an active person (every signed-in person may see it, as they may see the name)."""
    from intranet_core.uploads.service import not_modified, not_modified_response, upload_response

    await _visible_person(request, person_id)
    info = await photo_of(person_id)
    if info is None:
        raise NotFoundException()
    if not_modified(request, info):
        return not_modified_response(info)
    return upload_response(_intranet(request), info, inline=True)


@post("/phonebook/people/{person_id:int}/photo", name="phonebook:photo_set", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def upload_photo(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Template | Redirect:
    from litestar.datastructures import UploadFile

    from intranet_core.uploads.service import UploadError

    person = await _editable(request, person_id)
    form = await request.form()
    file = form.get("photo")
    problem = _("Choose a picture to upload.")
    if isinstance(file, UploadFile) and file.filename:
        try:
            await set_photo(_intranet(request), person_id, file, actor_id=request.user.id, ip=client_ip(request))
        except UploadError as error:
            problem = error.message
        else:
            return Redirect(f"/phonebook/people/{person_id}/edit", status_code=303)
    return await _edit_form(request, person, status=400, photo_error=problem)


@post("/phonebook/people/{person_id:int}/photo/delete", name="phonebook:photo_remove", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def delete_photo(request: Request[Any, Any, Any], person_id: FromPath[int]) -> Redirect:
    await _editable(request, person_id)
    await remove_photo(_intranet(request), person_id, actor_id=request.user.id, ip=client_ip(request))
    return Redirect(f"/phonebook/people/{person_id}/edit", status_code=303)


# --- external contacts ----------------------------------------------------------------------


async def _may_manage(request: Request[Any, Any, Any]) -> bool:
    return await may(request.user.id, MANAGE_CONTACTS)


async def _manager(request: Request[Any, Any, Any]) -> None:
    if not await _may_manage(request):
        raise PermissionDeniedException()


@get("/phonebook/contacts", name="phonebook:contacts", guards=[requires_login], include_in_schema=False)
async def contacts_page(
    request: Request[Any, Any, Any], q: FromQuery[str] = "", category: FromQuery[str] = "",
    after: FromQuery[str] = "",
) -> Template:
    query = " ".join(q.split())[:200]
    cursor = None
    if after:
        last = await contact_service.get_contact(_id(after) or 0)
        cursor = (last["name"], int(last["id"])) if last else None
    found = await contact_service.search_contacts(query, category=category or None, limit=CONTACT_PAGE + 1,
                                                  after=cursor)
    more_href = None
    if len(found) > CONTACT_PAGE:
        found = found[:CONTACT_PAGE]
        params = {"q": query, "category": category, "after": str(found[-1]["id"])}
        more_href = "/phonebook/contacts?" + urlencode({k: v for k, v in params.items() if v})
    country = _settings(request).country_code
    return await _page(
        request, "phonebook/contacts.html", title=_("External contacts"), contacts=found, q=query,
        category=category, categories=contact_service.category_labels(), may_manage=await _may_manage(request),
        more_href=more_href, tel={c["id"]: tel_uri(c["phone"] or c["mobile"] or "", country) for c in found},
    )


def _contact_values(contact: dict[str, Any] | None) -> dict[str, str]:
    return {name: str(contact.get(name) or "") for name in contact_service.FIELDS} if contact else {
        "category": "partner"}


@get("/phonebook/contacts/new", name="phonebook:contact_new", guards=[requires_login], include_in_schema=False)
async def new_contact_page(request: Request[Any, Any, Any]) -> Template:
    await _manager(request)
    return await _page(request, "phonebook/contact_form.html", title=_("New external contact"), contact=None,
                       values=_contact_values(None), errors={}, categories=contact_service.category_labels())


async def _save_contact(request: Request[Any, Any, Any], contact_id: int | None) -> Template | Redirect:
    await _manager(request)
    current = None
    if contact_id is not None:
        current = await contact_service.get_contact(contact_id)
        if current is None:
            raise NotFoundException()
    raw = read_form(await request.form(), ContactForm)
    value, errors = validate(ContactForm, raw)
    if value is None:
        title = _("New external contact") if current is None else current["name"]
        return await _page(request, "phonebook/contact_form.html", title=title, status=400, contact=current,
                           values=raw, errors=errors, categories=contact_service.category_labels())
    saved = await contact_service.save_contact(
        _intranet(request), contact_id, {name: getattr(value, name) for name in contact_service.FIELDS},
        actor_id=request.user.id, ip=client_ip(request),
    )
    if saved is None:
        raise NotFoundException()
    return Redirect(f"/phonebook/contacts/{saved}", status_code=303)


@post("/phonebook/contacts", name="phonebook:contact_create", guards=[requires_login], include_in_schema=False,
      status_code=303)
async def create_contact(request: Request[Any, Any, Any]) -> Template | Redirect:
    return await _save_contact(request, None)


async def _contact(contact_id: int) -> dict[str, Any]:
    contact = await contact_service.get_contact(contact_id) if 1 <= contact_id <= MAX_ID else None
    if contact is None:
        raise NotFoundException()
    return contact


@get("/phonebook/contacts/{contact_id:int}", name="phonebook:contact", guards=[requires_login],
     include_in_schema=False)
async def contact_page(request: Request[Any, Any, Any], contact_id: FromPath[int]) -> Template:
    contact = await _contact(contact_id)
    country = _settings(request).country_code
    phones = [
        {"label": label, "number": contact[key], "href": tel_uri(contact[key], country)}
        for key, label in (("phone", _("Phone")), ("mobile", _("Mobile")))
        if contact[key] and tel_uri(contact[key], country)
    ]
    return await _page(request, "phonebook/contact.html", title=contact["name"], contact=contact, phones=phones,
                       mailto=mailto_uri(contact["email"]) if contact["email"] else "",
                       category=contact_service.category_labels().get(contact["category"], ""),
                       may_manage=await _may_manage(request))


@get("/phonebook/contacts/{contact_id:int}/edit", name="phonebook:contact_edit", guards=[requires_login],
     include_in_schema=False)
async def edit_contact_page(request: Request[Any, Any, Any], contact_id: FromPath[int]) -> Template:
    await _manager(request)
    contact = await _contact(contact_id)
    return await _page(request, "phonebook/contact_form.html", title=contact["name"], contact=contact,
                       values=_contact_values(contact), errors={}, categories=contact_service.category_labels())


@post("/phonebook/contacts/{contact_id:int}/edit", name="phonebook:contact_save", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def save_contact(request: Request[Any, Any, Any], contact_id: FromPath[int]) -> Template | Redirect:
    return await _save_contact(request, contact_id)


@post("/phonebook/contacts/{contact_id:int}/delete", name="phonebook:contact_delete", guards=[requires_login],
      include_in_schema=False, status_code=303)
async def delete_contact(request: Request[Any, Any, Any], contact_id: FromPath[int]) -> Redirect:
    await _manager(request)
    if not await contact_service.delete_contact(_intranet(request), contact_id, actor_id=request.user.id,
                                                ip=client_ip(request)):
        raise NotFoundException()
    return Redirect("/phonebook/contacts", status_code=303)


@get("/phonebook/contacts/{contact_id:int}/vcard", name="phonebook:contact_vcard", guards=[requires_login],
     include_in_schema=False)
async def contact_vcard(request: Request[Any, Any, Any], contact_id: FromPath[int]) -> Response[str]:
    contact = await _contact(contact_id)
    intranet = _intranet(request)
    text = vcard.contact_card(contact, site=intranet.settings.site.name,
                              country_code=_settings(request).country_code)
    return _vcard_response(text, contact["name"])


HANDLERS = [
    phonebook_page, results_fragment, units_page, unit_page, person_vcard, unit_vcard, own_details, edit_page,
    save_page, delete_photo, contacts_page, new_contact_page, create_contact, contact_page, edit_contact_page,
    save_contact, delete_contact, contact_vcard,
]
# Under the uploads' request size limit: every handler of the photo's path.
PHOTO_HANDLERS = [photo, upload_photo]


