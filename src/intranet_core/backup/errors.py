"""The one error of backups: a message of one line, for ``error: …`` and exit status 2."""

from __future__ import annotations


class BackupError(Exception):
    """A backup or a restore was refused or failed; nothing was half-written."""
