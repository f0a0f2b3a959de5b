"""Real peers the tests talk to: a WebDAV server (wsgidav) and an OData server answering as WorkZone does.

Both listen on a free loopback port in a thread of the test process and can
be stopped (a source that is down), slowed down, or made to answer garbage.

The OData server follows WorkZone's published documentation: entity sets
``Files``, ``Records`` and ``Documents`` under the service root; ``$filter``
with ``eq`` on ``ID`` and ``File`` (joined by ``and``), ``$select`` (a
navigation property in it selects the expanded entity whole), ``$expand``,
``$top``, and the ``contains`` free-text option; ``Records('<ID>')/Document/$value``
for a document's content; OData v3 JSON "light" answers (``{"odata.metadata":
…, "value": [...]}``); OAuth 2.0 client credentials at ``/token``; and the
``OnBehalfOf: User=<name>`` header: with it, only what that user may read is
returned. Anything it does not understand is answered 400 with an OData
error, so a connector using more than the documented API fails its tests.
"""

from __future__ import annotations

import asyncio
import json
import re
import secrets
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote

SECRET = "odata-client-secret-" + "s" * 20
CLIENT_ID = "intranet-test-client"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- WebDAV ----------------------------------------------------------------------------------


class WebDAVServer:
    """wsgidav serving ``root`` under ``/dav/`` with Basic authentication, in a cheroot thread."""

    USER = "intranet"
    PASSWORD = "dav-password-" + "p" * 12

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.server: Any = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/dav/"

    def start(self) -> None:
        from cheroot import wsgi
        from wsgidav.wsgidav_app import WsgiDAVApp

        app = WsgiDAVApp({
            "provider_mapping": {"/dav": str(self.root)},
            "simple_dc": {"user_mapping": {"*": {self.USER: {"password": self.PASSWORD}}}},
            "http_authenticator": {"accept_basic": True, "accept_digest": False, "default_to_digest": False},
            "verbose": 0,
            "logging": {"enable": False},
            "dir_browser": {"enable": False},
            "lock_storage": True,
        })
        self.server = wsgi.Server(("127.0.0.1", self.port), app, numthreads=4)
        self.server.prepare()
        self.thread = threading.Thread(target=self.server.serve, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.thread is not None:
            self.thread.join(timeout=5)
            self.thread = None


# --- OData (WorkZone) ------------------------------------------------------------------------


@dataclass
class Record:
    id: str
    title: str
    file: str
    user_key: str
    readers: set[str] | None = None  # None: everyone
    version: str = "1"
    modified: str = "2026-11-20T09:30:00"
    officer: str = "Mette Nørgaard"
    content: bytes = b"%PDF-1.4 test document\n"
    suggested_name: str = "document.pdf"


@dataclass
class Case:
    id: str
    title: str
    user_key: str
    readers: set[str] | None = None


@dataclass
class ODataState:
    files: dict[str, Case] = field(default_factory=dict)
    records: dict[str, Record] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    requests: list[dict[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    garbage: bool = False
    redirect_to: str | None = None
    token_requests: int = 0

    def may_read(self, readers: set[str] | None, user: str | None) -> bool:
        # Without OnBehalfOf the integration account asks for itself, and it has global access.
        if readers is None or user is None:
            return True
        return user in readers


def permission_of(readers: set[str] | None) -> str:
    return "Alle" if readers is None else "Begrænset"


_EQ = re.compile(r"^(ID|File) eq '((?:[^']|'')*)'$")


def _filter(expression: str) -> list[tuple[str, str]]:
    conditions = []
    for part in expression.split(" and "):
        match = _EQ.match(part.strip())
        if match is None:
            raise ValueError(f"unsupported $filter: {part}")
        conditions.append((match.group(1), match.group(2).replace("''", "'")))
    return conditions


def _record_json(record: Record, expand: bool) -> dict[str, Any]:
    row: dict[str, Any] = {
        "ID": record.id, "UserKey": record.user_key, "Title": record.title, "File": record.file,
        "File_Value": record.file, "File_Summary": record.file,
        "LastUpdateDate": record.modified, "Officer_Value": "MN", "Officer_Summary": record.officer,
        "EffectiveReadPermission": permission_of(record.readers), "Summary": f"{record.user_key}, {record.title}",
    }
    if expand:
        row["Document"] = {"Version": record.version, "SuggestedFileName": record.suggested_name,
                           "ContentType": "application/pdf"}
    return row


def _case_json(case: Case) -> dict[str, Any]:
    return {"ID": case.id, "UserKey": case.user_key, "Title": case.title, "LastUpdateDate": "2026-11-01T08:00:00",
            "Officer_Summary": "Søren Østergaard", "EffectiveReadPermission": permission_of(case.readers),
            "Summary": f"{case.user_key}, {case.title}"}


def _select(row: dict[str, Any], select: str | None) -> dict[str, Any]:
    if not select or select == "*":
        return row
    names = [name.strip() for name in select.split(",")]
    for name in names:
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", name):
            raise ValueError(f"unsupported $select: {name}")
    return {name: row[name] for name in names if name in row}


class ODataApp:
    """A plain ASGI application; run by uvicorn in a thread."""

    def __init__(self, state: ODataState, prefix: str = "/odata") -> None:
        self.state = state
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        status, answer_headers, answer = await self.handle(scope["method"], scope["path"],
                                                           scope["query_string"].decode(), headers, body)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), v.encode()) for k, v in answer_headers.items()]})
        await send({"type": "http.response.body", "body": answer})

    @staticmethod
    def _json(status: int, data: Any) -> tuple[int, dict[str, str], bytes]:
        return status, {"content-type": "application/json;odata=minimalmetadata"}, json.dumps(data).encode()

    def _error(self, status: int, message: str) -> tuple[int, dict[str, str], bytes]:
        return self._json(status, {"odata.error": {"code": "", "message": {"lang": "en-US", "value": message}}})

    async def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
                     ) -> tuple[int, dict[str, str], bytes]:
        state = self.state
        state.requests.append({"method": method, "path": path, "query": query, "headers": headers})
        if state.delay:
            await asyncio.sleep(state.delay)
        if path == "/token":
            if method != "POST":
                return self._error(405, "POST only")
            form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
            state.token_requests += 1
            if (form.get("grant_type") != "client_credentials" or form.get("client_id") != CLIENT_ID
                    or form.get("client_secret") != SECRET):
                return self._json(401, {"error": "invalid_client"})
            token = secrets.token_urlsafe(16)
            state.tokens.add(token)
            return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})
        if not path.startswith(self.prefix + "/"):
            return self._error(404, "not found")
        if path.startswith(self.prefix + "/moved/"):
            # An address that moved, on the same server and below the same root.
            target = self.prefix + "/" + path[len(self.prefix + "/moved/"):]
            return 301, {"location": target + (f"?{query}" if query else "")}, b""
        if state.redirect_to is not None:
            return 302, {"location": state.redirect_to}, b""
        authorization = headers.get("authorization", "")
        if not authorization.startswith("Bearer ") or authorization[7:] not in state.tokens:
            return self._error(401, "unauthorized")
        if state.garbage:
            return 200, {"content-type": "application/json"}, b"<html>Service Unavailable</html>\x00\xff"
        user = None
        if "onbehalfof" in headers:
            match = re.match(r"^User=(.+)$", headers["onbehalfof"])
            if match is None:
                return self._error(400, "OnBehalfOf: expected User={user}")
            user = match.group(1)
        params = {k: v[0] for k, v in parse_qs(query, keep_blank_values=True).items()}
        known = {"$filter", "$select", "$expand", "$top", "contains"}
        if set(params) - known:
            return self._error(400, f"unsupported query option {sorted(set(params) - known)[0]}")
        resource = unquote(path[len(self.prefix) + 1:])
        content = re.match(r"^Records\('((?:[^']|'')*)'\)/Document/\$value$", resource)
        if content:
            record = state.records.get(content.group(1).replace("''", "'"))
            if record is None or not state.may_read(record.readers, user):
                return self._error(404, "Resource not found for the segment 'Records'.")
            return 200, {"content-type": "application/pdf"}, record.content
        if resource not in ("Files", "Records", "Documents"):
            return self._error(404, f"Resource not found for the segment '{resource}'.")
        try:
            conditions = _filter(params["$filter"]) if "$filter" in params else []
            top = int(params.get("$top", "1000"))
            expand = params.get("$expand")
            if expand not in (None, "Document") or (expand and resource != "Records"):
                raise ValueError(f"unsupported $expand: {expand}")
        except ValueError as exc:
            return self._error(400, str(exc))
        words = params.get("contains", "").casefold().split()
        rows: list[dict[str, Any]] = []
        if resource == "Records":
            for record in state.records.values():
                if not state.may_read(record.readers, user):
                    continue
                if any((record.id if name == "ID" else record.file) != value for name, value in conditions):
                    continue
                if words and not all(w in f"{record.title} {record.user_key}".casefold() for w in words):
                    continue
                rows.append(_record_json(record, expand == "Document"))
        elif resource == "Files":
            for case in state.files.values():
                if not state.may_read(case.readers, user):
                    continue
                if any(name != "ID" or case.id != value for name, value in conditions):
                    continue
                if words and not all(w in f"{case.title} {case.user_key}".casefold() for w in words):
                    continue
                rows.append(_case_json(case))
        try:
            rows = [_select(row, params.get("$select")) for row in rows[:top]]
        except ValueError as exc:
            return self._error(400, str(exc))
        return self._json(200, {"odata.metadata": f"http://127.0.0.1{self.prefix}/$metadata#{resource}",
                                "value": rows})


