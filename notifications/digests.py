"""Digest emails: whose digest morning it is, and sending one member's digest once.

A digest goes out at most once per member and period ("2026-11-21" or "2026-W47"):
the DigestEmail row, unique per member and period, is claimed before sending. Queueing
is the tasks' business (tasks.py): this module says what is due, and never imports the
tasks.
"""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hive.http import absolute_url
from notifications.delivery import mail_domain, render_part, send_lease
from notifications.models import DigestEmail, Notification
from notifications.models import Settings as NotificationSettings
from notifications.preferences import is_paused, local_moment, quiet_hours_end

log = logging.getLogger(__name__)
EmailStatus = Notification.Email
DIGEST_HOUR = 8  # a digest goes out at 8:00 in the member's own time zone …
DIGEST_WINDOW_HOURS = 4  # … or, after an outage or quiet hours, later that morning


def digest_period(user, prefs: NotificationSettings, now: datetime) -> str | None:
    """The digest period due for `user` at `now`, or None if it is not their morning
    (8:00–12:00 local, outside quiet hours, not paused; weekly digests on Mondays)."""
    zone = user.zone
    local = now.astimezone(zone)
    morning = local_moment(local.date(), time(DIGEST_HOUR), zone)
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


def due_digests(*, now: datetime) -> list[tuple[int, str]]:
    """(user id, period) for every member with notifications waiting for a digest whose
    digest morning it is at `now` and who has not had this period's digest yet."""
    waiting = Notification.objects.filter(email_status=EmailStatus.DIGEST).values("recipient")
    users = get_user_model().objects.filter(pk__in=waiting, is_active=True)
    prefs = {s.user_id: s for s in NotificationSettings.objects.filter(user__in=users)}
    due = []
    for user in users:
        period = digest_period(user, prefs.get(user.pk) or NotificationSettings(user=user), now)
        if (
            period
            and not DigestEmail.objects.filter(
                user=user, period=period, status=DigestEmail.Status.SENT
            ).exists()
        ):
            due.append((user.pk, period))
    return due


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
                pk=digest.pk, status=DigestEmail.Status.SENDING, claimed_at__lt=now - send_lease()
            ).update(claimed_at=now)
            if not taken:
                return "skipped"
    user = get_user_model().objects.get(pk=user_id)
    items = list(
        Notification.objects.filter(
            recipient=user, email_status=EmailStatus.DIGEST, created_at__lte=now
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
        "center_url": absolute_url(reverse("notifications:list")),
        "site_url": absolute_url("/"),
    }
    with timezone.override(user.zone):
        for item in items:
            item.line = item.in_app_text()
        text = render_part("notifications/email/digest.txt", context)
        html = render_part("notifications/email/digest.html", context)
    message = EmailMultiAlternatives(
        subject=f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}Your Hive digest ({len(items)})",
        body=text,
        to=[user.email],
        headers={"Message-ID": f"<digest-{user.pk}-{period}@{mail_domain()}>"},
    )
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except Exception as exc:  # noqa: BLE001
        log.warning("Digest %s for user %s failed: %s", period, user_id, exc)
        mine.delete()  # let the next run try again
        return "retry"
    with transaction.atomic():
        Notification.objects.filter(
            pk__in=[i.pk for i in items], email_status=EmailStatus.DIGEST
        ).update(email_status=EmailStatus.DIGESTED, email_sent_at=now)
        mine.update(status=DigestEmail.Status.SENT, sent_at=timezone.now(), count=len(items))
    return "sent"
