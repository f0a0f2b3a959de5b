"""Who may do what to a post and what hangs off it: the authorisation matrix, and CSRF on every unsafe route.

The matrix: seven people (anonymous, an outsider in another district, a
member of the post's audience, the post's author, the district's editor, a
site administrator, and a former member removed from the unit after the
post was published), times every route on a post, its comments, reactions,
acknowledgements, reach, the live card, search and the API (attachments
join the table when they exist: :func:`test_every_post_route_is_in_the_matrix`
fails for any route on a post the table does not cover). The expected
answers are written out below, row by row:

* ``404`` for what the person may not know exists (a post outside their
  audience, and everything on it);
* ``403`` for what they know exists but may not do;
* ``signin`` (a 303 to ``/signin``) for anonymous visitors of pages, ``401``
  for requests to the API without a token;
* ``hit`` / ``miss``: whether the post is among the results.

A row that changes something (delete, restore, delete a comment) gets a
fresh object for each person, made before the former member was removed.

CSRF: every route of the app with an unsafe method outside ``/api/`` (found
in the app itself, so a new route is covered at once) refuses a request
without a token, and one with a wrong token, with 403, for a signed-in
person; the API refuses session cookies altogether (401 without a token).

Runs on SQLite, or on the PostgreSQL named by ``$INTRANET_TEST_DATABASE_URL``.
"""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from litestar import Litestar

from intranet_core.account.tokens import create_api_token
from intranet_core.auth.passwords import hash_password_async
from intranet_core.people.service import create_person, create_unit, remove_membership
from intranet_core.people.tables import Membership
from intranet_core.permissions.tables import Role, RoleAssignment, RolePermission
from intranet_core.plugin_contract import concrete_path
from intranet_core.testing import TEST_PASSWORD, client_for, csrf_token_of, http_client, log_in, sign_in

HTML = {"accept": "text/html", "accept-language": "en"}
SIGNIN = "signin"
HIT, MISS = "hit", "miss"
WORD = "matrixword"

ANONYMOUS, OUTSIDER, MEMBER, AUTHOR, EDITOR, ADMIN, FORMER = ROLES = (
    "anonymous", "outsider", "member", "author", "editor", "admin", "former member",
)


def answers(anonymous: Any, outsider: Any, member: Any, author: Any, editor: Any, admin: Any,
            former: Any) -> dict[str, Any]:
    return dict(zip(ROLES, (anonymous, outsider, member, author, editor, admin, former), strict=True))


@dataclass(frozen=True)
class Row:
    """One route, as each person should find it.

    ``path`` names objects in braces: ``{P}`` the post (to the district, by
    the author, important), ``{C}`` the member's comment on it, ``{CF}`` the
    former member's comment (written while a member), ``{N}`` the member's
    notification of the post, ``{F}`` a file attached to it; ``{fresh}`` a new object for each person
    (``fresh`` says which kind).
    """

    method: str
    route: str
    path: str
    expected: dict[str, Any]
    form: dict[str, Any] | None = None
    json: Any = None
    files: tuple[tuple[str, str, bytes], ...] = ()  # API: multipart parts (field, file name, bytes)
    api: bool = False
    fresh: str = ""
    find: str = ""  # hit/miss: what the answer holds when the post is found


