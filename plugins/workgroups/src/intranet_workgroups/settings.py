"""The ``[plugins.workgroups]`` section of ``intranet.toml``.

    [plugins.workgroups]
    anyone_may_create_topic_groups = false
    max_file_bytes = 10485760

Every field has a default, so the section may be left out.
"""

from __future__ import annotations

import msgspec


class WorkgroupsSettings(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    anyone_may_create_topic_groups: bool = True
    """Every signed-in person may start a topic group. When false, only holders of
    ``workgroups.create`` may; local groups always need ``workgroups.create_local``
    for their unit."""
    directory_page_size: int = msgspec.field(default=30)
    """Groups per page of the directory (``/groups``)."""
    feed_page_size: int = 20
    """Posts per page of a group's feed."""
    front_page_widget: bool = True
    """Show "My groups" on the front page."""
    max_file_bytes: int | None = None
    """The largest file a group accepts, in bytes; ``None``: the site's ``[uploads] max_bytes``."""
    file_types: list[str] | None = None
    """The content types a group accepts (``application/pdf``, ...); ``None``: the site's
    ``[uploads] allowed_types``. A type the site does not allow is never accepted."""
    max_versions: int = 50
    """Versions kept of one file; uploading beyond it is refused until old versions are deleted."""

    def __post_init__(self) -> None:
        if not 1 <= self.directory_page_size <= 200:
            raise ValueError("directory_page_size: expected 1 to 200")
        if not 1 <= self.feed_page_size <= 100:
            raise ValueError("feed_page_size: expected 1 to 100")
        if self.max_file_bytes is not None and self.max_file_bytes < 1:
            raise ValueError("max_file_bytes: expected a positive number of bytes")
        if not 1 <= self.max_versions <= 1000:
            raise ValueError("max_versions: expected 1 to 1000")
