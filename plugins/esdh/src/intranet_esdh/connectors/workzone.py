"""KMD WorkZone through its OData API.

What is used, as WorkZone's published documentation describes it:

- entity sets ``Files`` (cases), ``Records`` (documents' metadata: a
  document is always looked up as a Record, never as a Document) and
  ``Documents`` (a Record's content, reached as ``Records('<ID>')/Document/$value``);
- ``$filter`` (``ID eq '…'``, ``File eq '…'``), ``$select``, ``$expand=Document``,
  ``$top``, and WorkZone's own ``contains=`` option for free-text search;
- ``ID`` (internal) and ``UserKey`` (the number people see, "2021/41-765");
  ``*_Value`` / ``*_Summary`` field pairs; the injected
  ``EffectiveReadPermission``;
- OAuth 2.0 client credentials (an app registered in the customer's Entra ID,
  mapped to a WorkZone integration account), and the ``OnBehalfOf: User=…``
  header with which an integration account allowed to act on behalf of users
  asks as the person reading;
- the ``UseLog-Application`` header, so WorkZone's use log names the intranet.

Who may read: with ``on_behalf_of = true`` (the default) every question is
asked as the viewer, so WorkZone itself leaves out what they may not read,
and answers are cached per person. Without it, the integration account sees
more than any one person, so only items whose ``EffectiveReadPermission`` is
one of ``public_read_permissions`` are shown, to everyone; with that list
empty, nothing is.

Item ids: ``file:<ID>`` for a case, ``record:<ID>`` for a document. JSON
answers in the OData v3 "light" form (``{"value": [...]}``), the verbose form
(``{"d": {"results": [...]}}``) and v4 are all read.
"""

from __future__ import annotations

import asyncio
import datetime
import os
import re
import time
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, Literal
from urllib.parse import quote

import httpx
import msgspec

from intranet_esdh.connectors import Download, Item, ItemKind, Link, SourceError, SourceSettings, Viewer
from intranet_esdh.outbound import Outbound, SourcePolicy, base_url, parse_networks

KEY = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
MAX_CHILDREN = 200
_MS_DATE = re.compile(r"^/Date\((-?\d+)(?:[+-]\d{4})?\)/$")


class WorkZoneFields(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The OData property names read. The defaults follow WorkZone's documentation where it names
    them (``Title``, ``UserKey``, ``File``, ``EffectiveReadPermission``); check the others against
    your installation's data dictionary."""

    title: str = "Title"
    number: str = "UserKey"
    case: str = "File"
    """The Record property holding its case's ``ID``."""
    modified: str = "LastUpdateDate"
    author: str = "Officer_Summary"
    read_permission: str = "EffectiveReadPermission"
    document: str = "Document"
    """The Record's navigation property to its content."""
    document_version: str = "Version"
    document_name: str = "SuggestedFileName"
    document_type: str = "ContentType"

    def __post_init__(self) -> None:
        for name in msgspec.structs.asdict(self):
            if not re.match(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$", getattr(self, name)):
                raise ValueError(f"fields.{name}: expected an OData property name")


class WorkZoneSettings(SourceSettings, frozen=True, kw_only=True):
    base_url: str
    """The OData service root: ``https://workzone.example.org/OData/``."""
    token_url: str = ""
    """The OAuth 2.0 token endpoint (Entra ID:
    ``https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token``); empty: no OAuth."""
    client_id: str = ""
    client_secret_env: str = ""
    """The environment variable holding the client secret."""
    scope: str = ""
    """The scope asked for: WorkZone's Application ID URI followed by ``/.default``."""
    on_behalf_of: bool = True
    """Ask WorkZone as the person reading (the integration account must be allowed to)."""
    user_name: Literal["email", "email_local_part"] = "email_local_part"
    """How a person's WorkZone user name is made from their e-mail address."""
    public_read_permissions: list[str] = msgspec.field(default_factory=list)
    """Without ``on_behalf_of``: the ``EffectiveReadPermission`` values everyone may read."""
    client_url: str = ""
    """Where a browser opens an item in WorkZone's own client; ``{kind}`` (``file`` or
    ``record``), ``{id}`` and ``{number}`` are filled in. Empty: documents are downloaded
    through the intranet and cases are listed on the intranet."""
    application: str = "intranet-esdh"
    """Sent as ``UseLog-Application``: how WorkZone's use log names the intranet."""
    fields: WorkZoneFields = msgspec.field(default_factory=WorkZoneFields)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.token_url and not (self.client_id and self.client_secret_env):
            raise ValueError("token_url: client_id and client_secret_env are needed with it")
        if self.client_url and not self.client_url.startswith(("https://", "http://")):
            raise ValueError(f"client_url: expected an http:// or https:// URL, got {self.client_url!r}")


def _parse_date(value: Any) -> datetime.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    if match := _MS_DATE.match(value):
        return datetime.datetime.fromtimestamp(int(match.group(1)) / 1000, datetime.UTC)
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=datetime.UTC)


def _entities(body: bytes, source: str) -> list[dict[str, Any]]:
    try:
        data = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise SourceError(f"source {source!r}: an answer that is not JSON") from None
    if isinstance(data, dict) and isinstance(data.get("value"), list):
        rows = data["value"]
    elif isinstance(data, dict) and isinstance(data.get("d"), dict) and isinstance(data["d"].get("results"), list):
        rows = data["d"]["results"]
    elif isinstance(data, dict) and isinstance(data.get("d"), list):
        rows = data["d"]
    else:
        raise SourceError(f"source {source!r}: an answer that is not an OData collection")
    return [row for row in rows if isinstance(row, dict)]


def _text(row: Mapping[str, Any], name: str, limit: int = 300) -> str:
    value = row.get(name)
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value).strip()[:limit]