# The post's own words (an edit keeps them, so search still finds it); other posts never use WORD.
POST_TEXT = {"title": f"District news {WORD}", "body": f"For the district only. {WORD}"}
POST_FORM = {"title": "More news", "body": "For whoever may read it."}
MATRIX: tuple[Row, ...] = (
    # --- pages ---
    Row("GET", "/posts/{post_id:int}", "/posts/{P}", answers(SIGNIN, 404, 200, 200, 200, 200, 404)),
    Row("GET", "/posts/{post_id:int}/reach", "/posts/{P}/reach", answers(SIGNIN, 404, 403, 200, 200, 200, 404)),
    # Acknowledging is for the audience: the administrator reads the post as a moderator, outside it.
    Row("POST", "/posts/{post_id:int}/acknowledge", "/posts/{P}/acknowledge",
        answers(SIGNIN, 404, 303, 303, 303, 404, 404), form={}),
    Row("GET", "/posts/new", "/posts/new", answers(SIGNIN, 403, 403, 200, 200, 200, 403)),
    # Someone who may publish somewhere gets the form back (400) for an audience they may not use.
    Row("POST", "/posts", "/posts", answers(SIGNIN, 403, 403, 303, 303, 303, 403),
        form={**POST_FORM, "audience": "unit:{A}"}),
    Row("POST", "/posts", "/posts", answers(SIGNIN, 403, 403, 400, 400, 303, 403),
        form={**POST_FORM, "audience": "all"}),
    Row("POST", "/posts", "/posts", answers(SIGNIN, 403, 403, 400, 400, 303, 403),
        form={**POST_FORM, "audience": "unit:{B}"}),
    Row("GET", "/posts/{post_id:int}/edit", "/posts/{P}/edit", answers(SIGNIN, 404, 403, 200, 200, 200, 404)),
    Row("POST", "/posts/{post_id:int}/edit", "/posts/{P}/edit", answers(SIGNIN, 404, 403, 303, 303, 303, 404),
        form=POST_TEXT),
    Row("POST", "/posts/{post_id:int}/delete", "/posts/{fresh}/delete",
        answers(SIGNIN, 404, 403, 303, 303, 303, 404), form={}, fresh="post"),
    # Restoring needs feed.moderate everywhere: refused before the post is looked at.
    Row("POST", "/posts/{post_id:int}/restore", "/posts/{fresh}/restore",
        answers(SIGNIN, 403, 403, 403, 403, 303, 403), form={}, fresh="deleted post"),
    Row("GET", "/posts/deleted", "/posts/deleted", answers(SIGNIN, 403, 403, 403, 403, 200, 403)),
    Row("GET", "/posts/{post_id:int}/comments", "/posts/{P}/comments", answers(SIGNIN, 404, 303, 303, 303, 303, 404)),
    Row("POST", "/posts/{post_id:int}/comments", "/posts/{P}/comments",
        answers(SIGNIN, 404, 303, 303, 303, 303, 404), form={"body": "A comment"}),
    # Only the writer edits a comment; moderators may delete it.
    Row("GET", "/posts/{post_id:int}/comments/{comment_id:int}/edit", "/posts/{P}/comments/{C}/edit",
        answers(SIGNIN, 404, 200, 403, 403, 403, 404)),
    Row("POST", "/posts/{post_id:int}/comments/{comment_id:int}/edit", "/posts/{P}/comments/{C}/edit",
        answers(SIGNIN, 404, 303, 403, 403, 403, 404), form={"body": "Edited"}),
    Row("GET", "/posts/{post_id:int}/comments/{comment_id:int}/edit", "/posts/{P}/comments/{CF}/edit",
        answers(SIGNIN, 404, 403, 403, 403, 403, 404)),
    Row("POST", "/posts/{post_id:int}/comments/{comment_id:int}/delete", "/posts/{P}/comments/{fresh}/delete",
        answers(SIGNIN, 404, 303, 403, 303, 303, 404), form={}, fresh="comment"),
    Row("POST", "/posts/{post_id:int}/comments/{comment_id:int}/delete", "/posts/{P}/comments/{fresh}/delete",
        answers(SIGNIN, 404, 403, 403, 303, 303, 404), form={}, fresh="former's comment"),
    Row("GET", "/posts/{post_id:int}/reactions", "/posts/{P}/reactions", answers(SIGNIN, 404, 200, 200, 200, 200, 404)),
    Row("GET", "/posts/{post_id:int}/files/{upload_id:int}", "/posts/{P}/files/{F}",
        answers(SIGNIN, 404, 200, 200, 200, 200, 404)),
    Row("POST", "/posts/{post_id:int}/reactions", "/posts/{P}/reactions",
        answers(SIGNIN, 404, 303, 303, 303, 303, 404), form={"kind": "like", "next": "/"}),
    # The live card is the feed's: the audience only.
    Row("GET", "/feed/card/{post_id:int}", "/feed/card/{P}", answers(SIGNIN, 404, 200, 200, 200, 404, 404)),
    Row("GET", "/search", f"/search?q={WORD}", answers(SIGNIN, MISS, HIT, HIT, HIT, MISS, MISS),
        find='"/posts/{P}"'),
    Row("GET", "/", "/", answers(SIGNIN, MISS, HIT, HIT, HIT, MISS, MISS), find='"/posts/{P}"'),
    Row("POST", "/notifications/{notification_id:int}/open", "/notifications/{N}/open",
        answers(SIGNIN, 404, 303, 404, 404, 404, 404), form={}),
    # --- the API (a token that may write; anonymous: no token) ---
    Row("GET", "/api/v1/posts/{post_id:int}", "/api/v1/posts/{P}", answers(401, 404, 200, 200, 200, 200, 404),
        api=True),
    Row("POST", "/api/v1/posts/{post_id:int}/acknowledge", "/api/v1/posts/{P}/acknowledge",
        answers(401, 404, 200, 200, 200, 404, 404), api=True),
    Row("GET", "/api/v1/posts/{post_id:int}/comments", "/api/v1/posts/{P}/comments",
        answers(401, 404, 200, 200, 200, 200, 404), api=True),
    Row("POST", "/api/v1/posts/{post_id:int}/comments", "/api/v1/posts/{P}/comments",
        answers(401, 404, 201, 201, 201, 201, 404), api=True, json={"body": "Through the API"}),
    Row("DELETE", "/api/v1/posts/{post_id:int}/comments/{comment_id:int}", "/api/v1/posts/{P}/comments/{fresh}",
        answers(401, 404, 204, 403, 204, 204, 404), api=True, fresh="comment"),
    Row("DELETE", "/api/v1/posts/{post_id:int}/comments/{comment_id:int}", "/api/v1/posts/{P}/comments/{fresh}",
        answers(401, 404, 403, 403, 204, 204, 404), api=True, fresh="former's comment"),
    Row("GET", "/api/v1/posts/{post_id:int}/reactions", "/api/v1/posts/{P}/reactions",
        answers(401, 404, 200, 200, 200, 200, 404), api=True),
    Row("PUT", "/api/v1/posts/{post_id:int}/reactions/{kind:str}", "/api/v1/posts/{P}/reactions/heart",
        answers(401, 404, 200, 200, 200, 200, 404), api=True),
    Row("DELETE", "/api/v1/posts/{post_id:int}/reactions/{kind:str}", "/api/v1/posts/{P}/reactions/heart",
        answers(401, 404, 200, 200, 200, 200, 404), api=True),
    Row("GET", "/api/v1/posts/{post_id:int}/attachments/{upload_id:int}", "/api/v1/posts/{P}/attachments/{F}",
        answers(401, 404, 200, 200, 200, 200, 404), api=True),
    # Attaching files is editing: the author, and who may moderate the post.
    Row("POST", "/api/v1/posts/{post_id:int}/attachments", "/api/v1/posts/{P}/attachments",
        answers(401, 404, 403, 201, 201, 201, 404), api=True,
        files=(("file", "agenda.txt", b"Agenda of the district meeting\n"),)),
    Row("POST", "/api/v1/posts", "/api/v1/posts", answers(401, 403, 403, 201, 201, 201, 403), api=True,
        json={**POST_FORM, "audience": ["unit:{A}"]}),
    Row("POST", "/api/v1/posts", "/api/v1/posts", answers(401, 403, 403, 403, 403, 201, 403), api=True,
        json={**POST_FORM, "audience": ["all"]}),
    Row("GET", "/api/v1/feed", "/api/v1/feed", answers(401, MISS, HIT, HIT, HIT, MISS, MISS), api=True,
        find='"id":{P},'),
    Row("GET", "/api/v1/search", f"/api/v1/search?q={WORD}", answers(401, MISS, HIT, HIT, HIT, MISS, MISS),
        api=True, find='"/posts/{P}"'),
    Row("POST", "/api/v1/notifications/{notification_id:int}/read", "/api/v1/notifications/{N}/read",
        answers(401, 404, 200, 404, 404, 404, 404), api=True),
)
# Routes on posts and their parts that the table must cover.
COVERED = re.compile(r"^(/api/v1)?/(posts|feed|search|notifications/\{|attachments|files|uploads)")


