"""With the database unreachable (a restart, a failover) a page answers 503 with
Retry-After and says what is going on; any other uncaught error is still a 500."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client

pytestmark = pytest.mark.django_db


def _client_with_a_session() -> Client:
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "k" * 32
    return client


def test_an_unreachable_database_is_a_503_with_retry_after(monkeypatch):
    def unreachable(self):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(SessionStore, "_get_session_from_db", unreachable)
    response = _client_with_a_session().get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    page = response.content.decode()
    assert "Hive is back in a moment" in page
    assert "nothing you saved before is lost" in page


def test_any_other_uncaught_error_is_still_a_500(monkeypatch):
    def broken(self):
        raise RuntimeError("a bug")

    monkeypatch.setattr(SessionStore, "_get_session_from_db", broken)
    response = _client_with_a_session().get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.content.decode()
    assert "Retry-After" not in response
