"""Backups as a built-in plugin: the ``intranet backup`` and ``intranet restore`` commands."""

from __future__ import annotations

import click

from intranet_core import hookimpl


@hookimpl
def register_commands(cli: click.Group) -> None:
    from intranet_core.backup.commands import backup_command, restore_command

    cli.add_command(backup_command)
    cli.add_command(restore_command)
