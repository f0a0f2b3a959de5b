"""Who may do what in a group: every route of the plugin x open, closed and secret x seven people.

The people: ``anonymous``; an ``outsider``; a ``follower`` (of the open
group; for closed and secret groups, someone who followed it while it was
open, which ends following); a ``member``; the group's ``admin``; a ``site
admin`` (holds workgroups.manage everywhere, is not a member); a ``former``
member (added, then removed). The answers:

* ``404`` for what the person may not know exists: a secret group they are
  not in, and anything inside a group whose content they may not read;
* ``403`` for what they may see but not do;
* ``signin`` (a 303 to ``/signin``) for anonymous visitors;
* ``hit``/``miss``: whether the page or group is among the results.

Rows that change something run on a fresh group per person. A test fails
when a route of the plugin is missing from the table, and every unsafe
route refuses a request without a CSRF token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from intranet_workgroups.files import service as files
from intranet_workgroups.groups import service
from intranet_workgroups.groups.tables import JoinRequest
from intranet_workgroups.pages import service as pages
from litestar import Litestar
from litestar.datastructures import UploadFile
from workgroups_support import HTML, Org, organisation, png_bytes

from intranet_core.testing import csrf_token_of

SIGNIN, HIT, MISS = "signin", "hit", "miss"
ANON, OUTSIDER, FOLLOWER, MEMBER, ADMIN, SITE_ADMIN, FORMER = ROLES = (
    "anonymous", "outsider", "follower", "member", "admin", "site admin", "former",
)
PEOPLE = {OUTSIDER: "carol", FOLLOWER: "erin", MEMBER: "bob", ADMIN: "alice", SITE_ADMIN: "sam", FORMER: "frank"}
VISIBILITIES = ("open", "closed", "secret")
WORD = "matrixword"


def answers(*values: Any) -> dict[str, Any]:
    return dict(zip(ROLES, values, strict=True))


def by_visibility(open_: dict[str, Any], closed: dict[str, Any], secret: dict[str, Any] | None = None
                  ) -> dict[str, dict[str, Any]]:
    return {"open": open_, "closed": closed, "secret": secret if secret is not None else closed}


# The common shapes.
VISIBLE = answers(SIGNIN, 200, 200, 200, 200, 200, 200)
MEMBERS_ONLY = answers(SIGNIN, 404, 404, 200, 200, 200, 404)
READ = by_visibility(VISIBLE, MEMBERS_ONLY)
GROUP = by_visibility(VISIBLE, VISIBLE, MEMBERS_ONLY)
ADMIN_GET = by_visibility(answers(SIGNIN, 403, 403, 403, 200, 200, 403), answers(SIGNIN, 404, 404, 403, 200, 200, 404))
ADMIN_POST = by_visibility(answers(SIGNIN, 403, 403, 403, 303, 303, 403),
                           answers(SIGNIN, 404, 404, 403, 303, 303, 404))
MANAGE_POST = by_visibility(answers(SIGNIN, 403, 403, 403, 403, 303, 403),
                            answers(SIGNIN, 404, 404, 403, 403, 303, 404))
MEMBER_GET = by_visibility(answers(SIGNIN, 403, 403, 200, 200, 200, 403), answers(SIGNIN, 404, 404, 200, 200, 200, 404))
MEMBER_POST = by_visibility(answers(SIGNIN, 403, 403, 303, 303, 303, 403),
                            answers(SIGNIN, 404, 404, 303, 303, 303, 404))


@dataclass(frozen=True)
class Row:
    method: str
    route: str
    path: str
    expected: dict[str, dict[str, Any]]
    form: dict[str, str] | None = None
    find: str = ""
    upload: bool = False  # a multipart form with a file


MATRIX: tuple[Row, ...] = (
    Row("GET", "/groups/{group_id:int}", "/groups/{G}", GROUP),
    Row("GET", "/groups/{group_id:int}/members", "/groups/{G}/members", READ),
    Row("GET", "/groups/{group_id:int}/settings", "/groups/{G}/settings", ADMIN_GET),
    Row("GET", "/groups/{group_id:int}/units", "/groups/{G}/units", ADMIN_GET),
    Row("GET", "/groups/{group_id:int}/delete", "/groups/{G}/delete", ADMIN_GET),
    Row("GET", "/groups/{group_id:int}/pages/new", "/groups/{G}/pages/new", MEMBER_GET),
    Row("GET", "/groups/{group_id:int}/pages/{page_id:int}", "/groups/{G}/pages/{P}", READ),
    Row("GET", "/groups/{group_id:int}/pages/{page_id:int}/edit", "/groups/{G}/pages/{P}/edit", MEMBER_GET),
    Row("GET", "/groups/{group_id:int}/pages/{page_id:int}/history", "/groups/{G}/pages/{P}/history", READ),
    Row("GET", "/groups/{group_id:int}/pages/{page_id:int}/history/{number:int}",
        "/groups/{G}/pages/{P}/history/1", READ),
    # The group's post, on the core's permalink: the audience (members, followers), and the site
    # administrator, who moderates every post.
    Row("GET", "/posts/{post_id:int}", "/posts/{POST}", by_visibility(
        answers(SIGNIN, 404, 200, 200, 200, 200, 404), answers(SIGNIN, 404, 404, 200, 200, 200, 404))),
    Row("GET", "/groups", "/groups", by_visibility(
        answers(SIGNIN, HIT, HIT, HIT, HIT, HIT, HIT), answers(SIGNIN, HIT, HIT, HIT, HIT, HIT, HIT),
        answers(SIGNIN, MISS, MISS, HIT, HIT, HIT, MISS)), find='href="/groups/{G}"'),
    Row("GET", "/groups/new", "/groups/new", by_visibility(VISIBLE, VISIBLE)),
    # Search runs on audience keys: the site administrator, not a member, does not find closed content.
    Row("GET", "/search", f"/search?q={WORD}", by_visibility(
        answers(SIGNIN, HIT, HIT, HIT, HIT, HIT, HIT), answers(SIGNIN, MISS, MISS, HIT, HIT, MISS, MISS)),
        find='/groups/{G}/pages/{P}'),
    # --- what changes something (a fresh group for each person) ---
    Row("POST", "/groups/{group_id:int}/posts", "/groups/{G}/posts", by_visibility(
        answers(SIGNIN, 403, 403, 303, 303, 403, 403), answers(SIGNIN, 404, 404, 303, 303, 403, 404)),
        form={"title": "", "body": "Hello"}),
    # Joining: an open group at once, a closed one by request, a secret one never (admins add people).
    Row("POST", "/groups/{group_id:int}/join", "/groups/{G}/join", by_visibility(
        answers(SIGNIN, 303, 303, 303, 303, 303, 303), answers(SIGNIN, 303, 303, 303, 303, 303, 303),
        answers(SIGNIN, 404, 404, 303, 303, 403, 404)), form={}),
    Row("POST", "/groups/{group_id:int}/withdraw", "/groups/{G}/withdraw", by_visibility(
        answers(SIGNIN, 303, 303, 303, 303, 303, 303), answers(SIGNIN, 303, 303, 303, 303, 303, 303),
        answers(SIGNIN, 404, 404, 303, 303, 303, 404)), form={}),
    # The last admin may not leave (the form again, 400).
    Row("POST", "/groups/{group_id:int}/leave", "/groups/{G}/leave", by_visibility(
        answers(SIGNIN, 303, 303, 303, 400, 303, 303), answers(SIGNIN, 303, 303, 303, 400, 303, 303),
        answers(SIGNIN, 404, 404, 303, 400, 303, 404)), form={}),
    # Only open groups are followed, and not by their members.
    Row("POST", "/groups/{group_id:int}/follow", "/groups/{G}/follow", by_visibility(
        answers(SIGNIN, 303, 303, 400, 400, 303, 303), answers(SIGNIN, 400, 400, 400, 400, 400, 400),
        answers(SIGNIN, 404, 404, 400, 400, 400, 404)), form={"on": "1"}),
    Row("POST", "/groups/{group_id:int}/mute", "/groups/{G}/mute", by_visibility(
        answers(SIGNIN, 403, 303, 303, 303, 403, 403), answers(SIGNIN, 403, 403, 303, 303, 403, 403),
        answers(SIGNIN, 404, 404, 303, 303, 403, 404)), form={"on": "1"}),
    Row("POST", "/groups/{group_id:int}/members", "/groups/{G}/members", ADMIN_POST,
        form={"email": "dave@example.org", "role": "member"}),
    Row("POST", "/groups/{group_id:int}/members/{person_id:int}/remove", "/groups/{G}/members/{M}/remove",
        ADMIN_POST, form={}),
    Row("POST", "/groups/{group_id:int}/members/{person_id:int}/role", "/groups/{G}/members/{M}/role",
        ADMIN_POST, form={"role": "admin"}),
    Row("POST", "/groups/{group_id:int}/requests/{request_id:int}/{decision:str}",
        "/groups/{G}/requests/{R}/approve", ADMIN_POST, form={}),
    Row("POST", "/groups/{group_id:int}/settings", "/groups/{G}/settings", ADMIN_POST,
        form={"name": "Renamed", "description": "", "visibility": "{V}"}),
    Row("POST", "/groups/{group_id:int}/delete", "/groups/{G}/delete", ADMIN_POST, form={}),
    # Making a group mandatory for a unit takes workgroups.manage there: a group admin alone may not.
    Row("POST", "/groups/{group_id:int}/units", "/groups/{G}/units", MANAGE_POST, form={"unit": "{UA}"}),
    Row("POST", "/groups/{group_id:int}/units/{unit_id:int}/remove", "/groups/{G}/units/{UB}/remove",
        MANAGE_POST, form={}),
    Row("POST", "/groups/{group_id:int}/pages", "/groups/{G}/pages", MEMBER_POST,
        form={"title": "New", "body": "Text"}),
    Row("POST", "/groups/{group_id:int}/pages/{page_id:int}/edit", "/groups/{G}/pages/{P}/edit", MEMBER_POST,
        form={"title": "Edited", "body": "Text", "revision": "1"}),
    Row("POST", "/groups/{group_id:int}/pages/{page_id:int}/history/{number:int}/restore",
        "/groups/{G}/pages/{P}/history/1/restore", MEMBER_POST, form={}),
    Row("POST", "/groups/{group_id:int}/pages/{page_id:int}/move", "/groups/{G}/pages/{P}/move", ADMIN_POST,
        form={"direction": "down"}),
    Row("POST", "/groups/{group_id:int}/pages/{page_id:int}/delete", "/groups/{G}/pages/{P}/delete", ADMIN_POST,
        form={}),
    # --- files ---
    Row("GET", "/groups/{group_id:int}/files", "/groups/{G}/files", READ),
    Row("GET", "/groups/{group_id:int}/files", "/groups/{G}/files?folder={F}", READ),
    Row("GET", "/groups/{group_id:int}/files/{file_id:int}", "/groups/{G}/files/{FILE}", READ),
    Row("GET", "/groups/{group_id:int}/files/{file_id:int}/download", "/groups/{G}/files/{FILE}/download", READ),
    Row("GET", "/groups/{group_id:int}/files/{file_id:int}/versions/{number:int}/download",
        "/groups/{G}/files/{FILE}/versions/1/download", READ),
    Row("GET", "/groups/{group_id:int}/image", "/groups/{G}/image", GROUP),
    Row("POST", "/groups/{group_id:int}/files", "/groups/{G}/files", MEMBER_POST, form={"note": ""}, upload=True),
    Row("POST", "/groups/{group_id:int}/files/{file_id:int}/versions", "/groups/{G}/files/{FILE}/versions",
        MEMBER_POST, form={"note": "v2"}, upload=True),
    # The file is the admin's: a member may delete only files they brought.
    Row("POST", "/groups/{group_id:int}/files/{file_id:int}/delete", "/groups/{G}/files/{FILE}/delete", ADMIN_POST,
        form={}),
    Row("POST", "/groups/{group_id:int}/folders", "/groups/{G}/folders", MEMBER_POST, form={"name": "New folder"}),
    Row("POST", "/groups/{group_id:int}/folders/{folder_id:int}/delete", "/groups/{G}/folders/{F}/delete",
        ADMIN_POST, form={}),
    Row("POST", "/groups/{group_id:int}/image", "/groups/{G}/image", ADMIN_POST, form={}, upload=True),
)
# Routes the table must cover: every route of the plugin.
COVERED = re.compile(r"^/groups(/|$)")


def test_every_group_route_is_in_the_matrix(intranet_app: Litestar) -> None:
    in_table = {(row.method, row.route) for row in MATRIX}
    missing = [
        f"{method} {path}"
        for path, methods in sorted(intranet_app.route_handler_method_map.items())
        if COVERED.match(path)
        for method in sorted(methods)
        if method not in ("OPTIONS", "HEAD") and (method, path) not in in_table
        and not (method == "POST" and path == "/groups")  # creating: any signed-in person (test_workgroups_groups)
    ]
    assert missing == [], f"routes the authorisation matrix does not cover: {missing}"


async def make_group(org: Org, visibility: str) -> dict[str, Any]:
    """A group with its admin, a member, a follower, a former member, a page, a post and a join request."""
    from intranet_core.feed.service import create_post
    from intranet_core.people.service import create_unit

    intranet = org.intranet
    group_id = await org.group(f"Matrix {visibility}", by="alice", visibility="open")
    await org.add(group_id, "bob")
    await org.add(group_id, "frank")
    await service.follow(intranet, group_id, org.people["erin"], True)
    await service.remove_member(intranet, group_id, org.people["frank"], actor_id=org.people["alice"])
    page_id = await pages.create_page(intranet, group_id, author_id=org.people["alice"], title="Matrix page",
                                      body=f"Text with {WORD}.")
    await pages.create_page(intranet, group_id, author_id=org.people["alice"], title="Second", body="")
    post_id = await create_post(intranet, author_id=org.people["alice"], title="Group post", body="Hi",
                                audience=[f"group:{group_id}"])
    await JoinRequest.insert(JoinRequest(workgroup=group_id, person=org.people["dave"], message="",
                                         created_at=service.now())).run()
    request_id = (await JoinRequest.select(JoinRequest.id).where(JoinRequest.workgroup == group_id).first().run())["id"]
    if "E" not in org.units:
        # A unit nobody is in: binding it changes no one's membership.
        org.units["E"] = await create_unit(intranet, name="Empty", kind="team", parent_id=org.units["union"],
                                           actor_id=None)
    await service.bind_unit(intranet, group_id, org.units["E"], actor_id=org.people["sam"])
    folder_id = await files.create_folder(intranet, group_id, None, "Empty folder", actor_id=org.people["alice"])
    file_id, _version = await files.add_file(intranet, group_id, None, upload_file("plan.txt", b"The plan"),
                                             actor_id=org.people["alice"])
    await files.set_image(intranet, group_id, upload_file("logo.png", png_bytes()), actor_id=org.people["alice"])
    if visibility != "open":
        # Closing the group ends its followers (and, here, keeps the pending request as it was).
        await service.update_group(intranet, group_id, actor_id=org.people["alice"], name=f"Matrix {visibility}",
                                   description="", visibility=visibility)
        await JoinRequest.insert(JoinRequest(workgroup=group_id, person=org.people["dave"], message="",
                                             created_at=service.now())).on_conflict(action="DO NOTHING").run()
        request_id = (await JoinRequest.select(JoinRequest.id).where(
            JoinRequest.workgroup == group_id).first().run())["id"]
    return {"G": group_id, "P": page_id, "POST": post_id, "R": request_id, "M": org.people["bob"], "F": folder_id,
            "FILE": file_id,
            "UA": org.units["A"], "UB": org.units["E"], "V": visibility}


def upload_file(name: str, content: bytes) -> UploadFile:
    return UploadFile(content_type="application/octet-stream", filename=name, file_data=content)


def fill(text: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids.get(m.group(1), m.group(0))), text)


async def outcome(org: Org, row: Row, role: str, ids: dict[str, Any]) -> Any:
    client = await org.client(ANON if role == ANON else PEOPLE[role])
    path = fill(row.path, ids)
    if row.method == "GET":
        answer = await client.get(path, headers=HTML)
    else:
        page = await client.get("/signin" if role == ANON else "/account", headers=HTML)
        data = {k: fill(v, ids) for k, v in (row.form or {}).items()}
        sent = {"file": ("notes.png", png_bytes(), "image/png")} if row.upload else None
        if sent and "image" in row.path:
            sent = {"image": sent["file"]}
        answer = await client.post(path, headers=HTML, data={**data, "_csrf_token": csrf_token_of(page.text)},
                                   files=sent)
    if answer.status_code in (302, 303) and answer.headers.get("location", "").startswith("/signin"):
        return SIGNIN
    if row.find and answer.status_code == 200:
        return HIT if fill(row.find, ids) in answer.text else MISS
    return answer.status_code


@pytest.mark.parametrize("visibility", VISIBILITIES)
async def test_authorisation_matrix(intranet_app: Litestar, visibility: str) -> None:
    async with organisation(intranet_app) as org:
        shared = await make_group(org, visibility)
        wrong: list[str] = []
        for row in MATRIX:
            for role in ROLES:
                ids = shared if row.method == "GET" else await make_group(org, visibility)
                expected = row.expected[visibility][role]
                got = await outcome(org, row, role, ids)
                if got != expected:
                    wrong.append(f"{row.method} {row.path} as {role}: expected {expected}, got {got}")
        assert wrong == [], "\n".join(wrong)


async def test_every_unsafe_route_needs_the_csrf_token(intranet_app: Litestar) -> None:
    async with organisation(intranet_app) as org:
        ids = await make_group(org, "open")
        alice = await org.client("alice")
        unsafe = [row for row in MATRIX if row.method != "GET"]
        assert len(unsafe) >= 19
        for row in unsafe:
            path = fill(row.path, ids)
            data = {k: fill(v, ids) for k, v in (row.form or {}).items()}
            sent = {"file": ("notes.txt", b"notes", "text/plain")} if row.upload else None
            without = await alice.post(path, headers=HTML, data=data, files=sent)
            wrong = await alice.post(path, headers=HTML, data={**data, "_csrf_token": "not-the-token"}, files=sent)
            assert (without.status_code, wrong.status_code) == (403, 403), path
        # Nothing happened: the member is still there, the page not deleted.
        assert await service.is_member(ids["G"], org.people["bob"])
        assert await pages.get_page(ids["G"], ids["P"]) is not None