class ODataServer:
    def __init__(self, state: ODataState | None = None) -> None:
        self.state = state or ODataState()
        self.port = free_port()
        self.server: Any = None
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/odata/"

    @property
    def token_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/token"

    def start(self) -> None:
        import uvicorn

        config = uvicorn.Config(ODataApp(self.state), host="127.0.0.1", port=self.port, log_level="error",
                                lifespan="off", loop="asyncio", http="h11")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise AssertionError("the OData server did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self.server is not None:
            self.server.should_exit = True
            if self.thread is not None:
                self.thread.join(timeout=10)
            self.server = None
            self.thread = None


def demo_workzone(state: ODataState) -> None:
    """A district's case with three documents, one of them restricted to one user."""
    state.files["67453"] = Case("67453", "Ferieplanlægning Aarhus 2027", "2026/41-765")
    state.files["67999"] = Case("67999", "Personalesag (fortrolig)", "2026/88-001", readers={"hr"})
    state.records["900"] = Record("900", "Ferieplan 2027", "67453", "2026/41-765-1",
                                  suggested_name="Ferieplan 2027.pdf")
    state.records["901"] = Record("901", "Vagtplan for juleferien", "67453", "2026/41-765-2", version="3",
                                  modified="2026-11-25T14:00:00")
    state.records["902"] = Record("902", "Lønforhandling Jens Hansen", "67453", "2026/41-765-3",
                                  readers={"editor"})


def running(server: Any) -> Iterator[Any]:
    server.start()
    try:
        yield server
    finally:
        server.stop()
