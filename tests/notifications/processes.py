"""Real processes for the notification tests and benchmark: an SMTP sink and Celery workers.

SmtpSink        an aiosmtpd server on 127.0.0.1 (a free port) that keeps what it accepts.
                With stall=n, the first n messages are held in DATA (after the content,
                before the reply) until release(): the client is stuck mid-send.
WorkerPool      `celery -A hive worker` subprocesses (start_worker) on a private queue,
                given the test (or scratch) database, the configured broker and the sink
                through their environment (DATABASE_URL, REDIS_URL, EMAIL_URL); close()
                stops them, forgets their queues and waits for their database connections
                to end. A worker also dies with the process that started it.
wait_until      poll for a state with a deadline, failing early (with the workers' logs)
                if a worker dies.
tasks_to_queue  route this process's notification tasks to that queue (and off the
                eager path) for the duration.
forget_queue    remove a private queue's traces (messages, bindings, unacked entries of
                a killed worker) from a Redis that may be shared with `make run`.

Queues are private (a uuid in the name) so no other worker, say a `make run` sharing the
embedded Valkey, ever takes our tasks; the helpers never touch anyone else's keys.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


# --- SMTP sink ---------------------------------------------------------------------------


@dataclass
class Received:
    """One message the sink accepted (answered 250 to)."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    at: float = field(default_factory=time.monotonic)  # when it was accepted

    @property
    def message(self) -> EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_EHLO(self, server, session, envelope, hostname, responses):  # noqa: N802
        # The multi-line reply in one write. Pushed line by line, as aiosmtpd does, every
        # EHLO took ~50 ms on this machine (the client's delayed ACK, it seems), ten times
        # what the rest of a send costs: it would dominate the benchmark.
        session.host_name = hostname
        self.sink.greetings += 1
        return ["\r\n".join(responses)]

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        sink = self.sink
        if sink._stall_remaining > 0:
            sink._stall_remaining -= 1
            with sink._changed:
                sink.stalled += 1
                sink._changed.notify_all()
            try:
                await sink._release.wait()
            except asyncio.CancelledError:
                # The client went away while we held its DATA: nothing was delivered.
                with sink._changed:
                    sink.aborted += 1
                    sink._changed.notify_all()
                raise
            if server.transport is None or server.transport.is_closing():
                with sink._changed:
                    sink.aborted += 1
                    sink._changed.notify_all()
                return "421 Client gone"
        with sink._changed:
            sink.messages.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
            sink._changed.notify_all()
        return "250 Message accepted for delivery"


class _SocketController(Controller):
    """A Controller that serves on a socket we bound ourselves (port 0: a free port,
    without the race of picking a number and hoping it stays free)."""

    def __init__(self, handler, sock: socket.socket, **kwargs):
        self._sock = sock
        host, port = sock.getsockname()
        super().__init__(handler, hostname=host, port=port, **kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self._sock)


class SmtpSink:
    def __init__(self, *, stall: int = 0):
        self.messages: list[Received] = []
        self.stalled = 0  # messages whose DATA is (or was) being held
        self.aborted = 0  # held messages whose client disappeared
        self.greetings = 0  # EHLOs: one per SMTP connection a client sent mail on
        self._stall_remaining = stall
        self._changed = threading.Condition()
        self._release = asyncio.Event()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        self.port = sock.getsockname()[1]
        self._controller = _SocketController(
            _Handler(self),
            sock,
            ready_timeout=10,
            server_hostname="sink.hive.test",  # not socket.getfqdn() per connection
        )

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self.release()
        self._controller.stop()

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def release(self) -> None:
        """Let held messages go on (a client still connected gets its 250)."""
        loop = self._controller.loop
        if loop.is_running():
            loop.call_soon_threadsafe(self._release.set)

    def wait(self, condition: Callable[[SmtpSink], bool], timeout: float, what: str) -> None:
        """Block until condition(self) holds (checked on every change), or fail."""
        with self._changed:
            if not self._changed.wait_for(lambda: condition(self), timeout=timeout):
                raise AssertionError(
                    f"SMTP sink: timed out after {timeout:.0f} s waiting for {what} "
                    f"(received {len(self.messages)}, stalled {self.stalled}, "
                    f"aborted {self.aborted})"
                )

    def settings(self) -> dict:
        """Django settings that send through this sink with the production backend."""
        return {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.port,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
            "EMAIL_TIMEOUT": 30,
        }


# --- Celery workers ----------------------------------------------------------------------


def private_queue(prefix: str = "test") -> str:
    return f"{prefix}-notifications-{uuid.uuid4().hex[:12]}"