def test_every_post_route_is_in_the_matrix(intranet_app: Litestar) -> None:
    """A new route on posts, comments, reactions, files, search or notifications must join the table."""
    in_table = {(row.method, row.route) for row in MATRIX}
    missing = [
        f"{method} {path}"
        for path, methods in sorted(intranet_app.route_handler_method_map.items())
        if COVERED.match(path) and not path.startswith("/static/")
        for method in sorted(methods)
        if method not in ("OPTIONS", "HEAD") and (method, path) not in in_table
        and path not in ("/feed/live",)  # the event stream: post ids only, for the reader's own keys
    ]
    assert missing == [], "routes the authorisation matrix does not cover: add rows to MATRIX"


# --- the people and the objects --------------------------------------------------------------


@dataclass
class World:
    app: Litestar
    intranet: Any
    ids: dict[str, int] = field(default_factory=dict)  # P, C, CF, N, A, B, F
    clients: dict[str, httpx.AsyncClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    people: dict[str, int] = field(default_factory=dict)
    fresh: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, role) -> id

    def fill(self, text: str, fresh: int | None = None) -> str:
        values = {**{k: str(v) for k, v in self.ids.items()}, "fresh": str(fresh or "")}
        return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), m.group(0)), text)


async def form_post(client: httpx.AsyncClient, path: str, data: dict[str, Any]) -> httpx.Response:
    """A form sent by a signed-in person, with the CSRF token of a page."""
    token = csrf_token_of((await client.get("/account", headers=HTML)).text)
    return await client.post(path, headers=HTML, data={**data, "_csrf_token": token})


