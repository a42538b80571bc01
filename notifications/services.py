"""The notifications app's public writes: notify() — what every other app calls — and
notify_many() for one event reaching many members, marking read, and a member's settings.

The rest of the app, by concern: preferences.py (what a member chose: channel, pause,
quiet hours), delivery.py (building and sending one email exactly once, what is due),
digests.py (whose digest morning it is, sending a digest once), tasks.py (the Celery
tasks that queue and run those sends).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from notifications import registry
from notifications.models import Notification, Preference
from notifications.models import Settings as NotificationSettings
from notifications.preferences import (
    channel_for,
    channels_for_many,
    is_paused,
    quiet_hours_end,
    settings_for,
    settings_for_many,
)
from notifications.tasks import deliver_email, queue_emails

EmailStatus = Notification.Email
# Rows per INSERT in notify_many(): one statement of constant size (arrays), so a
# thousand rows cost one round trip.
INSERT_BATCH = 1000


def _plan_email(
    user, kind: registry.Kind, channel: str, now: datetime, prefs: NotificationSettings | None
):
    """(email_status, not_before, reason) for a new notification. `prefs` are the
    member's delivery settings when the caller loaded them already (in bulk)."""
    if channel == registry.IN_APP:
        return EmailStatus.NONE, None, ""
    if channel == registry.DIGEST and not kind.mandatory:
        return EmailStatus.DIGEST, None, ""
    if kind.mandatory:
        return EmailStatus.PENDING, None, ""
    prefs = prefs or settings_for(user)
    zone = user.zone
    if is_paused(prefs, now.astimezone(zone).date()):
        return EmailStatus.SUPPRESSED, None, f"Paused until {prefs.paused_until:%Y-%m-%d}"
    return EmailStatus.PENDING, quiet_hours_end(prefs, zone, now), ""


@transaction.atomic
def notify(*, recipient, kind: str, context: dict | None = None, key: str, url: str = ""):
    """Notify `recipient` of something, once per `key`.

    Call it inside the transaction that makes the change: the row commits (or rolls
    back) with it, and its email is queued only after commit. Calling again with the
    same key returns the existing notification and sends nothing more. Returns None
    when the member turned this kind off.
    """
    spec = registry.get_kind(kind)
    now = timezone.now()
    channel = channel_for(recipient, spec)
    if channel == registry.OFF:
        return None
    status, not_before, reason = _plan_email(recipient, spec, channel, now, None)
    notification, created = Notification.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient,
            "kind": spec.name,
            "context": context or {},
            "url": url,
            "created_at": now,
            "email_status": status,
            "email_not_before": not_before,
            "email_reason": reason,
        },
    )
    if created and status == EmailStatus.PENDING and not_before is None:
        # robust: with the broker down (a Redis restart) the change has committed all
        # the same, so the member's page must not fail; the error is logged and the
        # sweep queues the email a minute later (delivery.due_email_ids).
        transaction.on_commit(lambda: deliver_email.delay(notification.pk), robust=True)
    return notification


@dataclass(frozen=True)
class Notice:
    """One member's notification in a notify_many() call: what notify() takes, less
    the kind (which the call gives once)."""

    recipient: Any
    key: str
    context: dict | None = None
    url: str = ""


