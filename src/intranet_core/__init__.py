"""intranet-core: a pluggable, self-hosted intranet framework.

Plugins import :data:`hookimpl` from here and implement the hooks documented
in :mod:`intranet_core.hookspecs`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pluggy

__version__ = "0.1.0"

PROJECT_NAME = "intranet"
"""The pluggy project name and the entry-point group plugins register under."""

hookimpl = pluggy.HookimplMarker(PROJECT_NAME)
"""Marks a function of a plugin as the implementation of a hook."""

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
"""Marks a hook specification; plugins may declare hookspecs of their own."""

if TYPE_CHECKING:
    from intranet_core.app import Intranet, create_app
    from intranet_core.contributions import NavItem, Widget
    from intranet_core.settings import Settings
    from intranet_core.uploads.service import (
        UploadError,
        UploadInfo,
        delete_upload,
        get_uploads,
        purge_orphans,
        store_upload,
        upload_response,
    )

__all__ = [
    "PROJECT_NAME",
    "Intranet",
    "NavItem",
    "Settings",
    "UploadError",
    "UploadInfo",
    "Widget",
    "__version__",
    "create_app",
    "delete_upload",
    "get_uploads",
    "hookimpl",
    "hookspec",
    "purge_orphans",
    "store_upload",
    "upload_response",
]

_LAZY = {
    "Intranet": "intranet_core.app",
    "create_app": "intranet_core.app",
    "NavItem": "intranet_core.contributions",
    "Widget": "intranet_core.contributions",
    "Settings": "intranet_core.settings",
    **dict.fromkeys(
        ("UploadInfo", "UploadError", "store_upload", "get_uploads", "upload_response", "delete_upload",
         "purge_orphans"),
        "intranet_core.uploads.service",
    ),
}


def __getattr__(name: str) -> Any:
    # Lazy so that `from intranet_core import hookimpl` in a plugin stays cheap
    # and never imports the web stack as a side effect.
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'intranet_core' has no attribute {name!r}")