async def role_id(name: str, permissions: tuple[str, ...] = ()) -> int:
    row = await Role.select(Role.id).where(Role.name == name).first().run()
    if row is None:
        await Role.insert(Role(name=name, label=name.title(), builtin=False)).run()
        row = await Role.select(Role.id).where(Role.name == name).first().run()
        assert row is not None
        for permission in permissions:
            await RolePermission.insert(RolePermission(role=row["id"], permission=permission)).run()
    return int(row["id"])


async def build_world(app: Litestar, stack: contextlib.AsyncExitStack) -> World:
    intranet = app.state.intranet
    world = World(app, intranet)
    org = await create_unit(intranet, name="Union", kind="organisation", parent_id=None, actor_id=None)
    district_a = await create_unit(intranet, name="District A", kind="district", parent_id=org, actor_id=None)
    team_a1 = await create_unit(intranet, name="Team A1", kind="team", parent_id=district_a, actor_id=None)
    district_b = await create_unit(intranet, name="District B", kind="district", parent_id=org, actor_id=None)
    world.ids.update(A=district_a, B=district_b)
    password = await hash_password_async(TEST_PASSWORD)
    homes = {OUTSIDER: district_b, MEMBER: team_a1, AUTHOR: district_a, EDITOR: district_a, ADMIN: org,
             FORMER: team_a1}
    for role, unit in homes.items():
        person = await create_person(intranet, actor_id=None, password_hash=password, unit_id=unit, fields={
            "email": f"{role.replace(' ', '-')}@example.org", "name": role.title()})
        world.people[role] = person.id
    publisher = await role_id("publisher", ("feed.publish",))
    await RoleAssignment.insert(
        RoleAssignment(person=world.people[AUTHOR], role=publisher, unit=district_a),
        RoleAssignment(person=world.people[EDITOR], role=await role_id("editor"), unit=district_a),
        RoleAssignment(person=world.people[ADMIN], role=await role_id("admin"), unit=None),
    ).run()
    for role in ROLES:
        client = await stack.enter_async_context(http_client(app))
        world.clients[role] = client
        if role != ANONYMOUS:
            await log_in(client, f"{role.replace(' ', '-')}@example.org")
            world.tokens[role] = await create_api_token(intranet, world.people[role], name="matrix", read_only=False)

    async def publish(title: str) -> int:
        main = title == POST_TEXT["title"]
        form = {"title": title, "body": POST_TEXT["body"] if main else title, "audience": f"unit:{district_a}"}
        answer = await form_post(world.clients[AUTHOR], "/posts", {**form, "important": "on"} if main else form)
        assert answer.status_code == 303, answer.text[:500]
        return int(answer.headers["location"].rsplit("/", 1)[1])

    async def comment(role: str, post_id: int) -> int:
        answer = await form_post(world.clients[role], f"/posts/{post_id}/comments", {"body": f"By the {role}"})
        assert answer.status_code == 303, answer.text[:500]
        return int(answer.headers["location"].rsplit("-", 1)[1])

    world.ids["P"] = await publish(POST_TEXT["title"])
    world.ids["F"] = await attach_file(intranet, world.ids["P"], world.people[AUTHOR])
    world.ids["C"] = await comment(MEMBER, world.ids["P"])
    world.ids["CF"] = await comment(FORMER, world.ids["P"])
    from intranet_core.notifications.tables import Notification

    notice = await Notification.select(Notification.id).where(
        (Notification.person == world.people[MEMBER]) & (Notification.url == f"/posts/{world.ids['P']}")
    ).first().run()
    assert notice is not None, "an important post notifies its audience"
    world.ids["N"] = int(notice["id"])
    # Fresh objects for the rows that change something, one per person.
    for role in ROLES:
        world.fresh["post", role] = await publish(f"To be deleted by the {role}")
        deleted = await publish(f"To be restored by the {role}")
        answer = await form_post(world.clients[ADMIN], f"/posts/{deleted}/delete", {})
        assert answer.status_code == 303
        world.fresh["deleted post", role] = deleted
        world.fresh["comment", role] = await comment(MEMBER, world.ids["P"])
        world.fresh["api comment", role] = await comment(MEMBER, world.ids["P"])
        world.fresh["former's comment", role] = await comment(FORMER, world.ids["P"])
        world.fresh["api former's comment", role] = await comment(FORMER, world.ids["P"])
    # Now the former member leaves the unit (the post, their comment and their notice stay).
    membership = await Membership.select(Membership.id).where(
        Membership.person == world.people[FORMER]).first().run()
    assert membership is not None
    await remove_membership(intranet, world.people[FORMER], membership["id"], actor_id=None)
    return world


