"""The notifications app's public writes: notify() — what every other app calls — marking
read, and a member's settings.

The rest of the app, by concern: preferences.py (what a member chose: channel, pause,
quiet hours), delivery.py (building and sending one email exactly once, what is due),
digests.py (whose digest morning it is, sending a digest once), tasks.py (the Celery
tasks that queue and run those sends).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from notifications import registry
from notifications.models import Notification, Preference
from notifications.models import Settings as NotificationSettings
from notifications.preferences import channel_for, is_paused, quiet_hours_end, settings_for
from notifications.tasks import deliver_email

EmailStatus = Notification.Email


def _plan_email(user, kind: registry.Kind, channel: str, now: datetime):
    """(email_status, not_before, reason) for a new notification."""
    if channel == registry.IN_APP:
        return EmailStatus.NONE, None, ""
    if channel == registry.DIGEST and not kind.mandatory:
        return EmailStatus.DIGEST, None, ""
    if kind.mandatory:
        return EmailStatus.PENDING, None, ""
    prefs = settings_for(user)
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
    status, not_before, reason = _plan_email(recipient, spec, channel, now)
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