def database_url(base_url: str, name: str, application_name: str = "") -> str:
    """`base_url` pointed at database `name` (the test or scratch database), tagged with
    an application_name so we can find the connections it opens. Works for the embedded
    server's socket URLs (postgresql://postgres:@/hive?host=/path) too."""
    parts = urlsplit(base_url)
    query = dict(parse_qsl(parts.query))
    if application_name:
        query["application_name"] = application_name
    return urlunsplit(parts._replace(path=f"/{name}", query=urlencode(query)))


def worker_environment(
    *,
    database_url: str,
    redis_url: str,
    email_url: str,
    settings_module: str = "hive.settings.test",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": settings_module,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.update(extra or {})
    return env


# Celery's log line for a finished task: "Task name[id] succeeded in 0.01s: 'sent'".
_SUCCEEDED = re.compile(r"\] succeeded in [0-9.e-]+s: (.+)$", re.MULTILINE)


@dataclass
class Worker:
    process: subprocess.Popen
    log_path: Path
    queue: str
    name: str
    killed: bool = field(default=False)
    terminated: bool = field(default=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.process.poll() is None

    def is_ready(self) -> bool:
        if not self.alive():
            raise AssertionError(f"Worker {self.name} exited early:\n{self.log()[-4000:]}")
        return " ready." in self.log()

    def kill(self) -> None:
        """kill -9 the worker and everything it forked (as the OOM killer or a lost
        machine would): no shutdown code runs, nothing is acknowledged."""
        self.killed = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def terminate(self) -> None:
        """Ask for a warm shutdown (SIGTERM): finish the task at hand, then exit."""
        if self.alive() and not self.terminated:
            self.terminated = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self, grace: float = 5.0) -> None:
        """Warm shutdown, then kill -9 if it has not exited within `grace` seconds."""
        self.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=grace)
        # The pool's children too, should the parent have left any behind.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def count(self, text: str) -> int:
        return self.log().count(text)

    def outcomes(self, outcome: str) -> int:
        """How many emails this worker's finished tasks report as `outcome` ("sent"):
        one per deliver_email task that returned it, plus the counts in the results of
        deliver_emails batches ({"sent": 98, "retry": 2})."""
        total = 0
        for result in _SUCCEEDED.findall(self.log()):
            value = ast.literal_eval(result)
            if value == outcome:
                total += 1
            elif isinstance(value, dict):
                total += value.get(outcome, 0)
        return total


# Runs first in the worker's process: it is killed with us should we die without cleaning
# up (pytest's timeout, a SIGKILL), then becomes the worker itself (same pid, via exec).
_DIE_WITH_PARENT = """
import ctypes, os, signal, sys
if sys.platform == "linux":
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != int(sys.argv[1]):  # the parent died before we got here
        sys.exit(1)
os.execv(sys.executable, [sys.executable, *sys.argv[2:]])
"""


def start_worker(
    queue: str,
    env: dict[str, str],
    log_dir: Path,
    *,
    pool: str = "solo",
    concurrency: int = 1,
    index: int = 0,
    loglevel: str = "INFO",
) -> Worker:
    name = f"{queue}-{index}"
    log_path = Path(log_dir) / f"{name}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            [
                sys.executable, "-c", _DIE_WITH_PARENT, str(os.getpid()),
                "-m", "celery", "-A", "hive", "worker",
                f"--pool={pool}", f"--concurrency={concurrency}",
                "-Q", queue, "-n", f"{name}@%h",
                "--without-heartbeat", "--without-gossip", "--without-mingle",
                "-l", loglevel,
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: kill() reaches pool children
        )  # fmt: skip
    return Worker(process=process, log_path=log_path, queue=queue, name=name)


