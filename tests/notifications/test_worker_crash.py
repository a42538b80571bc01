"""A worker killed in the middle of sending an email: the notification stays "sending"
(nothing was delivered), the sweep leaves it alone while the send's lease runs, then
puts it back and it is delivered exactly once.

Real processes throughout: `celery -A hive worker` subprocesses on a private queue of the
configured broker, sending with the production SMTP backend to an aiosmtpd sink that
holds the first message in DATA (content received, no reply yet) — the worker is
blocked mid-send when it gets kill -9.
"""

from __future__ import annotations

import os
import signal

import psutil
import pytest

from notifications.models import Notification
from notifications.services import notify
from notifications.tasks import sweep
from tests.members.factories import MemberFactory
from tests.notifications.processes import SmtpSink, WorkerPool, tasks_to_queue

EmailStatus = Notification.Email


@pytest.fixture
def sink():
    with SmtpSink(stall=1) as sink:  # the first message hangs in DATA until the end
        yield sink


def start_stuck_send(workers: WorkerPool, sink: SmtpSink) -> Notification:
    """notify(); a worker takes the email and hangs in the sink's DATA."""
    member = MemberFactory()
    notification = notify(recipient=member, kind="welcome", key="welcome:crash", url="/apply/")
    sink.wait(lambda s: s.stalled == 1, timeout=30, what="the worker to be mid-send")
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING
    assert notification.email_attempts == 1
    return notification


def assert_nothing_delivered(sink: SmtpSink, notification: Notification) -> None:
    # The sink saw the sender vanish before it could answer: no complete message.
    sink.wait(lambda s: s.aborted == 1, timeout=10, what="the sink to see the sender go")
    assert sink.messages == []
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING  # stuck: nobody will finish it


def sweep_and_deliver(workers: WorkerPool, sink: SmtpSink, settings, notification, queue):
    # While the lease runs, the sweep must not touch it: the sender may still be alive.
    with tasks_to_queue(queue):
        assert sweep() == {"revived": 0, "queued": 0}

    # Shorten the lease (300 s in production) so the test need not wait it out.
    settings.NOTIFICATIONS_SEND_LEASE_SECONDS = 1
    results = []

    def swept() -> bool:
        with tasks_to_queue(queue):
            results.append(sweep())
        return results[-1]["revived"] > 0

    workers.wait_until(swept, what="the sweep to revive the send once its lease ran out")
    assert results[-1] == {"revived": 1, "queued": 1}

    def sent() -> bool:
        notification.refresh_from_db()
        return notification.email_status == EmailStatus.SENT

    workers.wait_until(sent, what="the re-queued email to be sent")
    assert len(sink.messages) == 1
    received = sink.messages[0]
    assert received.rcpt_tos == [notification.recipient.email]
    assert received.message["Message-ID"] == f"<notification-{notification.pk}@testserver>"
    assert received.message["Subject"] == "[Hive] Welcome to Hive"
    assert notification.email_attempts == 2
    assert notification.email_sent_at is not None
    assert notification.email_reason == ""

    # Nothing left to do: another sweep queues nothing, and still one message arrived.
    with tasks_to_queue(queue):
        assert sweep() == {"revived": 0, "queued": 0}
    assert len(sink.messages) == 1 and sink.aborted == 1


def test_worker_killed_mid_send_is_resent_once_by_the_sweep(workers, sink, settings):
    crashing = workers.start()  # solo pool: the task runs in the worker process itself
    fresh_queue = workers.new_queue()
    fresh = workers.start(queue=fresh_queue)  # waits on its own queue for the sweep's task

    notification = start_stuck_send(workers, sink)
    crashing.kill()  # kill -9, mid-send: no outcome recorded, no ack to the broker
    assert_nothing_delivered(sink, notification)

    sweep_and_deliver(workers, sink, settings, notification, fresh_queue)
    assert fresh.outcomes("sent") == 1  # the sweep's batch task
    assert crashing.count("succeeded in") == 0


def test_pool_process_killed_mid_send_redelivered_task_skips(workers, sink, settings):
    """The usual deployment (prefork pool): only the child running the task dies. The
    broker message is re-queued (acks_late, reject_on_worker_lost) and runs again at
    once, finds the send claimed and does nothing; the sweep still recovers it."""
    worker = workers.start(pool="prefork", concurrency=1)
    notification = start_stuck_send(workers, sink)

    (child,) = psutil.Process(worker.pid).children()
    os.kill(child.pid, signal.SIGKILL)
    assert_nothing_delivered(sink, notification)
    workers.wait_until(
        lambda: worker.count("succeeded in") == 1, what="the redelivered task to run"
    )
    assert worker.count(": 'skipped'") == 1
    assert "WorkerLostError" in worker.log()
    notification.refresh_from_db()
    assert notification.email_status == EmailStatus.SENDING

    sweep_and_deliver(workers, sink, settings, notification, workers.queue)
    assert worker.outcomes("sent") == 1
