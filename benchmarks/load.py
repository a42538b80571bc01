"""Hive under load: the production topology on this machine, signed-in member traffic
from Locust in stages, then Redis and PostgreSQL restarted mid-run, and every
notification counted afterwards.

    .venv/bin/python benchmarks/load.py [--members 100000] [--keep] [--workers 3]
        [--stages 6,10,14,20,28,40,56] [--stage-seconds 45] [--fault-users N] [--no-faults]

What runs, all on loopback:

- PostgreSQL and Valkey: the embedded servers under var/ (hive/embedded.py), because the
  fault injection stops and starts them; the database is the benchmarks' `hive_bench`
  (benchmarks/_db.py), seeded with `seed_demo --members N` as benchmarks/directory.py
  does (`--keep` reuses it), on Redis database 3, emptied first;
- gunicorn with the production settings (hive.settings.production: DEBUG off, secure
  cookies, WhiteNoise's manifest of collected static files, persistent health-checked
  database connections) and --workers N, reading gunicorn.conf.py (each worker builds its
  matching snapshot as it starts). Requests carry `X-Forwarded-Proto: https`, as from the
  TLS proxy of the README's Production section;
- a Celery worker (`--concurrency 2`, as in the Procfile) and beat;
- an SMTP sink (aiosmtpd) in this process, where the worker's emails arrive: each is
  counted by its Message-ID.

The traffic is benchmarks/locustfile.py: each simulated user is a different member
(`--accounts` of them, each with their own session) doing one thing every two seconds
(`HIVE_LOAD_RATE`), so the offered rate is users / 2 per second. Each stage runs Locust
headless for --stage-seconds after a short ramp; only requests started after the ramp
count. Per stage: requests per second achieved, p50 and p95 (ms), failures (anything a
page may not answer, connection errors included), 5xx, and the CPU each part of the
topology used (cores: CPU seconds per second, from /proc via psutil, sampled every
second), with the machine's other load beside it. Stepping stops once a stage is far
past saturation (p95 over --stop-p95 ms or more than 5 % failures). "Held" is the
highest stage rate with p95 under 300 ms and no 5xx.

Then the fault stage, at --fault-users (default: 70 % of the users of the highest held
stage), with each write eight times as frequent (more than one request in four is a
write, so many meet an outage): after 20 s Valkey is shut down and started again on its
port (--outage seconds later), after another 30 s PostgreSQL the same (`pg_ctl stop -m
fast`). Requests that overlap an outage may fail; a failure after a server is back
counts against recovery: the time from a server's return to the last failure it caused
is reported, and any failure outside those windows is listed.

Last, the worker drains (every notification sent or scheduled, the broker's queue
empty; the sweep re-queues what a lost broker message left behind after 60 s), and
the writes are counted: every connection request and message request the load's members
made must have exactly one notification, and every notification whose email was sent
exactly one email at the sink (by Message-ID), with no Message-ID twice.

The machine is shared (2 cores): load averages are printed with every figure.
"""

from __future__ import annotations

import argparse
import collections
import csv
import email
import json
import os
import random
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from _db import ROOT, scratch_session

SCRATCH = "hive_bench"
ACCESS_LOG = Path(__file__).resolve().parent.parent / "var" / "load" / "access.log"
OUT = ROOT / "var" / "load"
BIN = Path(sys.executable).parent
REDIS_DB = 3
TARGET_P95_MS = 300.0
RAMP_SECONDS = 8
# In the fault stage each write weighs 8 against the pages' 42, so more than one request
# in four is a write and many meet an outage.
FAULT_WRITE_WEIGHT = 8
WRITES = {"write: connect": "connection_request", "write: message request": "message_request"}


# --- Setup ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_average() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def seed(args) -> str:
    """The 100,000-member community of the other benchmarks (benchmarks/directory.py's
    seeding, `--keep` reuse included)."""
    from directory import seed as seed_directory

    return seed_directory(argparse.Namespace(members=args.members, seed=1, keep=args.keep))


