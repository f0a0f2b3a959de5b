"""Notifications, each person's delivery choices and when their last digest was sent."""

from piccolo.columns import ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.table import Table

from intranet_core.db import tables_migration

ID = "2026-11-27T08:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = __doc__


class Person(Table, tablename="person"):
    pass


class Notification(Table, tablename="notification"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=100)
    title = Varchar(length=300)
    url = Varchar(length=1000)
    text = Text(default="")
    actor_id = ForeignKey(references=Person, on_delete=OnDelete.set_null, null=True, default=None, index=True)
    created_at = Timestamptz()
    read_at = Timestamptz(null=True, default=None)


class NotificationPreference(Table, tablename="notification_preference"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    kind = Varchar(length=100)
    delivery = Varchar(length=20)


class NotificationDigest(Table, tablename="notification_digest"):
    person = ForeignKey(references=Person, on_delete=OnDelete.cascade, null=False)
    sent_at = Timestamptz()


async def forwards():
    return tables_migration(
        ID, "core_notifications", DESCRIPTION, [Notification, NotificationPreference, NotificationDigest],
        [
            # The unread count (the bell) and the digest: one index range per person.
            "CREATE INDEX notification_unread ON notification (person, read_at, created_at)",
            # The list, newest first, paged by id.
            "CREATE INDEX notification_list ON notification (person, id DESC)",
            "CREATE UNIQUE INDEX notification_preference_once ON notification_preference (person, kind)",
            "CREATE UNIQUE INDEX notification_digest_person ON notification_digest (person)",
        ],
    )
