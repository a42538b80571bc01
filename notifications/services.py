"""Notifying members: the outbox write, email delivery, the re-send sweep and digests.

Exactly once: `notify()` writes the Notification in the caller's transaction under a
unique key, so a retried or duplicated caller finds the row already there. Delivery
claims the row with a conditional UPDATE (pending → sending); only the worker whose
UPDATE matched sends, and it records the outcome with another conditional UPDATE. A
worker that dies mid-send leaves the row "sending"; once its lease (longer than the
task's hard time limit) has run out, the sweep puts it back to "pending" and it is
sent once. The only window for a duplicate is between the SMTP server's final OK and
our UPDATE (milliseconds); the Message-ID is derived from the row, so mail clients
recognise such a twin.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from hive.text import render_text
from notifications import registry
from notifications.models import DigestEmail, Notification, Preference
from notifications.models import Settings as NotificationSettings

log = logging.getLogger(__name__)
E = Notification.Email
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
DIGEST_HOUR = 8  # a digest goes out at 8:00 in the member's own time zone …
DIGEST_WINDOW_HOURS = 4  # … or, after an outage or quiet hours, later that morning
MAX_ATTEMPTS = 5


def _lease() -> timedelta:
    return timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)


# --- Preferences and timing -------------------------------------------------------------


def settings_for(user) -> NotificationSettings:
    """The member's delivery settings (defaults, unsaved, if they never changed them)."""
    found = NotificationSettings.objects.filter(user=user).first()
    return found or NotificationSettings(user=user)


def channel_for(user, kind: registry.Kind) -> str:
    if kind.mandatory:
        return registry.EMAIL
    chosen = (
        Preference.objects.filter(user=user, kind=kind.name)
        .values_list("channel", flat=True)
        .first()
    )
    return chosen or kind.default_channel


def is_paused(prefs: NotificationSettings, local_today: date) -> bool:
    return prefs.paused_until is not None and local_today <= prefs.paused_until


def quiet_hours_end(prefs: NotificationSettings, zone, now: datetime) -> datetime | None:
    """If `now` falls in the member's quiet hours, the moment (UTC) they end; else None.

    Quiet hours may span midnight (22:00–07:00). Local wall-clock times are converted
    with the member's zone on the day in question, so a DST change in between is
    honoured: 07:00 is 07:00 local on either side of it.
    """
    start, end = prefs.quiet_start, prefs.quiet_end
    if start is None or end is None or start == end:
        return None
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:  # e.g. 12:00–14:00, within one day
        if not (start <= clock < end):
            return None
        end_day = local.date()
    else:  # e.g. 22:00–07:00, across midnight
        if end <= clock < start:
            return None
        end_day = local.date() if clock < end else local.date() + timedelta(days=1)
    return _local_moment(end_day, end, zone)


def _local_moment(day: date, clock: time, zone) -> datetime:
    """`day` at wall-clock `clock` in `zone`, as an aware UTC datetime. With fold=0 an
    ambiguous time (autumn) is its first occurrence, and a time inside the spring gap
    lands just as far after the gap (02:30 → 03:30), never before it."""
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _plan_email(user, kind: registry.Kind, channel: str, now: datetime):
    """(email_status, not_before, reason) for a new notification."""
    if channel == registry.IN_APP:
        return E.NONE, None, ""
    if channel == registry.DIGEST and not kind.mandatory:
        return E.DIGEST, None, ""
    if kind.mandatory:
        return E.PENDING, None, ""
    prefs = settings_for(user)
    zone = user.zone
    if is_paused(prefs, now.astimezone(zone).date()):
        return E.SUPPRESSED, None, f"Paused until {prefs.paused_until:%Y-%m-%d}"
    return E.PENDING, quiet_hours_end(prefs, zone, now), ""


# --- The outbox --------------------------------------------------------------------------


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
    if created and status == E.PENDING and not_before is None:
        from notifications.tasks import deliver_email

        transaction.on_commit(lambda: deliver_email.delay(notification.pk))
    return notification


