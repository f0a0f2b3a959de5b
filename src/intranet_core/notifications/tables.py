from __future__ import annotations

from piccolo.columns import ForeignKey, OnDelete, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.people.tables import Person


class Notification(Table, tablename="notification"):
    """One notice to one person; ``read_at`` is set when they open it (or mark all read).

    Indexed (in the migration) by ``(person, read_at, created_at)`` for the
    unread count and the digest, and by ``(person, id)`` for the list.
    """

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    # Namespaced: feed.mention, feed.important, workgroups.join_request, ...
    kind = Varchar(length=100)
    # Plain text, escaped wherever it is shown.
    title = Varchar(length=300)
    # A path on this site ("/posts/7"), never another site.
    url = Varchar(length=1000)
    text = Text(default="")
    actor_id = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    """A person's choice for one kind, stored only where it differs from the kind's default."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=100)
    # immediately, daily or never
    delivery = Varchar(length=20)


class NotificationDigest(Table, tablename="notification_digest"):
    """When a person's last daily digest was sent: the next one starts there."""

    id: Serial
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    sent_at = Timestamptz()
