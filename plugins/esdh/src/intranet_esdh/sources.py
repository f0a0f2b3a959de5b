"""The site's document sources, built from ``[plugins.esdh.sources.<name>]`` once per site.

Each section's ``type`` names a connector type (the shipped ``webdav``,
``fileshare`` and ``workzone``, or one from ``register_esdh_connectors``); the
section is decoded with that type's Struct, so a mistake stops start-up with
one line naming the key. All sources share one :class:`~intranet_esdh.outbound.Outbound`.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

import msgspec

from intranet_core.errors import ConfigError
from intranet_core.plugins import flatten
from intranet_core.settings import describe_validation_error
from intranet_esdh.connectors import Connector, ConnectorType
from intranet_esdh.live import LiveCache
from intranet_esdh.outbound import Outbound

SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


class Sources:
    """The configured connectors by name, the one HTTP client, and the live cache."""

    def __init__(self, connectors: dict[str, Connector], outbound: Outbound) -> None:
        self.connectors = connectors
        self.outbound = outbound
        self.cache = LiveCache()

    def get(self, name: str) -> Connector | None:
        return self.connectors.get(name)

    def all(self) -> list[Connector]:
        return [self.connectors[name] for name in sorted(self.connectors)]

    async def close(self) -> None:
        await self.cache.close()
        await self.outbound.aclose()


def connector_types(app: Any) -> dict[str, ConnectorType]:
    types: dict[str, ConnectorType] = {}
    # pluggy answers last-registered first; in registration order a later type replaces an earlier one.
    for found in flatten(reversed(app.hook.register_esdh_connectors(app=app))):
        if isinstance(found, ConnectorType):
            types[found.name] = found
    return types


def build_sources(app: Any) -> Sources:
    settings = app.plugin_settings("esdh")
    origin = app.settings.source
    types = connector_types(app)
    outbound = Outbound()
    connectors: dict[str, Connector] = {}
    for name, raw in settings.sources.items():
        where = f"plugins.esdh.sources.{name}"
        if not SOURCE_NAME.match(name):
            raise ConfigError(f"{origin}: {where}: a source's name is lower-case letters, digits, - and _")
        kind = raw.get("type") if isinstance(raw, dict) else None
        if not isinstance(kind, str) or kind not in types:
            raise ConfigError(f"{origin}: {where}.type: expected one of {', '.join(sorted(types))}, got {kind!r}")
        connector_type = types[kind]
        try:
            source_settings = msgspec.convert(raw, connector_type.settings, strict=True)
        except msgspec.ValidationError as exc:
            raise ConfigError(
                describe_validation_error(exc, origin, prefix=where, struct=connector_type.settings)
            ) from None
        try:
            connectors[name] = connector_type.create(name, source_settings, outbound)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc}") from None
    return Sources(connectors, outbound)


_SOURCES: weakref.WeakKeyDictionary[Any, Sources] = weakref.WeakKeyDictionary()


def sources_of(app: Any) -> Sources:
    """The site's sources (built on first use; the plugin builds them when the site is built)."""
    found = _SOURCES.get(app)
    if found is None:
        found = _SOURCES[app] = build_sources(app)
    return found