def prepare(args, port: int) -> dict:
    """The locustfile's data (see its docstring): --accounts members with a session
    each, members to visit and write to, search inputs drawn as benchmarks/directory.py
    draws them, purposes, listed groups and events."""
    from directory import Inputs
    from django.test import Client

    from events.models import Event
    from groups.models import Group
    from matching.models import Purpose
    from members.demo import DEMO_DOMAIN
    from members.models import Profile, User

    rng = random.Random(7)
    members = list(
        User.objects.in_good_standing()
        .filter(email__endswith=f"@{DEMO_DOMAIN}", profile__isnull=False, is_staff=False)
        .order_by("?")
        .select_related("profile")[: args.accounts]
    )
    users = []
    for user in members:
        client = Client()
        client.force_login(user)
        users.append({"session": client.cookies["sessionid"].value, "handle": user.profile.handle})
    targets = list(
        Profile.objects.in_good_standing()
        .filter(listed_in_directory=True)
        .order_by("?")
        .values_list("handle", flat=True)[:20_000]
    )
    inputs = Inputs(rng)
    filters = {
        name: inputs.slugs[name]
        for name in ("profession", "specialty", "modality", "population", "language")
        if inputs.slugs.get(name)
    }
    filters["tier"] = inputs.tiers
    filters["referrals"] = ["on"]
    filters["telehealth"] = inputs.states
    viewer = members[0]
    events = list(
        Event.objects.visible_to(viewer)
        .upcoming()
        .filter(cancelled_at__isnull=True)
        .values_list("slug", flat=True)[:2000]
    )
    groups = list(Group.objects.listed().values_list("slug", flat=True)[:500])
    return {
        "users": users,
        "targets": targets,
        "words": [inputs.text() for _ in range(3000)],
        "filters": filters,
        "cities": [label for label, _ in inputs.cities],
        "purposes": list(Purpose.values),
        "groups": groups,
        "events": events,
        "headers": {"X-Forwarded-Proto": "https", "Origin": f"https://127.0.0.1:{port}"},
    }


class Sink:
    """An SMTP server in this process that counts each message by its Message-ID."""

    def __init__(self) -> None:
        import logging

        from aiosmtpd.controller import Controller

        logging.getLogger("mail.log").setLevel(logging.WARNING)  # a line per SMTP command

        self.ids: collections.Counter[str] = collections.Counter()
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content)
        with self.lock:
            self.ids[str(message.get("Message-ID", "")).strip()] += 1
        return "250 OK"

    def __enter__(self) -> Sink:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@dataclass
