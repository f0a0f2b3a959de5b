"""intranet-esdh: shortcuts to other systems, and live documents from document systems.

The hooks are in :mod:`intranet_esdh.plugin`; connectors to document systems
in :mod:`intranet_esdh.connectors` (the hookspec other packages implement to
add one is in :mod:`intranet_esdh.hookspecs`).
"""

__version__ = "0.1.0"
