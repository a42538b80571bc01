"""How fast Hive notifies N members and delivers their emails, against floors measured
in the same run.

    .venv/bin/python benchmarks/notify_fanout.py [--members 10000] [--concurrency 1]

Creation, two ways:
- notify_many(): one event reaching all N members, one call in one transaction, as
  event_cancel and the other fan-outs do (rows inserted in batches, ON CONFLICT (key) DO
  NOTHING; one broker message per batch of delivery.EMAIL_BATCH emails, on commit).
  Target: >= 1,000 notifications/s.
- notify() once per member, each in its own transaction (the one-by-one path, for
  comparison; its tasks are parked, never delivered).
Floor: bulk-inserting N bare notification rows.

Delivery: one real `celery -A hive worker` subprocess (prefork, --concurrency 1,
production settings) on a private queue of the configured broker (REDIS_URL or the
embedded Valkey) sends the notify_many() emails through a local SMTP sink (aiosmtpd),
one SMTP connection per batch. Target: 10,000 emails in <= 2 minutes. Floors: the same N
messages sent straight to the sink by as many plain smtplib processes as the worker has
children, with no database, templates or Celery: one connection per batch (what the
worker now does), and one connection per message (what it did before).

Exactly once: every notification's Message-ID arrives at the sink exactly once, none
missing; then notify_many() again with the same keys creates 0 rows, sends 0 broker
messages and 0 emails.

SQL queries are counted in-process: notify_many() for the whole run, notify() per
notification (first N/10 and last N/10), and delivery per email (delivery.email_deliver
and a batch of delivery.emails_deliver on a sample, with N/10 notifications in the table
and with 2N); none may grow with N.

Runs in a scratch database (benchmarks/_db.py) that is dropped at the end; the worker,
the SMTP sink and the floor's processes are stopped however the run ends (the worker dies
with this process even on SIGKILL). This process runs with DJANGO_DEBUG=false unless set.
At N = 10,000 it takes about four minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

from _db import ROOT, drop_scratch_database, use_scratch_database

SCRATCH = "hive_bench"
PROGRESS_TIMEOUT = 60  # seconds without a single email delivered: something is wrong
FLOOR_SCRIPT = """
import smtplib, sys
port, first, count, per_connection = map(int, sys.argv[1:5])
raw = sys.stdin.buffer.read()
for start in range(first, first + count, per_connection):
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as smtp:
        for i in range(start, min(start + per_connection, first + count)):
            smtp.sendmail("hello@hive.localhost", [f"floor{i}@bench.test"], raw)
"""
MESSAGE_ID = re.compile(r"<notification-(\d+)@")


class QueryCounter:
    """Counts SQL statements (savepoints included) through connection.execute_wrapper:
    unlike CaptureQueriesContext it keeps no SQL, so it neither slows the run nor stops
    at Django's 9,000-query log."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=1, help="worker pool children")
    parser.add_argument("--sample", type=int, default=100, help="in-process deliveries counted")
    args = parser.parse_args()
    if args.members < 10 or args.sample < 1 or args.concurrency < 1:
        parser.error("need --members >= 10, --sample >= 1 and --concurrency >= 1")

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd: a line per command
    # SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C, so the cleanup below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("DJANGO_DEBUG", "false")  # no SQL kept per query, as in production
    began = time.perf_counter()
    database_url = use_scratch_database(SCRATCH)
    sys.path.insert(0, str(ROOT))
    from tests.notifications.processes import SmtpSink, WorkerPool

    log_dir = Path(tempfile.mkdtemp(prefix="hive-bench-"))
    sink = pool = None
    try:
        from django.conf import settings

        sink = SmtpSink().start()
        pool = WorkerPool(
            log_dir=log_dir,
            database_name=SCRATCH,
            base_database_url=database_url,
            redis_url=settings.REDIS_URL,
            email_url=sink.url,
            settings_module="hive.settings.production",
            prefix="bench",
        )
        run(args, sink, pool)
        print(f"  (whole run {time.perf_counter() - began:.0f} s)")
    finally:
        from django.db import connection

        if pool is not None:
            pool.close(connection)
        if sink is not None:
            sink.stop()
        drop_scratch_database(SCRATCH)
        for log in log_dir.glob("*.log"):
            log.unlink()
        log_dir.rmdir()


