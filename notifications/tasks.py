"""Thin Celery tasks: load by id, call the service, return what happened."""

from celery import shared_task

from notifications import services


@shared_task(name="notifications.deliver_email")
def deliver_email(notification_id: int) -> str:
    return services.email_deliver(notification_id=notification_id)


@shared_task(name="notifications.sweep")
def sweep() -> dict:
    return services.email_sweep()


@shared_task(name="notifications.send_digests")
def send_digests() -> int:
    return services.digest_send_due()


@shared_task(name="notifications.deliver_digest")
def deliver_digest(user_id: int, period: str) -> str:
    return services.digest_deliver(user_id=user_id, period=period)
