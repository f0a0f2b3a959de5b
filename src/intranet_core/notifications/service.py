"""The one service the core and plugins notify people through.

:func:`notify` stores one row per recipient (the list under the bell), mails
those who chose "immediately" for that kind, and hands the notice to the
``deliver_notification`` hook for any other channel. :func:`send_daily_digests`
mails everyone who chose "daily" a summary of what is still unread, once a
day (``intranet notifications send-digests`` from cron).

Every person chooses per kind how they are e-mailed: ``immediately``,
``daily`` or ``never``. Kinds are declared through the
``register_notification_kinds`` hook with a default; only choices that differ
from the default are stored.
"""

from __future__ import annotations

import asyncio
import datetime
import inspect
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from intranet_core import i18n
from intranet_core.contributions import NotificationKind, by_order
from intranet_core.i18n import gettext as _
from intranet_core.i18n import ngettext
from intranet_core.mail import send_mail
from intranet_core.notifications.models import NotificationInfo
from intranet_core.notifications.tables import Notification, NotificationDigest, NotificationPreference
from intranet_core.people.tables import Person
from intranet_core.plugins import flatten

log = logging.getLogger("intranet.notifications")

DELIVERIES = ("immediately", "daily", "never")
FALLBACK_DELIVERY = "daily"
"""How a kind no plugin declared is delivered."""
PAGE_SIZE = 20
UNREAD_CAP = 100
"""The bell counts at most this many (and shows "99+"): the count's cost is bounded."""
MAX_TITLE = 300
MAX_TEXT = 2000
MAX_URL = 1000
KIND_PATTERN = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
# Rows per INSERT (8 values each, well under both engines' parameter limits)
# and ids per IN (...) list.
INSERT_BATCH = 250
LOOKUP_BATCH = 500
MAIL_CONCURRENCY = 4
DIGEST_ITEMS = 50
"""A digest lists at most this many notifications, then says how many more there are."""
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = re.compile(r"\s*[\r\n]+\s*")

T = TypeVar("T")
Message = str | Callable[[], str]
"""Words of a notice: the text itself, or a function that writes it in the current language."""


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- kinds and choices -------------------------------------------------------------


def core_kinds() -> list[NotificationKind]:
    """The kinds the core itself sends (labels in the current language)."""
    return [
        NotificationKind(name="feed.mention", label=_("Someone mentions me"), default_delivery="immediately",
                         order=10),
        NotificationKind(name="feed.important", label=_("Important posts"), default_delivery="immediately",
                         order=20),
    ]


def notification_kinds(intranet: Any) -> list[NotificationKind]:
    """Every declared kind, sorted by ``order``; the first declaration of a name wins."""
    seen: dict[str, NotificationKind] = {}
    for kind in flatten(reversed(intranet.hook.register_notification_kinds(app=intranet))):
        if not isinstance(kind, NotificationKind):
            raise TypeError("register_notification_kinds must return NotificationKind items")
        if kind.default_delivery not in DELIVERIES:
            raise ValueError(f"notification kind {kind.name!r}: unknown default {kind.default_delivery!r}")
        seen.setdefault(kind.name, kind)
    return by_order(list(seen.values()))


def default_delivery(intranet: Any, kind: str) -> str:
    for declared in notification_kinds(intranet):
        if declared.name == kind:
            return declared.default_delivery
    return FALLBACK_DELIVERY


async def deliveries(intranet: Any, kind: str, person_ids: Sequence[int]) -> dict[int, str]:
    """How each person wants ``kind`` by e-mail: their choice, else the kind's default.

    For channels (``deliver_notification``) that follow the same choices.
    """
    default = default_delivery(intranet, kind)
    chosen: dict[int, str] = {}
    for chunk in _chunks(list(person_ids), LOOKUP_BATCH):
        rows = await NotificationPreference.select(
            NotificationPreference.person, NotificationPreference.delivery
        ).where((NotificationPreference.kind == kind) & NotificationPreference.person.is_in(list(chunk))).run()
        chosen.update({int(row["person"]): str(row["delivery"]) for row in rows})
    return {pid: chosen[pid] if chosen.get(pid) in DELIVERIES else default for pid in person_ids}


