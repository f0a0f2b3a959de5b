"""Uploads as a built-in plugin: the ``upload`` table, its translations and ``intranet uploads purge``.

The service itself is :mod:`intranet_core.uploads.service`; the features
that own uploads serve them (the feed under ``/posts/<id>/files/<id>``).
"""

from __future__ import annotations

from pathlib import Path

import click
from piccolo.conf.apps import AppConfig

from intranet_core import hookimpl
from intranet_core.app import Intranet

HERE = Path(__file__).parent


@hookimpl
def register_piccolo_apps(app: Intranet) -> list[AppConfig]:
    from intranet_core.uploads.piccolo_app import APP_CONFIG

    return [APP_CONFIG]


@hookimpl
def register_translations(app: Intranet) -> list[Path]:
    return [HERE / "locale"]


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.uploads.commands import uploads

    cli.add_command(uploads)
