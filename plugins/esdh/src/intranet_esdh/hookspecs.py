"""The hooks this plugin declares for other packages (added through ``register_hookspecs``).

A package that connects another document system implements
``register_esdh_connectors`` in its plugin module::

    from intranet_core import hookimpl
    from intranet_esdh.connectors import ConnectorType, SourceSettings


    class SharePointSettings(SourceSettings, frozen=True, kw_only=True):
        site_url: str


    @hookimpl
    def register_esdh_connectors(app):
        return [ConnectorType(name="sharepoint", settings=SharePointSettings, create=SharePoint)]

and a site then configures ``[plugins.esdh.sources.<name>]`` with
``type = "sharepoint"``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intranet_core import hookspec

# mypy: disable-error-code="empty-body"

if TYPE_CHECKING:
    from intranet_core.app import Intranet
    from intranet_esdh.connectors import ConnectorType


@hookspec
def register_esdh_connectors(app: Intranet) -> list[ConnectorType]:
    """Add kinds of document source.

    :returns: a list of :class:`intranet_esdh.connectors.ConnectorType`:
        a ``name`` used as ``type`` in a source's section, the settings
        Struct (a subclass of ``SourceSettings``) that section is decoded
        with, and ``create(name, settings, outbound)``, which returns the
        :class:`intranet_esdh.connectors.Connector`. The connector is
        asynchronous; it reaches the network only through ``outbound``
        (:class:`intranet_esdh.outbound.Outbound`), which lets it reach its
        own URLs and nothing else. A type with the same name as one
        registered before it replaces it.
    Sync only. Called once, when the site is built.
    """
