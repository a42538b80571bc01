"""A real Celery worker consuming from the real Redis broker (embedded or REDIS_URL)."""

import time
import uuid

from celery.contrib.testing.worker import start_worker

from hive import health
from hive.celery import app
from hive.tasks import heartbeat


def test_worker_runs_the_heartbeat_task_from_redis(db):
    # A private queue, so a `make run` worker sharing the embedded Redis cannot take it.
    queue = f"test-{uuid.uuid4().hex}"
    redis = health._redis()
    redis.delete(health.HEARTBEAT_KEY)
    app.conf.task_always_eager = False  # really go through Redis to the worker
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue]):
            heartbeat.apply_async(queue=queue)
            deadline = time.monotonic() + 20
            while health.last_heartbeat() is None and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        app.conf.task_always_eager = True
    beat = health.last_heartbeat()
    assert beat is not None and abs(beat - time.time()) < 30
