"""Fixtures for tests that run real Celery worker processes (see processes.py).

`workers` needs a `sink` fixture: each test module defines its own SMTP sink (a plain
one, or one that stalls mid-send).
"""

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.notifications.processes import WorkerPool, tasks_to_queue


@pytest.fixture
def workers(transactional_db, tmp_path, sink):
    """Worker subprocesses on a private queue of the configured broker, using the test
    database and sending to `sink`; every task goes through the broker (not eager)."""
    pool = WorkerPool(
        log_dir=tmp_path,
        database_name=connection.settings_dict["NAME"],
        base_database_url=django_settings.DATABASE_URL,
        redis_url=django_settings.REDIS_URL,
        email_url=sink.url,
    )
    try:
        with tasks_to_queue(pool.queue):
            yield pool
    finally:
        pool.close(connection)
