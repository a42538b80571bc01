"""Thin Celery tasks for the events app: each calls a service (scheduled in
hive/settings/base.py CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from events import services


@shared_task(name="events.send_reminders", acks_late=True)
def send_reminders() -> int:
    return services.reminders_send()


@shared_task(name="events.send_followups", acks_late=True)
def send_followups() -> int:
    return services.followups_send()
