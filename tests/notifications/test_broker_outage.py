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