async def preferences_of(intranet: Any, person_id: int) -> list[tuple[NotificationKind, str]]:
    """Each declared kind with the person's delivery for it."""
    rows = await NotificationPreference.select(NotificationPreference.kind, NotificationPreference.delivery).where(
        NotificationPreference.person == person_id
    ).run()
    chosen = {str(row["kind"]): str(row["delivery"]) for row in rows}
    return [
        (kind, chosen[kind.name] if chosen.get(kind.name) in DELIVERIES else kind.default_delivery)
        for kind in notification_kinds(intranet)
    ]


async def save_preferences(intranet: Any, person_id: int, choices: dict[str, str]) -> dict[str, str]:
    """Store the person's choices for declared kinds; returns those that changed."""
    kinds = {kind.name: kind for kind in notification_kinds(intranet)}
    unknown = [name for name, value in choices.items() if name not in kinds or value not in DELIVERIES]
    if unknown:
        raise ValueError(f"unknown notification kind or delivery: {unknown[0]!r}")
    before = {kind.name: delivery for kind, delivery in await preferences_of(intranet, person_id)}
    changed = {name: value for name, value in choices.items() if before.get(name) != value}
    if not changed:
        return {}
    async with intranet.db.transaction(write=True):
        await NotificationPreference.delete().where(
            (NotificationPreference.person == person_id) & NotificationPreference.kind.is_in(sorted(changed))
        ).run()
        rows = [
            NotificationPreference(person=person_id, kind=name, delivery=value)
            for name, value in sorted(changed.items())
            if value != kinds[name].default_delivery
        ]
        if rows:
            # A second submission racing this one: the later choice wins, never an error.
            await NotificationPreference.insert(*rows).on_conflict(
                target=(NotificationPreference.person, NotificationPreference.kind), action="DO UPDATE",
                values=[NotificationPreference.delivery],
            ).run()
    return changed


# --- links and text ----------------------------------------------------------------


def is_local_path(url: str) -> bool:
    """A path on this site (``/posts/7``): never another site, a scheme, a space or a control character."""
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        return False
    if any(c.isspace() or not c.isprintable() for c in url):
        return False
    parts = urlsplit(url)
    return not parts.scheme and not parts.netloc


def absolute_url(settings: Any, path: str) -> str:
    """``path`` on the public address (``site.base_url``) when it is set."""
    base = (settings.site.base_url or "").rstrip("/")
    return f"{base}{path}" if base else path


def _one_line(value: str, limit: int) -> str:
    value = _LINE_BREAKS.sub(" ", _CONTROL.sub("", value)).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _plain(value: str, limit: int) -> str:
    value = _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def _language_of(settings: Any, person: dict[str, Any]) -> str:
    language = person.get("language")
    return str(language) if language in settings.site.languages else str(settings.site.default_language)


def in_language(language: str, compose: Callable[[], T]) -> T:
    """Run ``compose`` with ``gettext`` answering in ``language``."""
    token = i18n.set_language(language)
    try:
        return compose()
    finally:
        i18n.reset_language(token)


def _kind_label(intranet: Any, kind: str) -> str:
    for declared in notification_kinds(intranet):
        if declared.name == kind:
            return declared.label
    return kind


def immediate_mail(intranet: Any, notice: NotificationInfo) -> tuple[str, str]:
    """Subject and plain-text body of the mail for one notice, in the current language."""
    settings = intranet.settings
    subject = _one_line(notice.title, 150) or _("New notification")
    lines = [notice.title, ""]
    if notice.text:
        lines += [notice.text, ""]
    lines += [
        _("Open it on %(site)s:") % {"site": settings.site.name},
        absolute_url(settings, notice.url),
        "",
        "-- ",
        _("You get this e-mail because your notification settings say \"immediately\" for \"%(kind)s\". "
          "Change them here:") % {"kind": _kind_label(intranet, notice.kind)},
        absolute_url(settings, "/notifications/settings"),
    ]
    return subject, "\n".join(lines) + "\n"


