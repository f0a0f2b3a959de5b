"""Schemathesis against ``/schema/openapi.json``: no ``/api/`` operation answers 5xx or breaks its schema.

Requests are generated from the published OpenAPI document (valid ones,
and invalid ones that must be refused with a 4xx) and sent in-process,
with the API token of a person in a small demo-like organisation: the
news editor with posts, a file, comments, reactions and notifications
around them. Each response is checked against the schema: its status code is
documented, its body matches, and nothing is a server error.

The site runs on one event loop of the test's own (the database pool
belongs to it); Hypothesis drives the cases from outside it.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

import upload_samples as samples  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from litestar.datastructures import UploadFile  # noqa: E402
from schemathesis import GenerationMode, checks  # noqa: E402

from intranet_core.account.tokens import create_api_token  # noqa: E402
from intranet_core.feed import conversation  # noqa: E402
from intranet_core.feed import service as feed  # noqa: E402
from intranet_core.feed.attachments import NewAttachment, attach  # noqa: E402
from intranet_core.notifications.tables import Notification  # noqa: E402
from intranet_core.people import service as people  # noqa: E402
from intranet_core.permissions.tables import Role, RoleAssignment  # noqa: E402
from intranet_core.settings import Settings  # noqa: E402
from intranet_core.testing import build_app, client_for  # noqa: E402
from intranet_core.uploads.service import prepare_upload  # noqa: E402

BASE_URL = "http://testserver.local"
EXAMPLES = 12
"""Examples per operation and mode: about 15 operations x 2 modes, well under a minute."""

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.negative_data_rejection,
]


async def demo_like_site(intranet: Any) -> str:
    """A union with districts, its news editor (whose token is returned), posts and talk around them."""
    union = await people.create_unit(intranet, name="Union", kind="organisation", parent_id=None, actor_id=None)
    aarhus = await people.create_unit(intranet, name="Aarhus", kind="district", parent_id=union, actor_id=None)
    odense = await people.create_unit(intranet, name="Odense", kind="district", parent_id=union, actor_id=None)
    karen = await people.create_person(intranet, actor_id=None, unit_id=aarhus, fields={
        "email": "karen@example.org", "name": "Karen Holm", "title": "District organiser", "language": "da"})
    ole = await people.create_person(intranet, actor_id=None, unit_id=odense, fields={
        "email": "ole@example.org", "name": "Ole Dahl", "title": "Head of communications"})
    editor = await Role.select(Role.id).where(Role.name == "editor").first().run()
    assert editor is not None
    # Karen edits the news for everyone; Ole for his district.
    await RoleAssignment.insert(RoleAssignment(person=karen.id, role=editor["id"], unit=None)).run()
    await RoleAssignment.insert(RoleAssignment(person=ole.id, role=editor["id"], unit=odense)).run()
    now = datetime.datetime.now(datetime.UTC)
    posts = []
    for n, (title, audience, important) in enumerate([
        ("Welcome to the new intranet", ["all"], True),
        ("Holiday plan, Aarhus", [f"unit:{aarhus}"], False),
        ("Odense office moves", [f"unit:{odense}"], False),
        ("Pay negotiations", ["all"], True),
        ("Summer party", [f"unit:{union}"], False),
    ]):
        posts.append(await feed.create_post(
            intranet, author_id=ole.id, title=title, body=f"**{title}**: details follow.", audience=audience,
            important=important, published_at=now - datetime.timedelta(hours=10 - n), announce=False,
            pinned_until=now + datetime.timedelta(days=3) if n == 0 else None,
        ))
    # A file on the first post (ids start at 1: the schema's examples name it).
    prepared = await prepare_upload(intranet, UploadFile(content_type="application/pdf", filename="agenda.pdf",
                                                         file_data=samples.pdf("Agenda")))
    async with intranet.db.transaction(write=True):
        await attach(posts[0], [NewAttachment(kind="file", prepared=prepared)], uploader_id=ole.id)
    found = await feed.visible_post(posts[0], ["all"])
    assert found is not None
    await conversation.add_comment(intranet, found, author_id=karen.id, author_name=karen.name, body="Thanks!")
    await conversation.add_comment(intranet, found, author_id=ole.id, author_name=ole.name, body="You're welcome")
    await conversation.toggle_reaction(intranet, posts[0], karen.id, "like")
    await feed.acknowledge(intranet, posts[3], karen.id)
    for n in range(3):
        await Notification.insert(Notification(
            person=karen.id, kind="feed.mention", title=f"Ole Dahl mentioned you ({n})", url=f"/posts/{posts[0]}",
            text="", actor_id=ole.id, created_at=now,
        )).run()
    return await create_api_token(intranet, karen.id, name="Schemathesis", read_only=False)


def run_operation(operation: Any, mode: GenerationMode, send: Callable[[Any], httpx.Response]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case: Any) -> None:
        response = send(case)
        case.validate_response(response, checks=CHECKS)

    try:
        check()
    except Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no invalid requests.
        if mode is not GenerationMode.NEGATIVE:
            raise


def test_the_api_holds_to_its_openapi_schema(intranet_settings: Settings) -> None:
    runner = asyncio.Runner()
    app = runner.run(build_app(intranet_settings))
    started = client_for(app, base_url=BASE_URL)
    client: httpx.AsyncClient = runner.run(started.__aenter__())
    try:
        token = runner.run(demo_like_site(app.state.intranet))
        raw = runner.run(client.get("/schema/openapi.json"))
        assert raw.status_code == 200
        schema = schemathesis.openapi.from_dict(raw.json()).include(path_regex="^/api/")
        seen: list[tuple[str, int]] = []

        def send(case: Any) -> httpx.Response:
            kwargs = case.as_transport_kwargs(base_url=BASE_URL, headers={"authorization": f"Bearer {token}"})
            request = {key: kwargs[key] for key in ("method", "url", "headers", "params") if key in kwargs}
            assert not kwargs.get("cookies"), "the API takes no cookies"
            if kwargs.get("json") is not None:
                request["json"] = kwargs["json"]
            elif isinstance(kwargs.get("data"), bytes | str):
                request["content"] = kwargs["data"]
            elif kwargs.get("data") is not None:
                request["data"] = kwargs["data"]
            if kwargs.get("files") is not None:
                # A client names the files it sends (Schemathesis does not): bytes go as a file, a name
                # without an extension (the sniffer gives it one); anything else (a number, null, a list,
                # which negative cases put where a file belongs) as a plain form field.
                request["files"] = []
                fields: dict[str, Any] = dict(request.get("data") or {})
                for field, (name, content, *rest) in kwargs["files"]:
                    if isinstance(content, bytes):
                        request["files"].append((field, ("upload", content, *rest)))
                    elif isinstance(content, str):
                        request["files"].append((field, (name, content, *rest)))
                    else:
                        fields[field] = json.dumps(content)
                if fields:
                    request["data"] = fields
            built = client.build_request(**request)
            built.read()  # a multipart body is a stream: read it, so that the checks can see it
            response = runner.run(client.send(built))
            seen.append((case.operation.label, response.status_code))
            return response

        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 12, [op.label for op in operations]
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_operation(operation, mode, send)
        # The token worked: every operation was reached, not turned away at the door.
        reached = {label for label, status in seen if status != 401}
        assert reached == {op.label for op in operations}, sorted({op.label for op in operations} - reached)
    finally:
        runner.run(started.__aexit__(None, None, None))
        runner.close()
