"""Hooks the phonebook offers other plugins: directory sources that feed people in.

A directory-sync plugin (SCIM, LDAP, an HR system's export) implements
:func:`register_directory_sources`; the phonebook reads each source with
``intranet phonebook-sync`` (or :func:`intranet_phonebook.directory.sync_source`)
and creates, updates and deactivates people through the core's people
service, so every other plugin hears of the changes as after an import.
A source that is pushed to instead (SCIM) hands its records to
:func:`intranet_phonebook.directory.apply_records` itself.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from intranet_core import hookspec

# mypy: disable-error-code="empty-body"

if TYPE_CHECKING:
    from intranet_core.app import Intranet
    from intranet_phonebook.directory import DirectorySource


@hookspec
def register_directory_sources(app: Intranet) -> list[DirectorySource]:
    """Declare directories the phonebook can read people from.

    :returns: a list of :class:`intranet_phonebook.directory.DirectorySource`:
        a ``name`` (``[a-z0-9_-]``, unique: the key the phonebook remembers
        each person's ``external_id`` under), a translated ``label``, and
        ``fetch()``, awaited to give every
        :class:`intranet_phonebook.directory.DirectoryRecord` of the
        directory (a complete list: people the source fed in before and no
        longer lists are deactivated). May be async.
    Called by ``intranet phonebook-sync`` and by
    ``intranet_phonebook.directory.sources``. Implement it with
    ``@hookimpl(optionalhook=True)`` if the phonebook may be absent.
    """