def digest_mail(intranet: Any, name: str, items: list[dict[str, Any]]) -> tuple[str, str]:
    """Subject and plain-text body of one person's daily digest, in the current language."""
    settings = intranet.settings
    count = len(items)
    subject = ngettext("%(count)d new notification on %(site)s", "%(count)d new notifications on %(site)s",
                       count) % {"count": count, "site": settings.site.name}
    lines = [
        _("Hello %(name)s,") % {"name": name},
        "",
        _("This happened on %(site)s since your last summary:") % {"site": settings.site.name},
        "",
    ]
    for item in items[:DIGEST_ITEMS]:
        lines.append(f"- {_one_line(item['title'], MAX_TITLE)}")
        if item["text"]:
            lines.append(f"  {_one_line(item['text'], 300)}")
        lines.append(f"  {absolute_url(settings, item['url'])}")
        lines.append("")
    if count > DIGEST_ITEMS:
        lines += [
            ngettext("And %(count)d more:", "And %(count)d more:", count - DIGEST_ITEMS)
            % {"count": count - DIGEST_ITEMS},
            absolute_url(settings, "/notifications"),
            "",
        ]
    lines += [
        "-- ",
        _("You get this summary once a day because of your notification settings. Change them here:"),
        absolute_url(settings, "/notifications/settings"),
    ]
    return subject, "\n".join(lines) + "\n"


# --- notify ------------------------------------------------------------------------


async def notify(
    intranet: Any,
    *,
    recipients: list[int],
    kind: str,
    title: Message,
    url: str,
    text: Message = "",
    actor_id: int | None = None,
) -> None:
    """Tell ``recipients`` (person ids) about something at ``url``.

    ``kind`` is namespaced (``feed.mention``, ``feed.important``,
    ``workgroups.join_request``); each person chooses per kind how they are
    told. ``title`` and ``text`` are plain text (escaped wherever shown),
    or functions returning it: a function is called once for each language
    the recipients read, with ``gettext`` answering in that language, so
    each person gets the notice in their own (``lambda: _("Reminder: %(title)s")
    % values``). Call it after the change it announces has committed.

    Inactive people and the actor themself are skipped. One row per
    recipient is stored (the list under the bell); those whose choice for
    ``kind`` is "immediately" are e-mailed, each in their own language; then
    the ``deliver_notification`` hook hands the notice to other channels.
    Delivery problems (the database, the mail server, a channel) are logged,
    never raised: the change announced has already happened.

    :raises ValueError: ``kind`` is not namespaced (``<plugin>.<event>``) or
        ``url`` is not a path on this site (``/posts/7``): mistakes in the
        calling code, raised before anything is stored.
    """
    if not KIND_PATTERN.match(kind) or len(kind) > 100:
        raise ValueError(f"notify: kind must look like 'plugin.event', got {kind!r}")
    if len(url) > MAX_URL or not is_local_path(url):
        raise ValueError("notify: url must be a path on this site, such as /posts/7")
    wanted = sorted({int(r) for r in recipients} - ({actor_id} if actor_id is not None else set()))
    if not wanted:
        return
    try:
        people = await _active_people(wanted)
        if not people:
            return
        if actor_id is not None and not await Person.exists().where(Person.id == actor_id).run():
            actor_id = None
        created_at = now()
        groups: dict[str, list[dict[str, Any]]] = {}
        if callable(title) or callable(text):
            for person in people:
                groups.setdefault(_language_of(intranet.settings, person), []).append(person)
        else:  # the same words for everyone
            groups[""] = people
        notices: list[tuple[NotificationInfo, list[dict[str, Any]]]] = []
        for language, group in groups.items():
            written_title, written_text = in_language(
                language or intranet.settings.site.default_language,
                lambda: (title() if callable(title) else title, text() if callable(text) else text),
            )
            notices.append((NotificationInfo(kind=kind, title=_one_line(written_title, MAX_TITLE), url=url,
                                             text=_plain(written_text, MAX_TEXT), actor_id=actor_id,
                                             created_at=created_at), group))
        async with intranet.db.transaction(write=True):
            for notice, group in notices:
                for chunk in _chunks(group, INSERT_BATCH):
                    await Notification.insert(*[
                        Notification(person=person["id"], kind=notice.kind, title=notice.title, url=notice.url,
                                     text=notice.text, actor_id=notice.actor_id, created_at=notice.created_at,
                                     read_at=None)
                        for person in chunk
                    ]).run()
    except Exception as exc:
        log.error("notifications could not be stored: kind=%s error=%s", kind, type(exc).__name__)
        return
    for notice, group in notices:
        await _mail_immediately(intranet, notice, group)
        await _deliver_to_channels(intranet, [int(p["id"]) for p in group], notice)


async def _active_people(ids: Sequence[int]) -> list[dict[str, Any]]:
    people: list[dict[str, Any]] = []
    for chunk in _chunks(list(ids), LOOKUP_BATCH):
        people += await Person.select(Person.id, Person.email, Person.name, Person.language).where(
            Person.id.is_in(list(chunk)) & (Person.active == True)  # noqa: E712 - SQL, not Python
        ).order_by(Person.id).run()
    return people


