"""Errors that stop start-up with one clear line (exit status 2)."""

from __future__ import annotations


class ConfigError(Exception):
    """Settings or plugins are wrong. The message is one line for a person."""

    exit_code = 2


class PluginError(ConfigError):
    """A plugin failed to import, implements an unknown hook, or is misconfigured."""


class PendingMigrationsError(RuntimeError):
    """The database is behind the code; `intranet migrate` has not run."""

    def __init__(self, pending: list[str]) -> None:
        self.pending = pending
        super().__init__(
            f"{len(pending)} migration(s) pending: {', '.join(pending)}. Run `intranet migrate` first."
        )
