"""Liveness checks for /healthz: the database and Redis must both answer."""

from __future__ import annotations

import redis
from django.conf import settings
from django.db import connection

HEARTBEAT_KEY = "hive:worker-heartbeat"


def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5)


def database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        return False


def redis_ok() -> bool:
    try:
        return bool(_redis().ping())
    except redis.RedisError:
        return False


def record_heartbeat(timestamp: float) -> None:
    _redis().set(HEARTBEAT_KEY, str(timestamp), ex=60 * 60)


def last_heartbeat() -> float | None:
    try:
        value = _redis().get(HEARTBEAT_KEY)
    except redis.RedisError:
        return None
    return float(value) if value else None