async def _mail_immediately(intranet: Any, notice: NotificationInfo, people: list[dict[str, Any]]) -> None:
    try:
        choice = await deliveries(intranet, notice.kind, [int(p["id"]) for p in people])
        targets = iter([p for p in people if choice[int(p["id"])] == "immediately" and p["email"]])
    except Exception as exc:
        log.error("notification mails not sent: kind=%s error=%s", notice.kind, type(exc).__name__)
        return
    settings = intranet.settings
    # The same mail for everyone who reads the same language: written once per language.
    written: dict[str, tuple[str, str]] = {}

    async def worker() -> None:
        for person in targets:  # one iterator, shared: each person is mailed once
            try:
                language = _language_of(settings, person)
                if language not in written:
                    written[language] = in_language(language, lambda: immediate_mail(intranet, notice))
                subject, body = written[language]
                await send_mail(settings.mail, to=person["email"], subject=subject, text=body,
                                site_name=settings.site.name)
            except Exception as exc:
                # Never the address, nor the message (it may quote the address).
                log.warning("notification mail failed: kind=%s person=%s error=%s",
                            notice.kind, person["id"], type(exc).__name__)

    await asyncio.gather(*(worker() for _ in range(MAIL_CONCURRENCY)))


async def _deliver_to_channels(intranet: Any, person_ids: list[int], notice: NotificationInfo) -> None:
    """Each channel separately: one failing does not keep the notice from the others."""
    arguments = {"app": intranet, "person_ids": person_ids, "notification": notice}
    for impl in reversed(intranet.hook.deliver_notification.get_hookimpls()):
        try:
            result = impl.function(**{name: arguments[name] for name in impl.argnames})
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.error("notification channel failed: plugin=%s kind=%s error=%s",
                      impl.plugin_name, notice.kind, type(exc).__name__)


# --- the list and the bell ---------------------------------------------------------


async def unread_count(person_id: int, cap: int = UNREAD_CAP) -> int:
    """Unread notifications of a person, counting at most ``cap``: one range of the unread index."""
    rows = await Notification.raw(
        "SELECT COUNT(*) AS unread FROM (SELECT 1 FROM notification WHERE person = {} AND read_at IS NULL "
        "LIMIT {}) AS capped",
        person_id, cap,
    ).run()
    return int(rows[0]["unread"]) if rows else 0


async def page_of(person_id: int, *, before: int | None = None,
                  limit: int = PAGE_SIZE) -> tuple[list[dict[str, Any]], int | None]:
    """A page of the person's notifications, newest first, and the cursor of the next (older) page."""
    condition: Any = Notification.person == person_id
    if before is not None:
        condition = condition & (Notification.id < before)
    rows: list[dict[str, Any]] = await Notification.select(
        Notification.id, Notification.kind, Notification.title, Notification.url, Notification.text,
        Notification.created_at, Notification.read_at, Notification.actor_id.name.as_alias("actor_name"),
    ).where(condition).order_by(Notification.id, ascending=False).limit(limit + 1).run()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (int(rows[-1]["id"]) if more and rows else None)


async def open_notification(person_id: int, notification_id: int) -> str | None:
    """Mark one of the person's own notifications read; its URL, or ``None`` if it is not theirs."""
    row = await Notification.select(Notification.url, Notification.read_at).where(
        (Notification.id == notification_id) & (Notification.person == person_id)
    ).first().run()
    if row is None:
        return None
    if row["read_at"] is None:
        await Notification.update({Notification.read_at: now()}).where(
            (Notification.id == notification_id) & (Notification.person == person_id)
            & Notification.read_at.is_null()
        ).run()
    return str(row["url"])


async def mark_all_read(person_id: int) -> None:
    await Notification.update({Notification.read_at: now()}).where(
        (Notification.person == person_id) & Notification.read_at.is_null()
    ).run()


# --- the daily digest --------------------------------------------------------------


