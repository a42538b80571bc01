"""The embedded servers behind `make run` and the default test run.

Each test runs in a subprocess with its own HIVE_VAR_DIR, so it starts private servers
and never touches the ones this test session uses.
"""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hive import embedded

ROOT = Path(__file__).resolve().parents[2]


def _python(code: str, var_dir: Path, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, "HIVE_VAR_DIR": str(var_dir), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_stale_valkey_from_a_crashed_run_is_replaced(tmp_path):
    start = _python("from hive import embedded as e; print(e.redis_url()); e.disown()", tmp_path)
    assert start.returncode == 0, start.stderr
    pid = int((tmp_path / "redis" / "valkey.pid").read_text())
    os.kill(pid, 9)  # the crash: the pid file and port file stay behind
    again = _python(
        "from hive import embedded as e; import redis; url = e.redis_url(); "
        "print(url); print(redis.Redis.from_url(url).ping())",
        tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert again.stdout.split()[-1] == "True"
    # The second process was the last user: it stopped the server on exit.
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", int(again.stdout.split()[0].rsplit(":")[2][:-2])), 1)


def test_stale_postgres_from_a_crashed_run_is_recovered_with_its_data(tmp_path):
    code = (
        "import sys, psycopg; from hive import embedded as e\n"
        "url = e.postgres_url()\n"
        "with psycopg.connect(url, autocommit=True) as c:\n"
        "    c.execute('CREATE TABLE IF NOT EXISTS kept (v int)')\n"
        "    if sys.argv[-1] == 'write': c.execute('INSERT INTO kept VALUES (7)')\n"
        "    print(c.execute('SELECT sum(v) FROM kept').fetchone()[0])\n"
    )
    first = _python(code.replace("sys.argv[-1]", "'write'") + "e.disown()\n", tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout.split()[-1] == "7"
    pid = int((tmp_path / "pg" / "postmaster.pid").read_text().split()[0])
    os.kill(pid, 9)  # crash the postmaster, leaving postmaster.pid behind
    second = _python(code.replace("sys.argv[-1]", "'read'"), tmp_path)
    assert second.returncode == 0, second.stderr
    assert second.stdout.split()[-1] == "7"


def test_a_process_starts_postgres_again_after_stopping_it(tmp_path):
    """The load test restarts the database mid-run (benchmarks/load.py): the process that
    started it must be able to start it again, and find its data."""
    code = (
        "import psycopg; from hive import embedded as e\n"
        "url = e.postgres_url()\n"
        "with psycopg.connect(url, autocommit=True) as c:\n"
        "    c.execute('CREATE TABLE kept (v int)'); c.execute('INSERT INTO kept VALUES (7)')\n"
        "e.stop_postgres()\n"
        "try:\n"
        "    psycopg.connect(url, connect_timeout=2)\n"
        "except psycopg.OperationalError:\n"
        "    print('down')\n"
        "with psycopg.connect(e.postgres_url(), autocommit=True) as c:\n"
        "    print(c.execute('SELECT sum(v) FROM kept').fetchone()[0])\n"
    )
    run = _python(code, tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-2:] == ["down", "7"]


def test_ping_is_false_when_nothing_listens():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    assert embedded._ping(port) is False


def test_ping_asks_once_and_gives_up_on_a_server_that_never_answers():
    """No retries: a wedged leftover is found out in half a second, not several."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        started = time.monotonic()
        assert embedded._ping(silent.getsockname()[1]) is False
        elapsed = time.monotonic() - started
        silent.setblocking(False)
        attempts = []
        with contextlib.suppress(BlockingIOError):
            while True:
                attempts.append(silent.accept()[0])
        for connection in attempts:
            connection.close()
    assert len(attempts) == 1
    assert 0.4 < elapsed < 2


def test_stopped_valkey_keeps_its_data_and_stopping_it_again_is_quiet(tmp_path):
    """SHUTDOWN saves (the server has a save point), so `make run` keeps its data."""
    first = _python(
        "import redis; from hive import embedded\n"
        "url = embedded.redis_url()\n"
        "redis.Redis.from_url(url).set('kept', 'yes')\n"
        "embedded.stop_redis()\n"
        "print(embedded._ping(embedded._recorded_port()))\n"
        "embedded.stop_redis()  # nothing left to stop\n",
        tmp_path,
    )
    assert first.returncode == 0, first.stderr
    assert first.stdout.split() == ["False"]
    second = _python(
        "import redis; from hive import embedded\n"
        "print(redis.Redis.from_url(embedded.redis_url()).get('kept').decode())\n",
        tmp_path,
    )
    assert second.returncode == 0, second.stderr
    assert second.stdout.split() == ["yes"]


def test_make_run_explains_a_busy_port(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(  # noqa: S603
            [sys.executable, "-m", "hive.dev"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port), "HIVE_VAR_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stderr
    assert f"make run PORT={port + 1}" in result.stderr


def test_external_urls_start_nothing_embedded(tmp_path):
    result = _python(
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['HOST'], settings.REDIS_URL)",
        tmp_path,
        DJANGO_SETTINGS_MODULE="hive.settings.local",
        DATABASE_URL="postgres://someone@db.example.org:5432/hive",
        REDIS_URL="redis://cache.example.org:6379/0",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["db.example.org", "redis://cache.example.org:6379/0"]
    assert not (tmp_path / "pg").exists() and not (tmp_path / "redis").exists()


def test_servers_stop_when_the_last_process_using_them_exits(tmp_path):
    """A test run finishing must not pull the servers from under a running `make run`."""
    env = {**os.environ, "HIVE_VAR_DIR": str(tmp_path)}
    first = subprocess.Popen(  # noqa: S603 - the long-lived user, like `make run`
        [
            sys.executable,
            "-c",
            "import sys; from hive import embedded as e; print(e.redis_url(), flush=True); "
            "sys.stdin.readline()",
        ],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = first.stdout.readline().strip()
        port = int(url.rsplit(":", 1)[1].split("/")[0])
        second = _python("from hive import embedded as e; print(e.redis_url())", tmp_path)
        assert second.stdout.strip() == url  # shared, not a second server
        socket.create_connection(("127.0.0.1", port), 1).close()  # still up after it left
    finally:
        first.communicate("\n", timeout=30)
    assert first.returncode == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), 1)


def test_embedded_postgres_starts_with_the_settings_for_the_workload(tmp_path):
    code = (
        "import psycopg; from hive import embedded as e\n"
        "with psycopg.connect(e.postgres_url()) as c:\n"
        "    for name in ('shared_buffers', 'work_mem', 'jit', 'random_page_cost'):\n"
        "        print(name, c.execute(f'SHOW {name}').fetchone()[0])\n"
    )
    first = _python(code, tmp_path)
    assert first.returncode == 0, first.stderr
    shown = dict(line.split() for line in first.stdout.splitlines())
    assert shown == {
        name: embedded.POSTGRES_SETTINGS[name]
        for name in ("shared_buffers", "work_mem", "jit", "random_page_cost")
    }
    # Included once, however often the server starts.
    again = _python(code, tmp_path)
    assert again.returncode == 0, again.stderr
    conf = (tmp_path / "pg" / "postgresql.conf").read_text()
    assert conf.count("include_if_exists = 'hive.conf'") == 1