class WorkerPool:
    """Workers on one private queue (or more), against the test (or scratch) database,
    the configured broker and an SMTP sink; close() stops them all and cleans up."""

    def __init__(
        self,
        *,
        log_dir: Path,
        database_name: str,
        base_database_url: str,
        redis_url: str,
        email_url: str,
        settings_module: str = "hive.settings.test",
        prefix: str = "test",
    ):
        self.log_dir = Path(log_dir)
        self.queue = private_queue(prefix)
        self.application_name = f"hive-worker-{self.queue}"
        self.database_url = database_url(
            base_database_url, database_name, application_name=self.application_name
        )
        self.redis_url = redis_url
        self.email_url = email_url
        self.settings_module = settings_module
        self.workers: list[Worker] = []
        self.queues = {self.queue}

    def new_queue(self) -> str:
        queue = f"{self.queue}-{len(self.queues)}"
        self.queues.add(queue)
        return queue

    def start(
        self,
        *,
        queue: str | None = None,
        pool: str = "solo",
        concurrency: int = 1,
        extra_env: dict[str, str] | None = None,
    ) -> Worker:
        env = worker_environment(
            database_url=self.database_url,
            redis_url=self.redis_url,
            email_url=self.email_url,
            settings_module=self.settings_module,
            extra=extra_env,
        )
        worker = start_worker(
            queue or self.queue,
            env,
            self.log_dir,
            pool=pool,
            concurrency=concurrency,
            index=len(self.workers),
        )
        self.workers.append(worker)
        return worker

    def log(self) -> str:
        return "\n".join(worker.log() for worker in self.workers)

    def count(self, text: str) -> int:
        return sum(worker.count(text) for worker in self.workers)

    def outcomes(self, outcome: str) -> int:
        return sum(worker.outcomes(outcome) for worker in self.workers)

    def wait_until(self, predicate: Callable[[], bool], *, what: str, timeout: float = 30.0):
        wait_until(predicate, what=what, timeout=timeout, workers=self.workers)

    def backends(self, cursor) -> int:
        """The workers' open database connections (found by their application_name)."""
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
            [self.application_name],
        )
        return cursor.fetchone()[0]

    def close(self, connection=None) -> None:
        """Stop every worker, forget our queues, and (given a database connection) make
        sure the workers' connections are gone, so nothing blocks the flush or the drop
        of the test database."""
        try:
            for worker in self.workers:  # all at once: each takes a second or two
                worker.terminate()
            deadline = time.monotonic() + 5
            for worker in self.workers:
                worker.stop(grace=max(0.0, deadline - time.monotonic()))
        finally:
            for queue in self.queues:
                forget_queue(self.redis_url, queue)
        if connection is None:
            return
        with connection.cursor() as cursor:
            deadline = time.monotonic() + 10
            while self.backends(cursor) and time.monotonic() < deadline:
                time.sleep(0.05)
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s",
                [self.application_name],
            )


def wait_until(
    predicate: Callable[[], bool],
    *,
    timeout: float = 30.0,
    what: str,
    workers: list[Worker] = (),
    interval: float = 0.05,
) -> None:
    """Poll `predicate` until it holds; fail with the workers' logs after `timeout`, or
    at once if a worker we did not kill has died."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return
        for worker in workers:
            if not worker.killed and not worker.alive():
                raise AssertionError(
                    f"Worker {worker.name} died while waiting for {what}:\n{worker.log()[-4000:]}"
                )
        if time.monotonic() > deadline:
            logs = "\n".join(f"--- {w.name}\n{w.log()[-3000:]}" for w in workers)
            raise AssertionError(f"Timed out after {timeout:.0f} s waiting for {what}.\n{logs}")
        time.sleep(interval)


@contextlib.contextmanager
def tasks_to_queue(queue: str) -> Iterator[None]:
    """Send this process's notification tasks (notify's on-commit, the sweep's re-queue)
    through the broker to `queue` instead of running them eagerly in-process."""
    from hive.celery import app

    eager, routes = app.conf.task_always_eager, app.conf.task_routes
    app.conf.task_always_eager = False
    app.conf.update(task_routes={"notifications.*": {"queue": queue}})
    try:
        yield
    finally:
        app.conf.update(task_routes=routes)
        app.conf.task_always_eager = eager


def forget_queue(redis_url: str, queue: str) -> None:
    """Remove every trace of private `queue` (and its workers' remote-control queues)
    from Redis: pending messages, bindings, and the unacknowledged entries a killed worker
    leaves (Redis would re-deliver those to the dead queue hours later). Keys of other
    queues are not touched; never FLUSHDB a Redis that `make run` may share."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        doomed = list(client.scan_iter(match=f"{queue}*", count=1000))
        for key in client.scan_iter(match="_kombu.binding*", count=1000):
            kind = client.type(key)
            if queue.encode() in key:
                doomed.append(key)  # the binding tables of the queue's own exchange
            elif kind == b"set":
                stale = [m for m in client.smembers(key) if queue.encode() in m]
                if stale:
                    client.srem(key, *stale)
            elif kind == b"zset":
                stale = [m for m in client.zrange(key, 0, -1) if queue.encode() in m]
                if stale:
                    client.zrem(key, *stale)
        if doomed:
            client.delete(*doomed)
        for tag, value in client.hscan_iter("unacked", count=1000):
            try:
                _payload, exchange, routing_key = json.loads(value)
            except (ValueError, TypeError):
                continue
            if queue in (exchange, routing_key):
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)
    finally:
        client.close()
