"""Exactly once: a notify repeated under one key, and its delivery task run twice, one
after the other or truly at the same time in two real worker processes, give one email.

The concurrent case is made deterministic: the test holds a lock on the notification row
while two `celery -A hive worker` processes (on a private queue of the configured broker)
each take a delivery task for it. Both read the row as pending and both reach their claim
(the conditional UPDATE pending → sending) — we wait until the database shows both
waiting on the row — and only then is the lock released: the two claims race for real,
and exactly one may send.
"""

from __future__ import annotations

import psycopg
import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.db import connection

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import deliver_email
from tests.members.factories import MemberFactory
from tests.notifications.processes import SmtpSink, database_url

EmailStatus = Notification.Email


def notify_welcome(member, key: str):
    return notify(
        recipient=member, kind="welcome", key=key, url="/apply/", context={"source": "test"}
    )


# --- In-process (eager tasks, locmem mail) ----------------------------------------------


def test_notify_twice_with_one_key_sends_one_email(db, django_capture_on_commit_callbacks):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True) as first_callbacks:
        first = notify_welcome(member, "welcome:twice")
    with django_capture_on_commit_callbacks(execute=True) as second_callbacks:
        second = notify_welcome(member, "welcome:twice")

    assert second.pk == first.pk
    assert Notification.objects.filter(key="welcome:twice").count() == 1
    assert len(first_callbacks) == 1  # the first call queued the email...
    assert len(second_callbacks) == 0  # ...the repeat queued nothing more
    assert len(mail.outbox) == 1
    assert Notification.objects.get(pk=first.pk).email_status == EmailStatus.SENT


def test_delivery_task_run_twice_sends_one_email(db, django_capture_on_commit_callbacks):
    member = MemberFactory()
    with django_capture_on_commit_callbacks(execute=True):
        notification = notify_welcome(member, "welcome:task-twice")
    assert len(mail.outbox) == 1

    # The broker redelivers, or the sweep and notify both queue it: the task runs again.
    assert deliver_email.apply(args=[notification.pk]).get() == "skipped"
    assert deliver_email.apply(args=[notification.pk]).get() == "skipped"

    assert len(mail.outbox) == 1
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1


# --- Real worker processes against the configured broker -------------------------------


@pytest.fixture
def sink():
    with SmtpSink() as sink:
        yield sink


def test_two_workers_racing_for_one_notification_send_one_email(workers, sink):
    member = MemberFactory()
    first = notify_welcome(member, "welcome:race")  # queues its delivery task
    again = notify_welcome(member, "welcome:race")  # a repeat: must queue nothing
    assert again.pk == first.pk
    pk = first.pk

    lock_url = database_url(
        django_settings.DATABASE_URL,
        connection.settings_dict["NAME"],
        application_name="hive-test-row-lock",
    )
    with psycopg.connect(lock_url) as holder:
        # Hold the row: claims (UPDATE … WHERE email_status = 'pending') must wait.
        holder.execute("SELECT id FROM notifications_notification WHERE id = %s FOR UPDATE", [pk])
        # A duplicate of the task, as a broker redelivery or an eager sweep would make.
        deliver_email.apply_async(args=[pk], queue=workers.queue)
        workers.start()
        workers.start()

        with connection.cursor() as cursor:

            def both_claims_waiting() -> bool:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
                    "AND wait_event_type = 'Lock' AND query ILIKE %s",
                    [workers.application_name, 'UPDATE "notifications_notification"%'],
                )
                return cursor.fetchone()[0] == 2

            workers.wait_until(both_claims_waiting, what="both workers' claims to block")
        # Each worker took one of the two messages and is inside its claim: go.
        assert [w.count("] received") for w in workers.workers] == [1, 1]
        holder.rollback()

    sink.wait(lambda s: len(s.messages) >= 1, timeout=30, what="the email")
    workers.wait_until(lambda: workers.count("succeeded in") == 2, what="both tasks to finish")
    assert workers.count(": 'sent'") == 1
    assert workers.count(": 'skipped'") == 1

    # Run the task once more, after the fact: still nothing more is sent.
    deliver_email.apply_async(args=[pk], queue=workers.queue)
    workers.wait_until(lambda: workers.count("succeeded in") == 3, what="the third run")
    assert workers.count(": 'skipped'") == 2

    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert received.rcpt_tos == [member.email]
    assert received.message["Message-ID"] == f"<notification-{pk}@testserver>"
    notification = Notification.objects.get(pk=pk)
    assert notification.email_status == EmailStatus.SENT
    assert notification.email_attempts == 1
    assert Notification.objects.filter(key="welcome:race").count() == 1


def test_two_workers_given_every_task_twice_send_each_email_once(workers, sink):
    """Many notifications, every delivery task queued twice more, two workers draining
    the queue at once: each member gets exactly one email."""
    members = MemberFactory.create_batch(12)
    notifications = [notify_welcome(m, f"welcome:many:{m.pk}") for m in members]
    for notification in notifications:
        for _ in range(2):
            deliver_email.apply_async(args=[notification.pk], queue=workers.queue)
    workers.start()
    workers.start()

    total = len(notifications) * 3
    workers.wait_until(lambda: workers.count("succeeded in") == total, what=f"all {total} tasks")
    assert workers.count(": 'sent'") == len(notifications)
    assert workers.count(": 'skipped'") == total - len(notifications)

    assert sorted(r.rcpt_tos[0] for r in sink.messages) == sorted(m.email for m in members)
    message_ids = {r.message["Message-ID"] for r in sink.messages}
    assert message_ids == {f"<notification-{n.pk}@testserver>" for n in notifications}
    rows = Notification.objects.filter(pk__in=[n.pk for n in notifications])
    assert {(r.email_status, r.email_attempts) for r in rows} == {(EmailStatus.SENT, 1)}
