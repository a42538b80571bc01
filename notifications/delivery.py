"""A notification's email: building it, sending it exactly once, and finding the ones due.

Exactly once: `notify()` writes the Notification in the caller's transaction under a
unique key, so a retried or duplicated caller finds the row already there. Delivery
claims the row with a conditional UPDATE (pending → sending); only the worker whose
UPDATE matched sends, and it records the outcome with another conditional UPDATE. A
worker that dies mid-send leaves the row "sending"; once its lease (longer than the
task's hard time limit) has run out, the sweep puts it back to "pending" and it is
sent once. The only window for a duplicate is between the SMTP server's final OK and
our UPDATE (milliseconds); the Message-ID is derived from the row, so mail clients
recognise such a twin.

Queueing is the tasks' business (tasks.py): this module says what is due, and never
imports the tasks.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
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
from notifications.models import Notification
from notifications.preferences import is_paused, settings_for

log = logging.getLogger(__name__)
EmailStatus = Notification.Email
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
MAX_ATTEMPTS = 5


def send_lease() -> timedelta:
    """How long a started send (an email's or a digest's) belongs to its worker."""
    return timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)


def mail_domain() -> str:
    return urlsplit(settings.HIVE_BASE_URL).hostname or "hive.localhost"


def render_part(template: str, context: dict) -> str:
    """Text parts render without HTML escaping; HTML parts with it."""
    if template.endswith(".txt"):
        return render_text(template, context)
    return render_to_string(template, context)


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
        "site_name": settings.HIVE_SITE_NAME,
    }
    with timezone.override(user.zone):
        subject = " ".join(render_part(kind.template("subject.txt"), context).split())
        text = render_part(kind.template("body.txt"), context).strip()
        text += "\n\n" + render_part("notifications/email/footer.txt", context).strip() + "\n"
        html = render_part(kind.template("body.html"), context)
    # A stable id lets mail clients collapse a twin sent after a crash mid-send.
    headers = {"Message-ID": f"<notification-{notification.pk}@{mail_domain()}>"}
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
        email_status__in=[EmailStatus.SENT, EmailStatus.SENDING],
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
            .filter(pk=notification_id, email_status=EmailStatus.PENDING)
            .filter(Q(email_not_before__isnull=True) | Q(email_not_before__lte=now))
            .first()
        )
        if row is None:
            return None
        kind = registry.KINDS.get(row.kind)
        reason = _suppression_reason(row, kind, now)
        status = EmailStatus.SUPPRESSED if reason else EmailStatus.SENDING
        claimed = Notification.objects.filter(pk=row.pk, email_status=EmailStatus.PENDING).update(
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
    # A member who asked to delete their account gets only what they must (security,
    # their data download), not news of a community they left.
    if getattr(user, "deletion_requested_at", None) is not None:
        return "The account is closing."
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
        exists = Notification.objects.filter(
            pk=notification_id, email_status=EmailStatus.SUPPRESSED
        )
        return "suppressed" if exists.exists() else "skipped"
    mine = Notification.objects.filter(
        pk=row.pk, email_status=EmailStatus.SENDING, email_claimed_at=now
    )
    try:
        build_email(row).send()
    except Exception as exc:  # noqa: BLE001 - SMTP, DNS, template: record it, retry later
        log.warning("Email for notification %s failed: %s", row.pk, exc)
        give_up = row.email_attempts >= MAX_ATTEMPTS
        mine.update(
            email_status=EmailStatus.FAILED if give_up else EmailStatus.PENDING,
            email_reason=f"{type(exc).__name__}: {exc}"[:200],
            email_not_before=None if give_up else now + timedelta(minutes=2**row.email_attempts),
        )
        return "failed" if give_up else "retry"
    mine.update(email_status=EmailStatus.SENT, email_sent_at=timezone.now(), email_reason="")
    return "sent"


def interrupted_sends_revive(*, now: datetime) -> int:
    """Put sends whose worker died mid-send (lease over) back to pending, due at `now`.
    Returns how many."""
    return Notification.objects.filter(
        email_status=EmailStatus.SENDING, email_claimed_at__lt=now - send_lease()
    ).update(
        email_status=EmailStatus.PENDING,
        email_not_before=now,
        email_reason="Retried after an interrupted send",
    )


def due_email_ids(*, now: datetime, batch: int = 1000) -> list[int]:
    """Ids of pending emails due at `now`: quiet hours over, a retry's back-off elapsed,
    a revived send, or a fresh row whose queued task seems lost."""
    # Fresh rows are already queued by notify(); give that a minute before doubling up.
    return list(
        Notification.objects.filter(email_status=EmailStatus.PENDING)
        .filter(
            Q(email_not_before__lte=now)
            | Q(email_not_before__isnull=True, created_at__lt=now - timedelta(seconds=60))
        )
        .values_list("pk", flat=True)[:batch]
    )