class Topology:
    """gunicorn, the Celery worker and beat, started with the production settings."""

    env: dict
    port: int
    workers: int
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self) -> None:
        OUT.mkdir(parents=True, exist_ok=True)
        commands = {
            "web": [
                str(BIN / "gunicorn"),
                "hive.wsgi",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                # The server's own time per request (µs, from the request read to the
                # response written): see Stage.server_p50.
                "--access-logfile",
                str(ACCESS_LOG),
                "--access-logformat",
                "%(D)s %(s)s",
            ],
            "worker": [
                str(BIN / "celery"),
                "-A",
                "hive",
                "worker",
                "--loglevel=INFO",
                "--concurrency=2",
            ],
            "beat": [
                str(BIN / "celery"),
                "-A",
                "hive",
                "beat",
                "--loglevel=INFO",
                "--schedule",
                str(OUT / "celerybeat-schedule"),
            ],
        }
        for name, command in commands.items():
            log = open(OUT / f"{name}.log", "w")  # noqa: SIM115 - the child writes to it
            self.processes[name] = subprocess.Popen(  # noqa: S603 - our own commands
                command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def alive(self) -> dict[str, bool]:
        return {name: process.poll() is None for name, process in self.processes.items()}


def get(url: str, timeout: float = 5) -> int:
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def wait_until(check, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not check():
        if time.monotonic() - started > timeout:
            raise SystemExit(f"{what}: not within {timeout:.0f} s (logs in {OUT})")
        time.sleep(0.2)
    return time.monotonic() - started


# --- CPU by part of the topology --------------------------------------------------------


class CpuSampler:
    """CPU seconds used by each part (web, worker, beat, postgres, redis, locust) and by
    the rest of the machine, sampled every second from /proc through psutil."""

    def __init__(self, topology: Topology) -> None:
        self.topology = topology
        self.locust_pid: int | None = None
        self.totals: collections.Counter[str] = collections.Counter()
        self.seen: dict[int, float] = {}
        self.machine_start = 0.0
        self.running = False
        self.thread: threading.Thread | None = None
        self.rss: dict[str, float] = {}

    def _parts(self) -> dict[str, list]:
        import psutil

        from hive import embedded

        def tree(pid: int | None) -> list:
            if pid is None:
                return []
            try:
                root = psutil.Process(pid)
                return [root, *root.children(recursive=True)]
            except psutil.Error:
                return []

        postmaster = embedded._running_postmaster()
        return {
            "web": tree(self.topology.processes["web"].pid),
            "worker": tree(self.topology.processes["worker"].pid),
            "beat": tree(self.topology.processes["beat"].pid),
            "postgres": tree(postmaster.process.pid if postmaster else None),
            "redis": tree(embedded._valkey_pid()),
            "locust": tree(self.locust_pid),
        }

    def sample(self) -> None:
        import psutil

        for part, processes in self._parts().items():
            rss = 0.0
            for process in processes:
                try:
                    times = process.cpu_times()
                    used = times.user + times.system
                    rss += process.memory_info().rss
                except psutil.Error:
                    continue
                before = self.seen.get(process.pid, 0.0)
                if used >= before:
                    self.totals[part] += used - before
                self.seen[process.pid] = used
            if part == "web":
                self.rss[part] = rss

    def _machine(self) -> float:
        import psutil

        times = psutil.cpu_times()
        return times.user + times.system + getattr(times, "nice", 0.0)

    def start(self) -> None:
        self.sample()
        self.totals.clear()
        self.machine_start = self._machine()
        self.running = True
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while self.running:
            time.sleep(1)
            self.sample()

    def stop(self) -> dict[str, float]:
        self.running = False
        if self.thread:
            self.thread.join()
        self.sample()
        used = dict(self.totals)
        used["machine"] = self._machine() - self.machine_start
        return used


# --- Running Locust ---------------------------------------------------------------------


@dataclass
class Request:
    started: float
    elapsed_ms: float
    name: str
    status: int
    error: str

    @property
    def ended(self) -> float:
        return self.started + self.elapsed_ms / 1000

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.status >= 500


def run_locust(
    *,
    users: int,
    seconds: int,
    port: int,
    data: Path,
    log: Path,
    sampler: CpuSampler,
    write_weight: int = 1,
) -> list[Request]:
    """Locust headless for `seconds` (plus the ramp), `users` members; the requests it
    made, from the locustfile's CSV log."""
    log.unlink(missing_ok=True)
    env = {
        **os.environ,
        "HIVE_LOAD_DATA": str(data),
        "HIVE_LOAD_LOG": str(log),
        "HIVE_LOAD_WRITE_WEIGHT": str(write_weight),
    }
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "benchmarks" / "locustfile.py"),
        "--headless",
        "-H",
        f"http://127.0.0.1:{port}",
        "-u",
        str(users),
        "-r",
        str(max(1, users // (RAMP_SECONDS // 2))),
        "-t",
        f"{seconds + RAMP_SECONDS}s",
        "--stop-timeout",
        "10",
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--exit-code-on-error",
        "0",
    ]
    with open(OUT / "locust.log", "a") as output:
        process = subprocess.Popen(  # noqa: S603 - our own command
            command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT
        )
        sampler.locust_pid = process.pid
        process.wait(timeout=seconds + RAMP_SECONDS + 120)
    sampler.locust_pid = None
    if not log.exists():
        return []
    with log.open() as handle:
        return [
            Request(float(row[0]), float(row[1]), row[2], int(row[3]), row[4])
            for row in csv.reader(handle)
        ]


def percentile(values: list[float], fraction: float) -> float:
    from _pages import percentile as nearest_rank

    return nearest_rank(values, fraction) if values else float("nan")


@dataclass
class Stage:
    users: int
    rps: float
    p50: float
    p95: float
    requests: int
    failures: int
    server_errors: int
    slowed: int  # 429: the anti-scraping limit
    cpu: dict[str, float]
    seconds: float
    load: str
    by_name: dict[str, tuple[int, float]]
    # The same stage timed by gunicorn (its access log): the server's own handling,
    # without the wait for a free worker nor the load generator's overhead.
    server_p50: float = float("nan")
    server_p95: float = float("nan")
    log: list[Request] = field(default_factory=list, repr=False)

    @property
    def held(self) -> bool:
        return self.p95 < TARGET_P95_MS and self.server_errors == 0


def measure(requests: list[Request], *, since: float, until: float) -> dict:
    timed = [r for r in requests if since <= r.started < until]
    times = [r.elapsed_ms for r in timed]
    by_name: dict[str, list[float]] = collections.defaultdict(list)
    for r in timed:
        by_name[r.name].append(r.elapsed_ms)
    return {
        "rps": len(timed) / max(until - since, 1e-9),
        "p50": percentile(times, 0.5),
        "p95": percentile(times, 0.95),
        "requests": len(timed),
        "failures": sum(r.failed for r in timed),
        "server_errors": sum(r.status >= 500 for r in timed),
        "slowed": sum(r.status == 429 for r in timed),
        "by_name": {name: (len(v), percentile(v, 0.95)) for name, v in sorted(by_name.items())},
    }


def run_stage(
    users: int, seconds: int, port: int, data: Path, sampler: CpuSampler, label: str
) -> Stage:
    sampler.start()
    started = time.time()
    # Where gunicorn's log stands once the ramp is over: the lines after it are this
    # stage's counted requests (and the few still running when it ends).
    marks = {"from": _log_size()}
    timer = threading.Timer(RAMP_SECONDS, lambda: marks.update({"from": _log_size()}))
    timer.start()
    requests = run_locust(
        users=users,
        seconds=seconds,
        port=port,
        data=data,
        log=OUT / f"{label}.csv",
        sampler=sampler,
    )
    cpu = sampler.stop()
    timer.cancel()
    served = _server_times(marks["from"])
    since = started + RAMP_SECONDS
    until = max((r.started for r in requests), default=since + 1)
    figures = measure(requests, since=since, until=until)
    return Stage(
        users=users,
        cpu=cpu,
        seconds=time.time() - started,
        load=load_average(),
        log=requests,
        server_p50=percentile(served, 0.5),
        server_p95=percentile(served, 0.95),
        **figures,
    )


def _log_size() -> int:
    return ACCESS_LOG.stat().st_size if ACCESS_LOG.exists() else 0


def _server_times(offset: int) -> list[float]:
    """Milliseconds gunicorn spent on each request logged after `offset`."""
    if not ACCESS_LOG.exists():
        return []
    with ACCESS_LOG.open("rb") as handle:
        handle.seek(offset)
        lines = handle.read().decode(errors="replace").splitlines()
    return [int(line.split()[0]) / 1000 for line in lines if line.split()[:1] != [""]]


def print_stage(stage: Stage) -> None:
    cores = {part: used / stage.seconds for part, used in stage.cpu.items()}
    ours = sum(v for k, v in cores.items() if k != "machine")
    others = max(0.0, cores["machine"] - ours)
    served = max(stage.rps, 1e-9)
    verdict = "held" if stage.held else "NOT held"
    print(
        f"  {stage.users:4d} users  {stage.rps:6.1f} rps  p50 {stage.p50:6.0f} ms  "
        f"p95 {stage.p95:6.0f} ms  {stage.requests:6d} req  {stage.failures:4d} failed  "
        f"{stage.server_errors:4d} 5xx  {stage.slowed:3d} 429  {verdict}  (load {stage.load})"
    )
    print(
        "        CPU cores: "
        + "  ".join(
            f"{part} {cores.get(part, 0):.2f}"
            for part in ("web", "postgres", "worker", "beat", "redis", "locust")
        )
        + f"  other work {others:.2f}  (machine {cores['machine']:.2f} of {os.cpu_count()})"
    )
    print(
        f"        timed by the server (gunicorn): p50 {stage.server_p50:.0f} ms"
        f"  p95 {stage.server_p95:.0f} ms"
    )
    print(
        f"        CPU ms per request: web {1000 * cores.get('web', 0) / served:.0f},"
        f" postgres {1000 * cores.get('postgres', 0) / served:.0f},"
        f" worker {1000 * cores.get('worker', 0) / served:.0f}"
    )
    sys.stdout.flush()


# --- Faults ---------------------------------------------------------------------------


@dataclass
class Outage:
    what: str
    down: float  # epoch seconds: stopping began
    up: float  # the server answers again


def restart_redis(outage_seconds: float) -> Outage:
    from hive import embedded

    down = time.time()
    embedded.stop_redis()
    time.sleep(outage_seconds)
    embedded.redis_url()  # starts it again on its recorded port
    return Outage("Redis (Valkey)", down, time.time())


def restart_postgres(outage_seconds: float) -> Outage:
    from hive import embedded

    down = time.time()
    embedded.stop_postgres()
    time.sleep(outage_seconds)
    embedded.postgres_url()
    return Outage("PostgreSQL", down, time.time())


def fault_stage(users: int, args, port: int, data: Path, sampler: CpuSampler):
    """Locust at `users` for 20 + 30 + 40 s with Redis, then PostgreSQL restarted."""
    outages: list[Outage] = []

    def inject() -> None:
        time.sleep(RAMP_SECONDS + 20)
        outages.append(restart_redis(args.outage))
        time.sleep(30)
        outages.append(restart_postgres(args.outage))

    injector = threading.Thread(target=inject)
    sampler.start()
    started = time.time()
    injector.start()
    requests = run_locust(
        users=users,
        seconds=20 + 30 + 40 + int(2 * args.outage),
        port=port,
        data=data,
        log=OUT / "faults.csv",
        sampler=sampler,
        write_weight=FAULT_WRITE_WEIGHT,
    )
    injector.join()
    sampler.stop()
    return started, requests, outages


def report_faults(started: float, requests: list[Request], outages: list[Outage]) -> dict:
    """Failures inside each outage, the time to recover after it, failures elsewhere."""
    print(f"\nFaults (load {load_average()}):")
    inside = {o.what: 0 for o in outages}
    recovery = {o.what: 0.0 for o in outages}
    outside = []
    for request in (r for r in requests if r.failed):
        window = next(
            (o for o in outages if request.started <= o.up and request.ended >= o.down), None
        )
        if window is not None:
            inside[window.what] += 1
            continue
        after = [o for o in outages if o.up < request.started]
        if after:
            last = after[-1]
            recovery[last.what] = max(recovery[last.what], request.ended - last.up)
        outside.append(request)
    for outage in outages:
        overlapping = [r for r in requests if r.started <= outage.up and r.ended >= outage.down]
        print(
            f"  {outage.what}: down at {outage.down - started:5.1f} s, back at"
            f" {outage.up - started:5.1f} s ({outage.up - outage.down:.1f} s);"
            f" requests overlapping it: {len(overlapping)},"
            f" failed: {inside[outage.what]}; last failure after it was back:"
            f" {recovery[outage.what]:.1f} s later"
        )
    late = collections.Counter(f"{r.name}: {r.status or r.error[:60]}" for r in outside)
    print(f"  failures outside the outages: {len(outside)} of {len(requests)} requests")
    for what, count in late.most_common(8):
        print(f"    {count:4d} × {what}")
    before = [r for r in outside if outages and r.started < outages[0].down]
    print(f"  failures before the first fault: {len(before)}")
    # notify() logs (and survives) a broker it cannot reach once the change committed;
    # the sweep queues those emails a minute later.
    unqueued = (OUT / "web.log").read_text(errors="replace").count("in on_commit()")
    print(f"  emails the web could not queue (left to the sweep): {unqueued}")
    return {"inside": inside, "recovery": recovery, "outside": len(outside)}


# --- Counting notifications -----------------------------------------------------------


def drain(redis_url: str, since, timeout: float) -> float:
    """Wait until the broker's queue is empty and no notification of the run is waiting
    to be sent (due now) or being sent. Returns the seconds waited."""
    import redis
    from django.db import connections
    from django.db.models import Q
    from django.utils import timezone

    from notifications.models import Notification

    client = redis.Redis.from_url(redis_url)
    Email = Notification.Email

    def done() -> bool:
        connections.close_all()  # PostgreSQL was restarted: a fresh connection each time
        waiting = Notification.objects.filter(created_at__gte=since).filter(
            Q(email_status=Email.SENDING)
            | Q(email_status=Email.PENDING, email_not_before__isnull=True)
            | Q(email_status=Email.PENDING, email_not_before__lte=timezone.now())
        )
        return client.llen("celery") == 0 and not waiting.exists()

    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout:
            break
        time.sleep(2)
    return time.monotonic() - started


def count_notifications(since, accounts: list[str], all_requests: list[Request], sink: Sink):
    """Each write of the run has exactly one notification; each sent email one message."""
    from django.db import connections
    from django.db.models import Count

    from members.models import Connection
    from messaging.models import MessageRequest
    from notifications.models import Notification

    connections.close_all()
    handles = set(accounts)
    made = {
        "connection_request": list(
            Connection.objects.filter(
                created_at__gte=since, requested_by__profile__handle__in=handles
            ).values_list("pk", flat=True)
        ),
        "message_request": list(
            MessageRequest.objects.filter(
                created_at__gte=since, sender__profile__handle__in=handles
            ).values_list("pk", flat=True)
        ),
    }
    client_ok = collections.Counter(
        WRITES[r.name] for r in all_requests if r.name in WRITES and r.status == 302
    )
    print(f"\nNotifications (after the worker drained; load {load_average()}):")
    problems = 0
    sent_ids = []
    for kind, pks in made.items():
        keys = [f"{kind}:{pk}" for pk in pks]
        per_key = dict(
            Notification.objects.filter(key__in=keys)
            .values_list("key")
            .annotate(n=Count("pk"))
            .values_list("key", "n")
        )
        missing = sum(1 for key in keys if per_key.get(key, 0) == 0)
        doubled = sum(1 for key in keys if per_key.get(key, 0) > 1)
        statuses = collections.Counter(
            Notification.objects.filter(key__in=keys).values_list("email_status", flat=True)
        )
        sent_ids += list(
            Notification.objects.filter(key__in=keys, email_status="sent").values_list(
                "pk", flat=True
            )
        )
        problems += missing + doubled
        print(
            f"  {kind}: {len(pks)} made in the database ({client_ok[kind]} answered 302 to the"
            f" client); notifications missing {missing}, doubled {doubled};"
            f" email {dict(statuses)}"
        )
    from notifications.delivery import mail_domain

    domain = mail_domain()
    with sink.lock:
        ids = dict(sink.ids)
    wrong = [pk for pk in sent_ids if ids.get(f"<notification-{pk}@{domain}>", 0) != 1]
    twice = {key: n for key, n in ids.items() if n > 1}
    problems += len(wrong) + len(twice)
    print(
        f"  emails at the sink: {sum(ids.values())} ({len(ids)} Message-IDs); sent"
        f" notifications without exactly one email: {len(wrong)}; Message-IDs twice:"
        f" {len(twice)}"
    )
    return problems


# --- Main -----------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="reuse the seeded database")
    parser.add_argument("--database", default=SCRATCH, help="scratch database name")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--accounts", type=int, default=600, help="members signed in")
    parser.add_argument("--stages", default="6,10,14,20,28,40,56", help="users per stage")
    parser.add_argument("--stage-seconds", type=int, default=45)
    parser.add_argument("--stop-p95", type=float, default=1500.0)
    parser.add_argument("--fault-users", type=int, default=0)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds each server is down")
    parser.add_argument("--no-faults", action="store_true")
    parser.add_argument("--drain-timeout", type=float, default=420.0)
    args = parser.parse_args()
    stages = [int(n) for n in args.stages.split(",")]
    if max(stages) > args.accounts:
        parser.error("--accounts must be at least the largest stage's users")

    # One secret for this process and the servers: sessions made here carry a hash of
    # it, and gunicorn must accept them.
    os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
    port = free_port()
    started_at = time.time()
    with scratch_session(args.database, keep=args.keep) as database_url:
        from django.conf import settings
        from django.utils import timezone

        print(f"Seeding: {seed(args)}", flush=True)
        data = prepare(args, port)
        OUT.mkdir(parents=True, exist_ok=True)
        data_file = OUT / "data.json"
        data_file.write_text(json.dumps(data))
        redis_url = settings.CACHES["default"]["LOCATION"].rsplit("/", 1)[0] + f"/{REDIS_DB}"
        import redis

        redis.Redis.from_url(redis_url).flushdb()
        subprocess.run(  # noqa: S603
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**os.environ, **_production_env("", "", "", port)},
            check=True,
        )
        since = timezone.now()
        with Sink() as sink:
            env = {
                **os.environ,
                **_production_env(database_url, redis_url, f"smtp://127.0.0.1:{sink.port}", port),
            }
            topology = Topology(env=env, port=port, workers=args.workers)
            topology.start()
            try:
                _run(args, stages, topology, port, data, data_file, sink, since, redis_url)
            finally:
                topology.stop()
    print(f"\nTotal {time.time() - started_at:.0f} s; logs and per-request CSVs in {OUT}")


def _production_env(database_url: str, redis_url: str, email_url: str, port: int) -> dict:
    env = {
        "DJANGO_SETTINGS_MODULE": "hive.settings.production",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "HIVE_BASE_URL": f"https://127.0.0.1:{port}",
        "DATABASE_URL": database_url or "postgres://unused/unused",
        "REDIS_URL": redis_url or "redis://127.0.0.1:1/0",
        "EMAIL_URL": email_url or "smtp://127.0.0.1:1",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(OUT / "celerybeat-schedule"),
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("DJANGO_DEBUG", None)
    return env


def _run(args, stages, topology, port, data, data_file, sink, since, redis_url) -> None:
    waited = wait_until(
        lambda: get(f"http://127.0.0.1:{port}/healthz") == 200, 120, "gunicorn's /healthz"
    )
    print(
        f"Production topology up in {waited:.1f} s: gunicorn --workers {args.workers} on"
        f" 127.0.0.1:{port}, Celery worker (concurrency 2) and beat, SMTP sink on"
        f" {sink.port}; {len(data['users'])} members signed in, {len(data['targets'])}"
        f" to visit; machine load {load_average()}",
        flush=True,
    )
    sampler = CpuSampler(topology)
    # Let every worker finish building its matching snapshot before anything is timed.
    time.sleep(10)
    print("\nWarm-up (not counted):", flush=True)
    warmup = run_stage(min(stages), 15, port, data_file, sampler, "warmup")
    print_stage(warmup)

    print(
        f"\nStages ({args.stage_seconds} s each after a {RAMP_SECONDS} s ramp; each user one"
        f" request every {1 / float(os.environ.get('HIVE_LOAD_RATE', '0.5')):.0f} s):",
        flush=True,
    )
    results: list[Stage] = []
    for users in stages:
        stage = run_stage(users, args.stage_seconds, port, data_file, sampler, f"stage-{users}")
        results.append(stage)
        print_stage(stage)
        if stage.p95 > args.stop_p95 or stage.failures > 0.05 * max(stage.requests, 1):
            print("  (far past saturation: no higher stage)")
            break
    held = [s for s in results if s.held]
    best = max(held, key=lambda s: s.rps) if held else None
    if best:
        print(
            f"\nHighest rate held (p95 < {TARGET_P95_MS:.0f} ms, no 5xx): {best.rps:.1f} rps at"
            f" {best.users} users (p95 {best.p95:.0f} ms; load {best.load})"
        )
        print("  p95 by page at that stage:")
        for name, (count, p95) in best.by_name.items():
            print(f"    {name:28} {count:6d} req  p95 {p95:6.0f} ms")
    else:
        print("\nNo stage held p95 < 300 ms with no 5xx.")
    rss = topology_rss(topology)
    print(f"  resident memory: {rss}")

    all_requests = warmup.log + [r for stage in results for r in stage.log]
    problems = 0
    if not args.no_faults:
        users = args.fault_users or max(min(stages), int(0.7 * (best.users if best else 10)))
        started, requests, outages = fault_stage(users, args, port, data_file, sampler)
        all_requests += requests
        print(f"\nFault stage: {users} users, {len(requests)} requests")
        report_faults(started, requests, outages)
        alive = topology.alive()
        print(f"  processes alive after the faults: {alive}")
        problems += sum(not ok for ok in alive.values())
    waited = drain(redis_url, since, args.drain_timeout)
    print(f"\nDrained in {waited:.0f} s")
    problems += count_notifications(since, [u["handle"] for u in data["users"]], all_requests, sink)
    print(f"\n{'OK' if problems == 0 else f'{problems} PROBLEMS'}")


def topology_rss(topology: Topology) -> str:
    import psutil

    parts = []
    for name, process in topology.processes.items():
        try:
            root = psutil.Process(process.pid)
            children = root.children(recursive=True)
        except psutil.Error:
            continue
        each = [round(p.memory_info().rss / 2**20) for p in children] or [
            round(root.memory_info().rss / 2**20)
        ]
        parts.append(f"{name} {each} MB")
    return "; ".join(parts)


if __name__ == "__main__":
    main()