@transaction.atomic
def notify_many(*, kind: str, notices: Iterable[Notice]) -> list[Notification]:
    """notify() for many members at once: one event reaching everyone concerned.

    The same rules as notify(), each member's own (channel off: no row; in-app;
    digest; paused; quiet hours; a mandatory kind always by email), read for all of
    them in one query each; the rows inserted in batches under their unique keys
    (`ON CONFLICT (key) DO NOTHING`), so a key already there is left as it is and
    queues nothing; the new rows' emails queued after commit, one broker message per
    batch of emails. Returns the notifications this call created (a repeated key, in
    the database or twice in `notices`, counts once).
    """
    spec = registry.get_kind(kind)
    now = timezone.now()
    unique: dict[str, Notice] = {}
    for notice in notices:
        unique.setdefault(notice.key, notice)
    if not unique:
        return []
    channels = channels_for_many((n.recipient.pk for n in unique.values()), spec)
    emailed = [pk for pk, channel in channels.items() if channel == registry.EMAIL]
    prefs = settings_for_many(emailed) if emailed and not spec.mandatory else {}
    rows = []
    # In key order: two calls inserting the same keys at once take them in the same
    # order, so they cannot deadlock on each other's unique-index entries.
    for key in sorted(unique):
        notice = unique[key]
        channel = channels[notice.recipient.pk]
        if channel == registry.OFF:
            continue
        status, not_before, reason = _plan_email(
            notice.recipient, spec, channel, now, prefs.get(notice.recipient.pk)
        )
        rows.append(
            Notification(
                recipient=notice.recipient,
                kind=spec.name,
                key=key,
                context=notice.context or {},
                url=notice.url,
                created_at=now,
                email_status=status,
                email_not_before=not_before,
                email_reason=reason,
            )
        )
    created = []
    for start in range(0, len(rows), INSERT_BATCH):
        created += _insert_new(rows[start : start + INSERT_BATCH])
    due = [
        n.pk for n in created if n.email_status == EmailStatus.PENDING and not n.email_not_before
    ]
    if due:
        # robust, as in notify(): a broker outage must not fail the committed change;
        # the sweep queues these emails a minute later.
        transaction.on_commit(lambda: queue_emails(due), robust=True)
    return created


def _insert_new(rows: list[Notification]) -> list[Notification]:
    """INSERT the rows whose key is new, in one statement; returns those (with their
    pk). The rows share kind and created_at (one notify_many call)."""
    encoder = Notification._meta.get_field("context").encoder
    with connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO "notifications_notification" (
                recipient_id, kind, key, context, url, created_at, email_status,
                email_reason, email_not_before, email_attempts
            )
            SELECT r, %s, k, c::jsonb, u, %s, s, e, nb, 0
            FROM unnest(
                %s::bigint[], %s::text[], %s::text[], %s::text[], %s::text[], %s::text[],
                %s::timestamptz[]
            ) AS x(r, k, c, u, s, e, nb)
            ON CONFLICT (key) DO NOTHING
            RETURNING id, key
            """,
            [
                rows[0].kind,
                rows[0].created_at,
                [n.recipient_id for n in rows],
                [n.key for n in rows],
                [json.dumps(n.context, cls=encoder) for n in rows],
                [n.url for n in rows],
                [n.email_status for n in rows],
                [n.email_reason for n in rows],
                [n.email_not_before for n in rows],
            ],
        )
        new = {key: pk for pk, key in cursor.fetchall()}
    created = []
    for row in rows:
        if row.key in new:
            row.pk = new[row.key]
            row._state.adding, row._state.db = False, connection.alias
            created.append(row)
    return created


def notification_mark_read(*, notification: Notification) -> None:
    """Mark one notification read (the first time only: keeps when it was first read)."""
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user) -> int:
    """Mark every unread notification of `user` read; returns how many."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user, kind: registry.Kind, channel: str) -> None:
    """Set how `user` gets `kind`; a mandatory kind (security) cannot be changed."""
    if kind.mandatory:
        raise ValueError(f"{kind.label} notifications cannot be changed.")
    if channel not in dict(registry.CHANNELS):
        raise ValueError(f"Unknown channel {channel!r}.")
    Preference.objects.update_or_create(user=user, kind=kind.name, defaults={"channel": channel})


@transaction.atomic
def notification_settings_update(
    *, user, settings_obj: NotificationSettings, timezone_name: str, channels: dict[str, str]
) -> None:
    """Save a member's delivery settings, time zone and per-kind channels together."""
    settings_obj.user = user
    settings_obj.full_clean()
    settings_obj.save()
    if user.timezone != timezone_name:
        user.timezone = timezone_name
        user.full_clean(validate_unique=False, exclude=["password"])
        user.save(update_fields=["timezone"])
    for name, channel in channels.items():
        preference_set(user=user, kind=registry.get_kind(name), channel=channel)
