"""How fast Hive notifies N members and delivers their emails, against floors measured
in the same run.

    .venv/bin/python benchmarks/notify_fanout.py [--members 10000] [--concurrency 2]

Creation: notify() once per member, each in its own transaction, as the callers do (the
row is written and its delivery task goes to the broker on commit). Floor: bulk-inserting
N bare notification rows.

Delivery: a real `celery -A hive worker` subprocess (prefork, --concurrency 2, production
settings) on a private queue of the configured broker (REDIS_URL or the embedded Valkey)
sends every email through a local SMTP sink (aiosmtpd). Floor: the same N messages sent
straight to the sink by as many plain smtplib processes, one connection per message as
the app does, with no database, templates or Celery.

SQL queries per notification are counted in-process for creation (first N/10 and last
N/10 of the run) and for delivery (delivery.email_deliver on a sample, once with N/10
notifications in the table and once with N); neither may grow with N.

Runs in a scratch database (benchmarks/_db.py) that is dropped at the end; the worker,
the SMTP sink and the floor's processes are stopped however the run ends (the worker dies
with this process even on SIGKILL). This process runs with DJANGO_DEBUG=false unless set.
At N = 10,000 it takes about five minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import time
from email.parser import BytesHeaderParser
from pathlib import Path

from _db import ROOT, drop_scratch_database, use_scratch_database

SCRATCH = "hive_bench"
PROGRESS_TIMEOUT = 60  # seconds without a single email delivered: something is wrong
FLOOR_SCRIPT = """
import smtplib, sys
port, first, count = map(int, sys.argv[1:4])
raw = sys.stdin.buffer.read()
for i in range(first, first + count):
    with smtplib.SMTP("127.0.0.1", port, local_hostname="localhost") as smtp:
        smtp.sendmail("hello@hive.localhost", [f"floor{i}@bench.test"], raw)
"""


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
    parser.add_argument("--concurrency", type=int, default=2)
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


def run(args, sink, pool) -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Max, Min
    from django.test.utils import override_settings

    from members.demo import DEMO_DOMAIN, seed_community
    from members.models import User
    from notifications import delivery, services
    from notifications.models import Notification
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

    parked = pool.new_queue()  # the samples' own tasks wait here unread, then are dropped

    def delivery_sample(stage: str) -> float:
        """Queries per delivery, delivery.email_deliver in-process, through the sink."""
        with tasks_to_queue(parked):
            sample = [
                services.notify(
                    recipient=m, kind="welcome", key=f"sample:{stage}:{m.pk}", url="/apply/"
                )
                for m in members[: args.sample]
            ]
        counter = QueryCounter()
        with override_settings(**sink.settings()), connection.execute_wrapper(counter):
            outcomes = [delivery.email_deliver(notification_id=x.pk) for x in sample]
        assert outcomes == ["sent"] * len(sample), set(outcomes)
        return counter.count / len(sample)

    # --- Creation: notify() per member, each its own transaction ----------------------
    first, last, total = QueryCounter(), QueryCounter(), QueryCounter()
    creating = 0.0
    with tasks_to_queue(pool.queue):
        for i, member in enumerate(members):
            if i == tenth:  # N/10 notifications exist: count a delivery (not timed)
                deliver_at_tenth = delivery_sample("tenth")
            with contextlib.ExitStack() as counting:
                counting.enter_context(connection.execute_wrapper(total))
                if i < tenth or i >= n - tenth:
                    counting.enter_context(connection.execute_wrapper(first if i < tenth else last))
                started = time.perf_counter()
                services.notify(
                    recipient=member,
                    kind="welcome",
                    key=f"bench:welcome:{member.pk}",
                    url="/apply/",
                )
                creating += time.perf_counter() - started
    deliver_at_n = delivery_sample("all")
    bench = Notification.objects.filter(key__startswith="bench:")
    assert bench.count() == n

    # --- Delivery floor: the same bytes, straight to the sink ---------------------------
    # As Django's SMTP backend sends it: CRLF line ends.
    raw = delivery.build_email(bench.first()).message().as_bytes(linesep="\r\n")
    before = len(sink.messages)
    share = -(-n // args.concurrency)
    senders = [
        subprocess.Popen(  # noqa: S603 - our interpreter, fixed script
            [sys.executable, "-c", FLOOR_SCRIPT, str(sink.port), str(k * share), str(count)],
            stdin=subprocess.PIPE,
        )
        for k in range(args.concurrency)
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
    delivery_floor = floor_msgs[-1].at - floor_msgs[0].at

    # --- Delivery: the real worker --------------------------------------------------
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
    ids = [BytesHeaderParser().parsebytes(m.raw)["Message-ID"] for m in app_msgs]
    attempts = set(bench.values_list("email_attempts", flat=True).distinct())
    pool.close(connection)  # stop the worker before the scratch database goes

    # --- Report -----------------------------------------------------------------------
    def row(label: str, seconds: float, count: int | None = None) -> None:
        per_second = f"{count / seconds:9.0f} /s" if count else ""
        print(f"  {label:<58}{seconds:8.2f} s{per_second}")

    def ratio(value: float) -> None:
        print(f"  {'ratio to floor':<58}{value:8.1f} x")

    print(f"notify fan-out: {n} members (scratch database {SCRATCH}, broker {settings.REDIS_URL})")
    row("seed_community", seeded)
    print("creation")
    row(f"floor: bulk insert of {n} bare notification rows", create_floor, n)
    row(f"notify() x {n} (own transaction, task sent to broker)", creating, n)
    ratio(creating / create_floor)
    print(
        f"  SQL queries per notification: first {tenth}: {first.count / tenth:.2f}, "
        f"last {tenth}: {last.count / tenth:.2f}, all {n}: {total.count / n:.2f}"
        " (must not grow with N)"
    )
    print(
        f"delivery (worker: celery prefork --concurrency {args.concurrency}, "
        "hive.settings.production, SMTP sink)"
    )
    row(f"floor: {n} emails to the sink, {len(senders)} smtplib processes", delivery_floor, n)
    row(f"worker: {n} emails (first to last at the sink)", sink_window, n)
    ratio(sink_window / delivery_floor)
    print(
        f"  (database: first claim to last sent {db_window:.2f} s; wall clock with worker "
        f"start-up {wall:.2f} s)"
    )
    print(
        f"  SQL queries per delivery (in-process email_deliver, {args.sample} each): "
        f"{deliver_at_tenth:.2f} with {tenth} notifications, {deliver_at_n:.2f} with {n}"
        " (must not grow with N)"
    )
    print(
        f"  exactly once: {n} notifications, {len(app_msgs)} emails, {len(set(ids))} distinct "
        f"Message-IDs, attempts per row {sorted(attempts)}"
    )
    assert len(app_msgs) == n and len(set(ids)) == n and attempts == {1}


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
