"""Where a member is logged in is recorded when they log in and then at most once every
HIVE_SESSION_ACTIVITY_SECONDS per session, not with a write on every page."""

from datetime import timedelta

import pytest
from allauth.usersessions.models import UserSession
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.members.factories import PASSWORD, MemberFactory

pytestmark = pytest.mark.django_db
AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Safari/604.1"


def _session_statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return [q["sql"] for q in queries if "usersessions_usersession" in q["sql"]]


@pytest.fixture
def logged_in():
    member = MemberFactory()
    client = Client(HTTP_USER_AGENT=AGENT)
    client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    return member, client


def test_logging_in_lists_the_device_at_once(logged_in):
    member, _ = logged_in
    assert UserSession.objects.filter(user=member, user_agent=AGENT).count() == 1


def test_pages_within_the_interval_write_nothing_about_the_session(logged_in):
    member, client = logged_in
    _session_statements(client)  # the first page after logging in may record it
    for _ in range(3):
        assert _session_statements(client) == []


def test_after_the_interval_the_next_page_records_last_active(logged_in, settings):
    member, client = logged_in
    _session_statements(client)
    earlier = timezone.now() - timedelta(hours=2)
    UserSession.objects.filter(user=member).update(last_seen_at=earlier)
    session_key = client.session.session_key
    cache.delete(f"session-activity:{session_key}")  # the interval has passed

    statements = _session_statements(client)

    assert any(sql.startswith("UPDATE") for sql in statements)
    assert UserSession.objects.get(session_key=session_key).last_seen_at > earlier
    assert _session_statements(client) == []  # and then quiet again


def test_signed_out_visitors_create_no_session_record(client):
    assert client.get(reverse("account_login")).status_code == 200
    assert UserSession.objects.count() == 0
