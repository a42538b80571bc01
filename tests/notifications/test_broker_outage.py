"""A broker outage (Redis restarted) when notify()'s change commits: the change and its
notification stand, the member's request does not fail, and the sweep sends the email
later (benchmarks/load.py restarts Redis under load and counts every email)."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError

from notifications import delivery, services, tasks
from notifications.models import Notification
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_broker_outage_after_commit_leaves_the_email_to_the_sweep(monkeypatch):
    member = MemberFactory()

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_email, "delay", broker_down)
    with transaction.atomic():  # what a view's write does; raised here before the fix
        services.notify(recipient=member, kind="welcome", key="outage", url="/apply/")

    row = Notification.objects.get(key="outage")
    assert row.email_status == Notification.Email.PENDING
    assert mail.outbox == []
    # Not yet: a fresh row is given a minute for its own queued task...
    assert row.pk not in delivery.due_email_ids(now=timezone.now())
    # ...after which the sweep queues it, and it is sent once.
    monkeypatch.undo()
    later = timezone.now() + timedelta(seconds=61)
    assert row.pk in delivery.due_email_ids(now=later)
    assert delivery.email_deliver(notification_id=row.pk) == "sent"
    assert delivery.email_deliver(notification_id=row.pk) == "skipped"
    assert len(mail.outbox) == 1


def test_a_broker_outage_after_a_fan_out_commits_leaves_the_emails_to_the_sweep(monkeypatch):
    members = MemberFactory.create_batch(3)

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.deliver_emails, "delay", broker_down)
    with transaction.atomic():
        created = services.notify_many(
            kind="welcome",
            notices=[
                services.Notice(recipient=m, key=f"fan-{m.pk}", url="/apply/") for m in members
            ],
        )

    assert len(created) == 3
    rows = Notification.objects.filter(key__startswith="fan-")
    assert {r.email_status for r in rows} == {Notification.Email.PENDING}
    assert mail.outbox == []
    monkeypatch.undo()
    due = delivery.due_email_ids(now=timezone.now() + timedelta(seconds=61))
    assert {r.pk for r in rows} <= set(due)
    tasks.queue_emails(sorted(due))
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.email for m in members)