def send_floor(sink, raw: bytes, n: int, processes: int, per_connection: int) -> float:
    """Seconds from the first to the last of n messages at the sink, sent by `processes`
    smtplib processes, one connection per `per_connection` messages."""
    before = len(sink.messages)
    share = -(-n // processes)
    senders = [
        subprocess.Popen(  # noqa: S603 - our interpreter, fixed script
            [
                sys.executable,
                "-c",
                FLOOR_SCRIPT,
                str(sink.port),
                str(k * share),
                str(count),
                str(per_connection),
            ],
            stdin=subprocess.PIPE,
        )
        for k in range(processes)
        if (count := min(share, n - k * share)) > 0
    ]
    try:
        for sender in senders:
            sender.stdin.write(raw)
            sender.stdin.close()
        for sender in senders:
            if sender.wait(timeout=600) != 0:
                raise RuntimeError("a floor sender failed")
    finally:
        for sender in senders:
            if sender.poll() is None:
                sender.kill()
                sender.wait()
    floor_msgs = sink.messages[before:]
    assert len(floor_msgs) == n, len(floor_msgs)
    return floor_msgs[-1].at - floor_msgs[0].at


def run(args, sink, pool) -> None:
    from django.conf import settings
    from django.db import connection, transaction
    from django.db.models import Max, Min
    from django.test.utils import override_settings

    from members.demo import DEMO_DOMAIN, seed_community
    from members.models import User
    from notifications import delivery, services, tasks
    from notifications.models import Notification
    from notifications.services import Notice
    from tests.notifications.processes import tasks_to_queue

    n, tenth = args.members, args.members // 10
    sent = Notification.Email.SENT

    started = time.perf_counter()
    seed_community(members=n, seed=args.seed)
    seeded = time.perf_counter() - started
    members = list(User.objects.filter(email__endswith=f"@{DEMO_DOMAIN}").order_by("pk"))
    assert len(members) == n, len(members)

    # --- Creation floor: N bare rows in bulk ------------------------------------------
    started = time.perf_counter()
    Notification.objects.bulk_create(
        [
            Notification(recipient=m, kind="welcome", key=f"floor:{m.pk}", email_status="none")
            for m in members
        ],
        batch_size=2000,
    )
    create_floor = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE notifications_notification RESTART IDENTITY")

    parked = pool.new_queue()  # tasks that must not be delivered wait here, then are dropped

    def delivery_sample(stage: str) -> tuple[float, float]:
        """Queries per delivery, in-process through the sink: email_deliver one by one,
        and emails_deliver for a batch."""
        sample = members[: args.sample]
        with tasks_to_queue(parked):
            singles = [
                services.notify(recipient=m, kind="welcome", key=f"sample:{stage}:{m.pk}")
                for m in sample
            ]
            batch = services.notify_many(
                kind="welcome",
                notices=[Notice(recipient=m, key=f"sample-many:{stage}:{m.pk}") for m in sample],
            )
        one, many = QueryCounter(), QueryCounter()
        with override_settings(**sink.settings()):
            with connection.execute_wrapper(one):
                outcomes = [delivery.email_deliver(notification_id=x.pk) for x in singles]
            with connection.execute_wrapper(many):
                batched = delivery.emails_deliver(notification_ids=[x.pk for x in batch])
        assert outcomes == ["sent"] * len(sample), set(outcomes)
        assert list(batched.values()) == ["sent"] * len(sample), set(batched.values())
        return one.count / len(sample), many.count / len(sample)

    # --- Creation, one by one: notify() per member, each its own transaction ----------
    first, last, total = QueryCounter(), QueryCounter(), QueryCounter()
    one_by_one = 0.0
    with tasks_to_queue(parked):
        for i, member in enumerate(members):
            if i == tenth:  # N/10 notifications exist: count a delivery (not timed)
                deliver_at_tenth = delivery_sample("tenth")
            with contextlib.ExitStack() as counting:
                counting.enter_context(connection.execute_wrapper(total))
                if i < tenth or i >= n - tenth:
                    counting.enter_context(connection.execute_wrapper(first if i < tenth else last))
                started = time.perf_counter()
                services.notify(recipient=member, kind="welcome", key=f"single:welcome:{member.pk}")
                one_by_one += time.perf_counter() - started

    # --- Creation in bulk: notify_many() for all N, one transaction -------------------
    def notices() -> list:
        return [
            Notice(
                recipient=m,
                key=f"bench:event-update:{m.pk}",
                context={"title": "Benchmark evening", "change": "cancelled", "what": []},
                url="/events/benchmark-evening/",
            )
            for m in members
        ]

    bulk_queries = QueryCounter()
    queued = []
    real_delay = tasks.deliver_emails.delay

    def counting_delay(ids):
        queued.append(len(ids))
        return real_delay(ids)

    tasks.deliver_emails.delay = counting_delay
    try:
        with tasks_to_queue(pool.queue):
            started = time.perf_counter()
            with connection.execute_wrapper(bulk_queries), transaction.atomic():
                created = services.notify_many(kind="event_update", notices=notices())
            bulk = time.perf_counter() - started  # the commit and its broker messages too
    finally:
        tasks.deliver_emails.delay = real_delay
    assert len(created) == n and sum(queued) == n, (len(created), sum(queued))
    bulk_messages = len(queued)
    deliver_at_n = delivery_sample("all")
    bench = Notification.objects.filter(key__startswith="bench:")
    assert bench.count() == n

    # --- Delivery floors: the same bytes, straight to the sink ------------------------
    # As Django's SMTP backend sends it: CRLF line ends.
    raw = delivery.build_email(bench.first()).message().as_bytes(linesep="\r\n")
    floor_batch = send_floor(sink, raw, n, args.concurrency, delivery.EMAIL_BATCH)
    floor_each = send_floor(sink, raw, n, args.concurrency, 1)

    # --- Delivery: the real worker ----------------------------------------------------
    before = len(sink.messages)
    wall = time.perf_counter()
    pool.start(
        pool="prefork",
        concurrency=args.concurrency,
        extra_env={
            "DJANGO_SECRET_KEY": "benchmark-only-not-a-secret",
            "DJANGO_ALLOWED_HOSTS": "localhost",
            "HIVE_BASE_URL": "http://127.0.0.1:8000",
        },
    )
    done, progress_at = 0, time.monotonic()
    while done < n:
        time.sleep(0.5)
        now_done = bench.filter(email_status=sent).count()
        if now_done > done:
            done, progress_at = now_done, time.monotonic()
        for worker in pool.workers:
            if not worker.alive():
                raise RuntimeError(f"The worker died:\n{worker.log()[-4000:]}")
        if time.monotonic() - progress_at > PROGRESS_TIMEOUT:
            raise RuntimeError(
                f"No email delivered for {PROGRESS_TIMEOUT} s ({done}/{n} sent):\n"
                f"{pool.log()[-4000:]}"
            )
    wall = time.perf_counter() - wall
    app_msgs = sink.messages[before:]
    window = bench.aggregate(first=Min("email_claimed_at"), last=Max("email_sent_at"))
    db_window = (window["last"] - window["first"]).total_seconds()
    sink_window = app_msgs[-1].at - app_msgs[0].at
    attempts = set(bench.values_list("email_attempts", flat=True).distinct())

    # --- Exactly once ---------------------------------------------------------------
    arrived = Counter(
        int(MESSAGE_ID.match(BytesHeaderParser().parsebytes(m.raw)["Message-ID"]).group(1))
        for m in app_msgs
    )
    expected = set(bench.values_list("pk", flat=True))
    missing = expected - set(arrived)
    doubled = sorted(pk for pk, times in arrived.items() if times > 1)
    strangers = set(arrived) - expected
    # The same event again, same keys: nothing new, nothing queued, nothing sent.
    queued.clear()
    tasks.deliver_emails.delay = counting_delay
    try:
        with tasks_to_queue(pool.queue), transaction.atomic():
            again = services.notify_many(kind="event_update", notices=notices())
    finally:
        tasks.deliver_emails.delay = real_delay
    time.sleep(3)  # had anything been queued, the idle worker would be sending it now
    again_emails = len(sink.messages) - before - len(app_msgs)
    pool.close(connection)  # stop the worker before the scratch database goes

    # --- Report -----------------------------------------------------------------------
    def row(label: str, seconds: float, count: int | None = None) -> None:
        per_second = f"{count / seconds:9.0f} /s" if count else ""
        print(f"  {label:<58}{seconds:8.2f} s{per_second}")

    def ratio(value: float, what: str = "floor") -> None:
        print(f"  {'ratio to ' + what:<58}{value:8.1f} x")

    print(f"notify fan-out: {n} members (scratch database {SCRATCH}, broker {settings.REDIS_URL})")
    row("seed_community", seeded)
    print("creation")
    row(f"floor: bulk insert of {n} bare notification rows", create_floor, n)
    row(f"notify_many() x {n} (one call, one transaction, commit)", bulk, n)
    ratio(bulk / create_floor)
    print(
        f"  {'':<58}{n / bulk:8.0f} /s (target >= 1,000 /s: "
        f"{'met' if n / bulk >= 1000 else 'NOT met'})"
    )
    print(
        f"  SQL statements for all {n}: {bulk_queries.count}; broker messages: "
        f"{bulk_messages} (batches of {delivery.EMAIL_BATCH})"
    )
    row(f"notify() x {n} (own transaction, task sent to broker)", one_by_one, n)
    ratio(one_by_one / create_floor)
    print(
        f"  SQL queries per notification: first {tenth}: {first.count / tenth:.2f}, "
        f"last {tenth}: {last.count / tenth:.2f}, all {n}: {total.count / n:.2f}"
        " (must not grow with N)"
    )
    print(
        f"delivery (one worker: celery prefork --concurrency {args.concurrency}, "
        "hive.settings.production, SMTP sink)"
    )
    row(
        f"floor: {n} emails, {args.concurrency} smtplib, a connection per {delivery.EMAIL_BATCH}",
        floor_batch,
        n,
    )
    row(f"floor: {n} emails, {args.concurrency} smtplib, a connection per email", floor_each, n)
    row(f"worker: {n} emails (first to last at the sink)", sink_window, n)
    ratio(sink_window / floor_batch, f"floor (a connection per {delivery.EMAIL_BATCH})")
    ratio(sink_window / floor_each, "floor (a connection per email)")
    print(
        f"  (database: first claim to last sent {db_window:.2f} s; wall clock with worker "
        f"start-up {wall:.2f} s; target <= 120 s: {'met' if wall <= 120 else 'NOT met'})"
    )
    print(
        f"  SQL queries per delivery ({args.sample} in-process, one by one / in one batch): "
        f"{deliver_at_tenth[0]:.2f} / {deliver_at_tenth[1]:.2f} with {tenth} notifications, "
        f"{deliver_at_n[0]:.2f} / {deliver_at_n[1]:.2f} with {2 * n} (must not grow with N)"
    )
    print(
        f"  exactly once: {n} notifications, {len(app_msgs)} emails, {len(arrived)} distinct "
        f"Message-IDs, {len(missing)} missing, {len(doubled)} doubled, {len(strangers)} "
        f"unexpected; attempts per row {sorted(attempts)}"
    )
    print(
        f"  notify_many() again with the same {n} keys: {len(again)} new rows, "
        f"{len(queued)} broker messages, {again_emails} emails"
    )
    assert len(app_msgs) == n and not missing and not doubled and not strangers
    assert attempts == {1}
    assert again == [] and queued == [] and again_emails == 0


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