async def attach_file(intranet: Any, post_id: int, author_id: int) -> int:
    """A file on the post (``{F}``): its id."""
    from litestar.datastructures import UploadFile

    from intranet_core.feed.attachments import NewAttachment, attach
    from intranet_core.uploads.service import prepare_upload

    prepared = await prepare_upload(intranet, UploadFile(content_type="text/plain", filename="minutes.txt",
                                                         file_data=b"Minutes of the district meeting\n"))
    async with intranet.db.transaction(write=True):
        [made] = await attach(post_id, [NewAttachment(kind="file", prepared=prepared)], uploader_id=author_id)
    return made.upload.id


async def outcome(world: World, row: Row, role: str) -> Any:
    fresh_kind = (f"api {row.fresh}" if row.api and "comment" in row.fresh else row.fresh) if row.fresh else ""
    path = world.fill(row.path, world.fresh.get((fresh_kind, role)) if fresh_kind else None)
    client = world.clients[role]
    if row.api:
        headers = {"accept": "application/json"}
        if role != ANONYMOUS:
            headers["authorization"] = f"Bearer {world.tokens[role]}"
        body = _filled(world, row.json) if row.json is not None else None
        # A fresh client: the API takes the token only, never a session cookie.
        parts = [(name, (filename, data, "application/octet-stream")) for name, filename, data in row.files]
        async with http_client(world.app) as api:
            answer = await api.request(row.method, path, headers=headers, json=body, files=parts or None)
    elif row.method == "GET":
        answer = await client.get(path, headers=HTML)
    else:
        page = await client.get("/signin" if role == ANONYMOUS else "/account", headers=HTML)
        data = {k: world.fill(str(v)) for k, v in (row.form or {}).items()}
        answer = await client.request(row.method, path, headers=HTML,
                                      data={**data, "_csrf_token": csrf_token_of(page.text)})
    if answer.status_code in (301, 302, 303, 307) and answer.headers.get("location", "").startswith("/signin"):
        return SIGNIN
    if row.find and answer.status_code == 200:
        return HIT if world.fill(row.find) in answer.text.replace(" ", "") else MISS
    return answer.status_code


def _filled(world: World, value: Any) -> Any:
    if isinstance(value, str):
        return world.fill(value)
    if isinstance(value, list):
        return [_filled(world, v) for v in value]
    if isinstance(value, dict):
        return {k: _filled(world, v) for k, v in value.items()}
    return value