def literal(value: str) -> str:
    """An OData string literal."""
    return "'" + value.replace("'", "''") + "'"


class WorkZone:
    """A WorkZone source (see the module documentation)."""

    # Cases are found by searching: there is no top folder to browse.
    root: str | None = None

    def __init__(self, name: str, settings: WorkZoneSettings, outbound: Outbound) -> None:
        where = f"plugins.esdh.sources.{name}"
        self.name = name
        self.label = settings.label or name
        self.settings = settings
        self.outbound = outbound
        self.per_viewer = settings.on_behalf_of
        self.base = base_url(settings.base_url, f"{where}.base_url")
        prefixes = [self.base]
        self.token_endpoint: httpx.URL | None = None
        if settings.token_url:
            token = base_url(settings.token_url, f"{where}.token_url")
            # base_url() ends a URL with "/"; the token endpoint is used as written.
            self.token_endpoint = httpx.URL(settings.token_url)
            prefixes.append(token.copy_with(raw_path=self.token_endpoint.raw_path))
        outbound.policy.add(SourcePolicy(name, prefixes, parse_networks(settings.allow_addresses,
                                                                         f"{where}.allow_addresses")))
        self._token: tuple[str, float] | None = None
        self._token_lock = asyncio.Lock()
        self.public = {value.strip().casefold() for value in settings.public_read_permissions}

    # --- OAuth 2.0 client credentials -----------------------------------------------------------

    async def _access_token(self, *, renew: bool = False) -> str | None:
        if self.token_endpoint is None:
            return None
        async with self._token_lock:
            if self._token is not None and not renew and self._token[1] > time.monotonic():
                return self._token[0]
            secret = os.environ.get(self.settings.client_secret_env, "")
            if not secret:
                raise SourceError(f"source {self.name!r}: environment variable "
                                  f"{self.settings.client_secret_env} is not set")
            form = {"grant_type": "client_credentials", "client_id": self.settings.client_id,
                    "client_secret": secret}
            if self.settings.scope:
                form["scope"] = self.settings.scope
            status, _headers, body = await self.outbound.request(
                self.name, "POST", self.token_endpoint, data=form, seconds=self.settings.timeout_seconds,
                headers={"Accept": "application/json"}, max_bytes=64 * 1024,
            )
            if status != 200:
                raise SourceError(f"source {self.name!r}: the token endpoint answered {status}")
            try:
                answer = msgspec.json.decode(body)
                token = str(answer["access_token"])
                lifetime = float(answer.get("expires_in", 300))
            except (msgspec.DecodeError, KeyError, TypeError, ValueError):
                raise SourceError(f"source {self.name!r}: the token endpoint's answer has no token") from None
            # Renewed a minute early, so a token never runs out during a request.
            self._token = (token, time.monotonic() + max(lifetime - 60, 10))
            return token

    def user_name(self, viewer: Viewer) -> str:
        email = viewer.email.strip()
        return email.split("@", 1)[0] if self.settings.user_name == "email_local_part" else email

    async def _get(self, path: str, params: dict[str, str], viewer: Viewer | None) -> list[dict[str, Any]]:
        status, body = await self._send("GET", path, params, viewer)
        if status == 404:
            return []
        if status != 200:
            raise SourceError(f"source {self.name!r}: OData answered {status}")
        return _entities(body, self.name)

    def _headers(self, token: str | None, viewer: Viewer | None) -> dict[str, str]:
        headers = {"Accept": "application/json", "UseLog-Application": self.settings.application,
                   "DataServiceVersion": "3.0", "MaxDataServiceVersion": "3.0"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.settings.on_behalf_of and viewer is not None:
            headers["OnBehalfOf"] = f"User={self.user_name(viewer)}"
        return headers

    async def _send(self, method: str, path: str, params: dict[str, str], viewer: Viewer | None
                    ) -> tuple[int, bytes]:
        if self.settings.on_behalf_of and viewer is None:
            raise SourceError(f"source {self.name!r}: a question without a person to ask for")
        url = self.base.join(path)
        token = await self._access_token()
        status, _headers, body = await self.outbound.request(
            self.name, method, url, params=params, headers=self._headers(token, viewer),
            seconds=self.settings.timeout_seconds,
        )
        if status == 401 and token is not None:
            token = await self._access_token(renew=True)
            status, _headers, body = await self.outbound.request(
                self.name, method, url, params=params, headers=self._headers(token, viewer),
                seconds=self.settings.timeout_seconds,
            )
        return status, body

    # --- entities to items ------------------------------------------------------------------

    def _select(self, kind: ItemKind) -> str:
        fields = self.settings.fields
        names = ["ID", fields.number, fields.title, fields.modified, fields.author, fields.read_permission]
        if kind == "document":
            names.append(fields.document)
        return ",".join(dict.fromkeys(names))

    def _item(self, row: Mapping[str, Any], kind: ItemKind) -> Item | None:
        fields = self.settings.fields
        key = _text(row, "ID", 64)
        if not KEY.match(key):
            return None
        document = row.get(fields.document)
        document = document if isinstance(document, dict) else {}
        return Item(
            id=f"{'record' if kind == 'document' else 'file'}:{key}", kind=kind,
            title=_text(row, fields.title) or _text(row, fields.number) or key,
            number=_text(row, fields.number, 60),
            version=_text(document, fields.document_version, 30),
            modified=_parse_date(row.get(fields.modified)),
            author=_text(row, fields.author, 200),
            content_type=_text(document, fields.document_type, 100),
            access=_text(row, fields.read_permission, 200),
        )

    def _split(self, item_id: str) -> tuple[ItemKind, str] | None:
        kind, _sep, key = item_id.partition(":")
        if not KEY.match(key):
            return None
        if kind == "record":
            return "document", key
        if kind == "file":
            return "case", key
        return None

    def _document_query(self, extra: dict[str, str]) -> dict[str, str]:
        return {"$select": self._select("document"), "$expand": self.settings.fields.document, **extra}

    # --- the connector ------------------------------------------------------------------------

    async def metadata(self, item_id: str, viewer: Viewer) -> Item | None:
        split = self._split(item_id)
        if split is None:
            return None
        kind, key = split
        if kind == "document":
            rows = await self._get("Records", self._document_query({"$filter": f"ID eq {literal(key)}"}), viewer)
        else:
            rows = await self._get("Files", {"$filter": f"ID eq {literal(key)}", "$select": self._select("case")},
                                   viewer)
        items = [item for item in (self._item(row, kind) for row in rows[:1]) if item is not None]
        return items[0] if items else None

    async def children(self, item_id: str, viewer: Viewer) -> list[Item]:
        split = self._split(item_id)
        if split is None or split[0] != "case":
            return []
        rows = await self._get("Records", self._document_query({
            "$filter": f"{self.settings.fields.case} eq {literal(split[1])}", "$top": str(MAX_CHILDREN),
        }), viewer)
        items = [item for item in (self._item(row, "document") for row in rows) if item is not None]
        return sorted(items, key=lambda item: item.modified or datetime.datetime.min.replace(tzinfo=datetime.UTC),
                      reverse=True)

    async def search(self, query: str, viewer: Viewer, limit: int) -> list[Item]:
        words = " ".join(query.split())
        if not words:
            return []
        top = str(max(1, min(limit, 50)))
        cases, records = await asyncio.gather(
            self._get("Files", {"contains": words, "$select": self._select("case"), "$top": top}, viewer),
            self._get("Records", self._document_query({"contains": words, "$top": top}), viewer),
        )
        found = [self._item(row, "case") for row in cases] + [self._item(row, "document") for row in records]
        return [item for item in found if item is not None][:limit]

    async def may_read(self, items: Sequence[Item], viewer: Viewer) -> set[str]:
        if self.settings.on_behalf_of:
            # Asked as the viewer: WorkZone returned only what they may read.
            return {item.id for item in items}
        return {item.id for item in items if item.access.strip().casefold() in self.public}

    async def open(self, item_id: str, viewer: Viewer) -> Link | Download:
        item = await self.metadata(item_id, viewer)
        if item is None:
            raise SourceError(f"source {self.name!r}: no such item")
        split = self._split(item_id)
        assert split is not None
        if self.settings.client_url:
            return Link(self.settings.client_url.format(kind=item_id.split(":", 1)[0], id=quote(split[1]),
                                                        number=quote(item.number, safe="")))
        if item.kind != "document":
            raise SourceError(f"source {self.name!r}: a case is not downloaded")
        filename = item.title
        return Download(filename=filename, content_type=item.content_type or "application/octet-stream",
                        chunks=self._content(split[1], viewer))

    async def _content(self, key: str, viewer: Viewer) -> AsyncIterator[bytes]:
        token = await self._access_token()
        url = self.base.join(f"Records({literal(key)})/{self.settings.fields.document}/$value")
        async with self.outbound.stream(self.name, "GET", url, headers=self._headers(token, viewer),
                                        seconds=self.settings.timeout_seconds) as response:
            if response.status_code != 200:
                raise SourceError(f"source {self.name!r}: the document's content answered {response.status_code}")
            try:
                async for chunk in response.aiter_bytes():
                    yield chunk
            except httpx.HTTPError as exc:
                raise SourceError(f"source {self.name!r}: {type(exc).__name__} while downloading") from None
