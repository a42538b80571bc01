"""Thin Celery tasks: load by id, call the service, return what happened. The periodic
ones ask delivery.py and digests.py what is due and queue the work: emails in batches
(one task, one broker message and one SMTP connection per delivery.EMAIL_BATCH), digests
one task per member.

The task names are what beat schedules and queued messages refer to: keep them.
"""

from collections import Counter

from celery import shared_task
from django.utils import timezone

from notifications import delivery, digests


@shared_task(name="notifications.deliver_email")
def deliver_email(notification_id: int) -> str:
    return delivery.email_deliver(notification_id=notification_id)


@shared_task(name="notifications.deliver_emails")
def deliver_emails(notification_ids: list[int]) -> dict:
    """Send a batch of emails over one SMTP connection; returns how many of each outcome."""
    outcomes = delivery.emails_deliver(notification_ids=notification_ids)
    return dict(Counter(outcomes.values()))


def queue_emails(notification_ids: list[int]) -> None:
    """Queue the emails of these notifications, one deliver_emails task per batch."""
    size = delivery.EMAIL_BATCH
    for start in range(0, len(notification_ids), size):
        deliver_emails.delay(notification_ids[start : start + size])


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    """Every minute: revive sends interrupted by a crash, and queue the emails that are
    due (quiet hours over, a lost broker message, a retry's back-off elapsed)."""
    now = timezone.now()
    revived = delivery.interrupted_sends_revive(now=now)
    due = delivery.due_email_ids(now=now)
    queue_emails(due)
    return {"revived": revived, "queued": len(due)}


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    """Every 15 minutes: queue a digest for every member whose digest morning has come."""
    due = digests.due_digests(now=timezone.now())
    for user_id, period in due:
        deliver_digest.delay(user_id, period)
    return len(due)


@shared_task(name="notifications.deliver_digest")
def deliver_digest(user_id: int, period: str) -> str:
    return digests.digest_deliver(user_id=user_id, period=period)
