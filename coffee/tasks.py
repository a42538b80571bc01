"""Thin Celery tasks for coffee dates: each calls one service (scheduled in
hive/settings/base.py CELERY_BEAT_SCHEDULE). Running either twice is harmless: the
round has a unique key per week, and each intro and check-in is marked once."""

from celery import shared_task

from coffee import rounds


# A round at 100,000 members takes about a minute; retried (acks_late), it finds its
# week's round and does nothing.
@shared_task(name="coffee.run_round", acks_late=True, soft_time_limit=1200, time_limit=1300)
def run_round() -> int:
    return rounds.round_run().paired


@shared_task(name="coffee.morning_notes", acks_late=True, soft_time_limit=1500, time_limit=1600)
def morning_notes() -> int:
    return rounds.morning_notes_send()