@pytest.fixture(autouse=True)
def _no_mail(monkeypatch: pytest.MonkeyPatch) -> None:
    """Mails of important posts go nowhere (no mail server in tests)."""
    import intranet_core.mail

    monkeypatch.setattr(intranet_core.mail, "_send", lambda settings, message: None)


async def test_authorisation_matrix(intranet_app: Litestar) -> None:
    routes = intranet_app.route_handler_method_map
    async with client_for(intranet_app), contextlib.AsyncExitStack() as stack:
        world = await build_world(intranet_app, stack)
        wrong: list[str] = []
        checked = 0
        for row in MATRIX:
            if row.route not in routes or row.method not in routes[row.route]:
                continue  # a feature this build lacks (the coverage test names what is missing)
            for role in ROLES:
                got = await outcome(world, row, role)
                checked += 1
                if got != row.expected[role]:
                    wrong.append(f"{row.method} {row.path} {row.form or row.json or ''} as {role}: "
                                 f"expected {row.expected[role]}, got {got}")
    assert checked >= 20 * len(ROLES)
    assert wrong == [], "\n".join(wrong)


async def test_a_former_member_loses_what_they_had(intranet_app: Litestar) -> None:
    """Removed from the unit: the post, its card, its comments and search hits go, at once."""
    async with client_for(intranet_app), contextlib.AsyncExitStack() as stack:
        world = await build_world(intranet_app, stack)
        former = world.clients[FORMER]
        post_id = world.ids["P"]
        for path in (f"/posts/{post_id}", f"/feed/card/{post_id}", f"/posts/{post_id}/reactions",
                     f"/posts/{post_id}/comments/{world.ids['CF']}/edit"):
            if (await former.get(path, headers=HTML)).status_code != 404:
                pytest.fail(f"{path} still answers the former member")
        feed = await former.get("/", headers=HTML)
        assert f"/posts/{post_id}" not in feed.text
        found = await former.get(f"/search?q={WORD}", headers=HTML)
        assert f"/posts/{post_id}" not in found.text


# --- CSRF ------------------------------------------------------------------------------------

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def unsafe_routes(app: Litestar, *, api: bool) -> list[tuple[str, str]]:
    return [
        (method, path)
        for path, methods in sorted(app.route_handler_method_map.items())
        if path.startswith("/api/") == api
        for method in sorted(methods)
        if method in UNSAFE
    ]


async def test_every_unsafe_route_refuses_a_missing_or_wrong_csrf_token(intranet_app: Litestar) -> None:
    routes = unsafe_routes(intranet_app, api=False)
    assert len(routes) >= 20, routes  # the app's own list: a new route is checked at once
    async with client_for(intranet_app) as client:
        await sign_in(client, intranet_app, "csrf@example.org", roles=[("admin", None)])
        assert (await client.get("/", headers=HTML)).status_code == 200
        refused: list[str] = []
        for method, template in routes:
            path = concrete_path(template)
            missing = await client.request(method, path, headers=HTML, data={"body": "x", "title": "x"})
            wrong = await client.request(method, path, headers={**HTML, "x-csrftoken": "0" * 64},
                                         data={"_csrf_token": "0" * 64, "body": "x"})
            for label, answer in (("no token", missing), ("a wrong token", wrong)):
                if answer.status_code != 403:
                    refused.append(f"{method} {template} with {label}: {answer.status_code}")
    assert refused == [], "\n".join(refused)


async def test_the_api_takes_no_session_cookie(intranet_app: Litestar) -> None:
    """/api/ has no CSRF check because it accepts bearer tokens only: a signed-in browser gets 401."""
    routes = unsafe_routes(intranet_app, api=True)
    async with client_for(intranet_app) as client:
        await sign_in(client, intranet_app, "api-csrf@example.org", roles=[("admin", None)])
        accepted = []
        for method, template in routes:
            answer = await client.request(method, concrete_path(template), json={"body": "x", "audience": ["all"]},
                                          headers={"accept": "application/json"})
            if answer.status_code != 401:
                accepted.append(f"{method} {template}: {answer.status_code}")
        me = await client.get("/api/v1/me", headers={"accept": "application/json"})
    assert accepted == []
    if "/api/v1/me" in intranet_app.route_handler_method_map:
        assert me.status_code == 401
