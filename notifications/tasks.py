"""Thin Celery tasks: load by id, call the service, return what happened. The periodic
ones ask delivery.py and digests.py what is due and queue one task per item.

The task names are what beat schedules and queued messages refer to: keep them.
"""

from celery import shared_task
from django.utils import timezone

from notifications import delivery, digests


@shared_task(name="notifications.deliver_email")
def deliver_email(notification_id: int) -> str:
    return delivery.email_deliver(notification_id=notification_id)


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    """Every minute: revive sends interrupted by a crash, and queue the emails that are
    due (quiet hours over, a lost broker message, a retry's back-off elapsed)."""
    now = timezone.now()
    revived = delivery.interrupted_sends_revive(now=now)
    due = delivery.due_email_ids(now=now)
    for notification_id in due:
        deliver_email.delay(notification_id)
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