def notification_mark_read(*, notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


# --- Email -------------------------------------------------------------------------------


def _mail_domain() -> str:
    return urlsplit(settings.HIVE_BASE_URL).hostname or "hive.localhost"


def unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_target(token: str):
    """(user, kind) for a valid token, or None. Tokens do not expire: an unsubscribe
    link in an old email must keep working."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    user = get_user_model().objects.filter(pk=data.get("u")).first()
    kind = registry.KINDS.get(data.get("k"))
    if user is None or kind is None:
        return None
    return user, kind


@transaction.atomic
def preference_set(*, user, kind: registry.Kind, channel: str) -> None:
    if kind.mandatory:
        raise ValueError(f"{kind.label} notifications cannot be changed.")
    if channel not in dict(registry.CHANNELS):
        raise ValueError(f"Unknown channel {channel!r}.")
    Preference.objects.update_or_create(user=user, kind=kind.name, defaults={"channel": channel})


def _render(template: str, context: dict) -> str:
    """Text parts render without HTML escaping; HTML parts with it."""
    if template.endswith(".txt"):
        return render_text(template, context)
    return render_to_string(template, context)


def build_email(notification: Notification) -> EmailMultiAlternatives:
    """The email for one notification: text and HTML parts, times in the recipient's
    zone, a footer saying why it came, and RFC 8058 one-click unsubscribe headers."""
    user = notification.recipient
    kind = notification.kind_spec
    settings_url = absolute_url(reverse("notifications:preferences"))
    unsubscribe_url = (
        None
        if kind.mandatory
        else absolute_url(
            reverse("notifications:unsubscribe", args=[unsubscribe_token(user, kind.name)])
        )
    )
    context = {
        **notification.context,
        "recipient": user,
        "notification": notification,
        "kind": kind,
        "target_url": absolute_url(notification.url) if notification.url else None,
        "settings_url": settings_url,
        "unsubscribe_url": unsubscribe_url,
        "site_url": absolute_url("/"),
    }
    with timezone.override(user.zone):
        subject = " ".join(_render(kind.template("subject.txt"), context).split())
        text = _render(kind.template("body.txt"), context).strip()
        text += "\n\n" + _render("notifications/email/footer.txt", context).strip() + "\n"
        html = _render(kind.template("body.html"), context)
    # A stable id lets mail clients collapse a twin sent after a crash mid-send.
    headers = {"Message-ID": f"<notification-{notification.pk}@{_mail_domain()}>"}
    if unsubscribe_url:
        headers["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body=text,
        to=[user.email],
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _nudges_sent_this_week(user, now: datetime) -> int:
    nudge_kinds = [k.name for k in registry.KINDS.values() if k.nudge]
    return Notification.objects.filter(
        recipient=user,
        kind__in=nudge_kinds,
        email_status__in=[E.SENT, E.SENDING],
        email_claimed_at__gte=now - timedelta(days=7),
    ).count()


def _claim(notification_id: int, now: datetime) -> Notification | None:
    """Take the row for sending (pending → sending), or None if it is not ours to send.

    Nudges first lock the recipient's row, so two workers cannot both fit under the
    weekly cap; over the cap, the row is suppressed instead of claimed.
    """
    with transaction.atomic():
        row = (
            Notification.objects.select_related("recipient")
            .filter(pk=notification_id, email_status=E.PENDING)
            .filter(Q(email_not_before__isnull=True) | Q(email_not_before__lte=now))
            .first()
        )
        if row is None:
            return None
        kind = registry.KINDS.get(row.kind)
        reason = _suppression_reason(row, kind, now)
        status = E.SUPPRESSED if reason else E.SENDING
        claimed = Notification.objects.filter(pk=row.pk, email_status=E.PENDING).update(
            email_status=status,
            email_reason=reason,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + (0 if reason else 1),
        )
        if not claimed or reason:
            return None
        # Mirror the UPDATE instead of re-reading: keeps the selected recipient.
        row.email_status, row.email_reason, row.email_claimed_at = status, reason, now
        row.email_attempts += 1
        return row


def _suppression_reason(row: Notification, kind: registry.Kind | None, now: datetime) -> str:
    user = row.recipient
    if kind is None:
        return "This kind of notification no longer exists."
    if not user.is_active:
        return "The account is deactivated."
    if kind.mandatory:
        return ""
    prefs = settings_for(user)
    if is_paused(prefs, now.astimezone(user.zone).date()):
        return f"Paused until {prefs.paused_until:%Y-%m-%d}"
    if kind.nudge:
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        cap = settings.NOTIFICATIONS_NUDGE_WEEKLY_CAP
        if _nudges_sent_this_week(user, now) >= cap:
            return f"Weekly limit of {cap} reminder emails reached"
    return ""


def email_deliver(*, notification_id: int) -> str:
    """Send one notification's email if it is due and nobody else is sending it.
    Returns what happened: sent / skipped / suppressed / retry / failed."""
    now = timezone.now()
    row = _claim(notification_id, now)
    if row is None:
        exists = Notification.objects.filter(pk=notification_id, email_status=E.SUPPRESSED)
        return "suppressed" if exists.exists() else "skipped"
    mine = Notification.objects.filter(pk=row.pk, email_status=E.SENDING, email_claimed_at=now)
    try:
        build_email(row).send()
    except Exception as exc:  # noqa: BLE001 - SMTP, DNS, template: record it, retry later
        log.warning("Email for notification %s failed: %s", row.pk, exc)
        give_up = row.email_attempts >= MAX_ATTEMPTS
        mine.update(
            email_status=E.FAILED if give_up else E.PENDING,
            email_reason=f"{type(exc).__name__}: {exc}"[:200],
            email_not_before=None if give_up else now + timedelta(minutes=2**row.email_attempts),
        )
        return "failed" if give_up else "retry"
    mine.update(email_status=E.SENT, email_sent_at=timezone.now(), email_reason="")
    return "sent"


def email_sweep(*, batch: int = 1000) -> dict:
    """Periodic: revive sends interrupted by a crash, and queue emails that are due
    (quiet hours over, a lost broker message, a retry's back-off elapsed)."""
    from notifications.tasks import deliver_email

    now = timezone.now()
    revived = Notification.objects.filter(
        email_status=E.SENDING, email_claimed_at__lt=now - _lease()
    ).update(
        email_status=E.PENDING,
        email_not_before=now,
        email_reason="Retried after an interrupted send",
    )
    # Fresh rows are already queued by notify(); give that a minute before doubling up.
    due = list(
        Notification.objects.filter(email_status=E.PENDING)
        .filter(
            Q(email_not_before__lte=now)
            | Q(email_not_before__isnull=True, created_at__lt=now - timedelta(seconds=60))
        )
        .values_list("pk", flat=True)[:batch]
    )
    for pk in due:
        deliver_email.delay(pk)
    return {"revived": revived, "queued": len(due)}


# --- Digests -----------------------------------------------------------------------------


def digest_period(user, prefs: NotificationSettings, now: datetime) -> str | None:
    """The digest period due for `user` at `now`, or None if it is not their morning
    (8:00–12:00 local, outside quiet hours, not paused; weekly digests on Mondays)."""
    zone = user.zone
    local = now.astimezone(zone)
    morning = _local_moment(local.date(), time(DIGEST_HOUR), zone)
    if not morning <= now < morning + timedelta(hours=DIGEST_WINDOW_HOURS):
        return None
    if is_paused(prefs, local.date()) or quiet_hours_end(prefs, zone, now) is not None:
        return None
    if prefs.digest_frequency == NotificationSettings.Digest.WEEKLY:
        if local.weekday() != 0:
            return None
        year, week, _ = local.isocalendar()
        return f"{year}-W{week:02d}"
    return local.date().isoformat()


def digest_send_due() -> int:
    """Periodic: queue a digest for every member whose digest morning has come."""
    from notifications.tasks import deliver_digest

    now = timezone.now()
    waiting = Notification.objects.filter(email_status=E.DIGEST).values("recipient")
    users = get_user_model().objects.filter(pk__in=waiting, is_active=True)
    prefs = {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}
    queued = 0
    for user in users:
        period = digest_period(user, prefs.get(user.pk) or NotificationSettings(user=user), now)
        if (
            period
            and not DigestEmail.objects.filter(
                user=user, period=period, status=DigestEmail.Status.SENT
            ).exists()
        ):
            deliver_digest.delay(user.pk, period)
            queued += 1
    return queued


def digest_deliver(*, user_id: int, period: str) -> str:
    """Send `user_id`'s digest for `period`, at most once (unique per user and period)."""
    now = timezone.now()
    with transaction.atomic():
        digest, created = DigestEmail.objects.get_or_create(
            user_id=user_id, period=period, defaults={"claimed_at": now}
        )
        if not created:
            # Only a send that died (lease over) may be taken over.
            taken = DigestEmail.objects.filter(
                pk=digest.pk, status=DigestEmail.Status.SENDING, claimed_at__lt=now - _lease()
            ).update(claimed_at=now)
            if not taken:
                return "skipped"
    user = get_user_model().objects.get(pk=user_id)
    items = list(
        Notification.objects.filter(
            recipient=user, email_status=E.DIGEST, created_at__lte=now
        ).order_by("created_at")[:200]
    )
    mine = DigestEmail.objects.filter(pk=digest.pk, claimed_at=now)
    if not items:
        mine.update(status=DigestEmail.Status.SENT, sent_at=now, count=0)
        return "empty"
    context = {
        "recipient": user,
        "items": items,
        "period": period,
        "settings_url": absolute_url(reverse("notifications:preferences")),
        "centre_url": absolute_url(reverse("notifications:list")),
        "site_url": absolute_url("/"),
    }
    with timezone.override(user.zone):
        for item in items:
            item.line = item.in_app_text()
        text = _render("notifications/email/digest.txt", context)
        html = _render("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your Hive digest ({len(items)})",
        body=text,
        to=[user.email],
        headers={"Message-ID": f"<digest-{user.pk}-{period}@{_mail_domain()}>"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001
        log.warning("Digest %s for user %s failed: %s", period, user_id, exc)
        mine.delete()  # let the next run try again
        return "retry"
    with transaction.atomic():
        Notification.objects.filter(pk__in=[i.pk for i in items], email_status=E.DIGEST).update(
            email_status=E.DIGESTED, email_sent_at=now
        )
        mine.update(status=DigestEmail.Status.SENT, sent_at=timezone.now(), count=len(items))
    return "sent"


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
