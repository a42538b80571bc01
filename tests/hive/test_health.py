"""/healthz and how the site behaves when Redis is down."""

import time

import pytest
from django.db import OperationalError

from hive import health

DEAD_REDIS = "redis://127.0.0.1:9/0"  # the discard port: nothing answers there


def test_healthz_ok_when_database_and_redis_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok" and body["redis"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_healthz_503_when_redis_is_down(client, db, settings):
    settings.REDIS_URL = DEAD_REDIS
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == "unavailable"
    assert response.json()["database"] == "ok"


def test_healthz_503_when_database_is_down(client, db, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patch:
        patch.setattr("hive.health.connection.cursor", broken_cursor)
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def test_healthz_reports_worker_heartbeat(client, db):
    now = time.time()
    health.record_heartbeat(now)
    assert client.get("/healthz").json()["worker_heartbeat"] == pytest.approx(now)


@pytest.fixture
def redis_down(settings):
    caches = {k: dict(v) for k, v in settings.CACHES.items()}
    caches["default"]["LOCATION"] = DEAD_REDIS
    settings.CACHES = caches  # Django's setting_changed handler rebuilds the cache handler
    settings.REDIS_URL = DEAD_REDIS


@pytest.mark.parametrize("url", ["/", "/about/", "/accounts/login/", "/accounts/signup/"])
def test_pages_still_render_when_redis_is_down(client, db, redis_down, url):
    assert client.get(url).status_code == 200


def test_login_still_works_when_redis_is_down(client, member, redis_down):
    from tests.members.factories import PASSWORD

    response = client.post("/accounts/login/", {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == member