async def send_daily_digests(intranet: Any, now: datetime.datetime) -> int:
    """Mail each active person their unread "daily" notifications since their last digest.

    One mail per person, in their language, listing what arrived after the
    previous digest up to ``now`` and is still unread. The time of each
    person's digest is stored, and claimed before the mail is sent (a
    compare-and-set), so two runs at once, on one host or several, never send
    the same person two digests; a mail that fails gives the claim back, and
    the next run tries again. Returns the number of mails sent.
    """
    if now.tzinfo is None:
        raise ValueError("send_daily_digests: now must be timezone-aware")
    sent = 0
    after = 0
    while True:
        batch = [int(row["person"]) for row in await Notification.select(Notification.person).where(
            Notification.read_at.is_null() & (Notification.created_at <= now) & (Notification.person > after)
        ).distinct().order_by(Notification.person).limit(LOOKUP_BATCH).run()]
        if not batch:
            return sent
        after = batch[-1]
        sent += await _digest_batch(intranet, batch, now)


async def _digest_batch(intranet: Any, person_ids: list[int], now: datetime.datetime) -> int:
    people = {int(p["id"]): p for p in await _active_people(person_ids)}
    if not people:
        return 0
    ids = sorted(people)
    placeholders = ", ".join("{}" for _ in ids)
    # Only placeholders are formatted into the SQL; every value is a parameter.
    sql = (
        "SELECT n.id AS id, n.person AS person, n.kind AS kind, n.title AS title, "
        "n.url AS url, n.text AS text, d.sent_at AS digest_at "
        "FROM notification AS n LEFT JOIN notification_digest AS d ON d.person = n.person "
        "WHERE n.person IN (" + placeholders + ") AND n.read_at IS NULL AND n.created_at <= {} "
        "AND (d.sent_at IS NULL OR n.created_at > d.sent_at) ORDER BY n.person, n.id"
    )
    rows = await Notification.raw(sql, *ids, now).run()
    if not rows:
        return 0
    kinds = {kind.name: kind.default_delivery for kind in notification_kinds(intranet)}
    chosen: dict[tuple[int, str], str] = {
        (int(row["person"]), str(row["kind"])): str(row["delivery"])
        for row in await NotificationPreference.select(
            NotificationPreference.person, NotificationPreference.kind, NotificationPreference.delivery
        ).where(NotificationPreference.person.is_in(ids)).run()
    }
    items: dict[int, list[dict[str, Any]]] = {}
    # The digest time these rows were read against: the claim below succeeds
    # only if no other run has moved it since.
    previous: dict[int, Any] = {}
    for row in rows:
        key = (int(row["person"]), str(row["kind"]))
        delivery = chosen.get(key) or kinds.get(key[1], FALLBACK_DELIVERY)
        if delivery == "daily":
            items.setdefault(key[0], []).append(row)
            previous[key[0]] = row["digest_at"]
    settings = intranet.settings
    sent = 0
    for person_id, listed in items.items():
        person = people[person_id]
        before = previous.get(person_id)
        if not person["email"] or not await _claim_digest(person_id, before, now):
            continue
        try:
            subject, body = in_language(_language_of(settings, person),
                                        lambda: digest_mail(intranet, person["name"], listed))  # noqa: B023
            await send_mail(settings.mail, to=person["email"], subject=subject, text=body,
                            site_name=settings.site.name)
            sent += 1
        except Exception as exc:
            log.warning("digest mail failed: person=%s error=%s", person_id, type(exc).__name__)
            await _release_digest(person_id, before, now)
    return sent


async def _claim_digest(person_id: int, before: Any, now: datetime.datetime) -> bool:
    """Move the person's digest time from ``before`` to ``now``; false if another run got there first."""
    if before is None:
        rows = await NotificationDigest.insert(NotificationDigest(person=person_id, sent_at=now)).on_conflict(
            action="DO NOTHING"
        ).returning(NotificationDigest.id).run()
    else:
        rows = await NotificationDigest.update({NotificationDigest.sent_at: now}).where(
            (NotificationDigest.person == person_id) & (NotificationDigest.sent_at == before)
        ).returning(NotificationDigest.id).run()
    return bool(rows)


async def _release_digest(person_id: int, before: Any, now: datetime.datetime) -> None:
    try:
        claimed = (NotificationDigest.person == person_id) & (NotificationDigest.sent_at == now)
        if before is None:
            await NotificationDigest.delete().where(claimed).run()
        else:
            await NotificationDigest.update({NotificationDigest.sent_at: before}).where(claimed).run()
    except Exception as exc:
        log.warning("digest claim not released: person=%s error=%s", person_id, type(exc).__name__)
