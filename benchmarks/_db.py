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


def server_url(name: str) -> str:
    """The URL of database `name` on the configured (or embedded) server."""
    sys.path.insert(0, str(ROOT))
    if "DATABASE_URL" in os.environ:
        return _with_database(os.environ["DATABASE_URL"], name)
    from hive import embedded

    return _with_database(embedded.postgres_url(), name)


def connect(name: str):
    """A psycopg connection to database `name` on that server."""
    import psycopg

    return psycopg.connect(server_url(name), autocommit=True)


def database_exists(name: str) -> bool:
    with connect("postgres") as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def use_scratch_database(
    name: str = "hive_bench", *, keep: bool = False, template: str | None = None
) -> str:
    """Point Django at a fresh database `name` on the configured (or embedded) server,
    migrate it, and return its URL. Call before anything imports Django models.

    With `keep`, an existing database of that name is reused as it is (only migrated),
    so a benchmark can skip a long seeding on a rerun. With `template`, a fresh database
    starts as a file-level copy of that one (seconds, where seeding 100,000 people takes
    minutes); nobody may be connected to the template meanwhile."""
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
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')
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
def scratch_session(name: str, *, keep: bool, template: str | None = None) -> Iterator[str]:
    """What every benchmark does around its work: SIGTERM (a CI timeout, `kill`) unwinds
    like Ctrl-C so the clean-up runs; DEBUG off (no SQL kept per query, as in
    production); the test client's host allowed; the scratch database `name` made (a
    copy of `template` if given, or, with `keep`, reused); and at the end dropped,
    unless kept."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.environ.setdefault("DJANGO_DEBUG", "false")
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")
    url = use_scratch_database(name, keep=keep, template=template)
    try:
        yield url
    finally:
        if keep:
            from django.db import connections

            connections.close_all()
        else:
            drop_scratch_database(name)
