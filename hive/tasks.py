"""Project-wide periodic chores. Thin tasks: each calls one function and returns."""

import time

from celery import shared_task
from django.core.management import call_command

from hive.health import record_heartbeat


@shared_task(name="hive.tasks.heartbeat")
def heartbeat() -> float:
    """Record that a worker is consuming the beat schedule (shown on /healthz)."""
    now = time.time()
    record_heartbeat(now)
    return now


@shared_task(name="hive.tasks.clear_expired_sessions")
def clear_expired_sessions() -> None:
    """Delete expired session rows so the table does not grow forever."""
    call_command("clearsessions")
