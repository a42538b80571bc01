"""A scratch database for benchmarks, so they never touch the demo data in `hive`."""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _drop(url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def use_scratch_database(name: str = "hive_bench", *, keep: bool = False) -> str:
    """Point Django at a fresh database `name` on the configured (or embedded) server,
    migrate it, and return its URL. Call before anything imports Django models.

    With `keep`, an existing database of that name is reused as it is (only migrated),
    so a benchmark can skip a long seeding on a rerun."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hive.settings.local")
    import psycopg

    if "DATABASE_URL" in os.environ:
        base = os.environ["DATABASE_URL"]
    else:
        from hive import embedded

        base = embedded.postgres_url()
    with psycopg.connect(_with_database(base, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not (keep and exists):
        _drop(base, name)
        with psycopg.connect(_with_database(base, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    url = _with_database(base, name)
    os.environ["DATABASE_URL"] = url

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return url


def drop_scratch_database(name: str = "hive_bench") -> None:
    from django.db import connections

    connections.close_all()
    _drop(os.environ["DATABASE_URL"], name)


@contextmanager
def scratch_session(name: str, *, keep: bool) -> Iterator[str]:
    """What every benchmark does around its work: SIGTERM (a CI timeout, `kill`) unwinds
    like Ctrl-C so the clean-up runs; DEBUG off (no SQL kept per query, as in
    production); the test client's host allowed; the scratch database `name` made (or,
    with `keep`, reused); and at the end dropped, unless kept."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    url = use_scratch_database(name, keep=keep)
    try:
        yield url
    finally:
        if keep:
            from django.db import connections

            connections.close_all()
        else:
            drop_scratch_database(name)
