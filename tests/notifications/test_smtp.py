"""A real SMTP round trip: notify() → the delivery task → Django's production SMTP
backend → an aiosmtpd server on 127.0.0.1, then the message as a mail client (and a
mail provider's one-click unsubscribe, RFC 8058) sees it."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from django.test import Client

from notifications.delivery import unsubscribe_target
from notifications.models import Notification, Preference
from notifications.services import Notice, notify, notify_many
from tests.members.factories import MemberFactory
from tests.notifications.processes import SmtpSink

FROM = "hello@hive.localhost"
BASE = "http://testserver"


@pytest.fixture
def sink(settings):
    with SmtpSink() as sink:
        for name, value in sink.settings().items():
            setattr(settings, name, value)
        yield sink


@pytest.fixture
def send(django_capture_on_commit_callbacks):
    """notify() in a transaction that commits: its email goes out (eagerly) on commit."""

    def send(**kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return notify(**kwargs)

    return send


def parts(message) -> dict[str, str]:
    assert message.get_content_type() == "multipart/alternative"
    found = {part.get_content_type(): part.get_content() for part in message.iter_parts()}
    assert list(found) == ["text/plain", "text/html"]
    return found


def test_welcome_email_round_trip_and_one_click_unsubscribe(db, sink, send):
    member = MemberFactory()
    notification = send(recipient=member, kind="welcome", key="welcome:smtp", url="/apply/")

    sink.wait(lambda s: len(s.messages) == 1, timeout=10, what="the welcome email")
    received = sink.messages[0]
    assert received.mail_from == FROM
    assert received.rcpt_tos == [member.email]
    message = received.message

    # Headers
    assert message["To"] == member.email
    assert message["From"] == f"Hive <{FROM}>"
    assert message["Subject"] == "[Hive] Welcome to Hive"
    assert message["Message-ID"] == f"<notification-{notification.pk}@testserver>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = message["List-Unsubscribe"].strip()  # folded onto its own line: too long
    assert header.startswith(f"<{BASE}/notifications/unsubscribe/") and header.endswith("/>")
    unsubscribe_url = header[1:-1]
    token = urlsplit(unsubscribe_url).path.rstrip("/").rsplit("/", 1)[1]
    user, kind = unsubscribe_target(token)  # signed for this member and this kind
    assert (user, kind.name) == (member, "welcome")

    # Both parts, each with the footer saying why it came and the same unsubscribe link
    body = parts(message)
    text, html = body["text/plain"], body["text/html"]
    assert "Thank you for confirming your email address." in text
    assert f"Continue: {BASE}/apply/" in text
    assert f'href="{BASE}/apply/"' in html
    why = "You get this email because “Welcome” is set to reach you by email."
    assert why in text and why in html
    assert f"Notification settings: {BASE}/me/notifications/" in text
    assert f"Unsubscribe from “Welcome”: {unsubscribe_url}" in text
    assert f'href="{unsubscribe_url}"' in html
    assert "cannot be turned off" not in text

    # A link scanner's GET changes nothing...
    provider = Client(enforce_csrf_checks=True)
    path = urlsplit(unsubscribe_url).path
    assert provider.get(path).status_code == 200
    assert not Preference.objects.filter(user=member).exists()

    # ...the mail provider's one-click POST (no session, no CSRF token) turns it off.
    response = provider.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 200
    assert "sessionid" not in provider.cookies
    assert Preference.objects.get(user=member, kind="welcome").channel == "off"

    # From now on this kind creates nothing and sends nothing.
    assert send(recipient=member, kind="welcome", key="welcome:smtp:later", url="/") is None
    assert list(Notification.objects.filter(recipient=member).values_list("key", flat=True)) == [
        "welcome:smtp"
    ]
    assert len(sink.messages) == 1


def test_security_email_cannot_be_unsubscribed(db, sink, send):
    member = MemberFactory(timezone="Europe/Berlin")
    notification = send(
        recipient=member,
        kind="account_security",
        key="account_security:smtp",
        context={
            "summary": "Your password was changed",
            "occurred_at": datetime(2026, 7, 1, 12, 30, tzinfo=UTC).isoformat(),
            "ip": "203.0.113.7",
            "user_agent": "Firefox on Linux",
        },
    )

    sink.wait(lambda s: len(s.messages) == 1, timeout=10, what="the security email")
    received = sink.messages[0]
    assert received.rcpt_tos == [member.email]
    message = received.message
    assert message["Subject"] == "[Hive] Your password was changed"
    assert message["To"] == member.email
    assert message["Message-ID"] == f"<notification-{notification.pk}@testserver>"
    assert "List-Unsubscribe" not in message
    assert "List-Unsubscribe-Post" not in message

    body = parts(message)
    text, html = body["text/plain"], body["text/html"]
    assert "Your password was changed on your Hive account." in text
    assert "From: 203.0.113.7 (Firefox on Linux)" in text
    assert "2:30 PM CEST" in text  # 12:30 UTC in the member's own zone
    why = (
        "You get this email because “Account security” is set to reach you by email "
        "(security emails cannot be turned off)."
    )
    assert why in text and why in html
    assert "Unsubscribe" not in text and "Unsubscribe" not in html
    assert f"Notification settings: {BASE}/me/notifications/" in text


def test_a_fan_out_reaches_the_server_over_one_connection_per_batch(
    db, sink, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr("notifications.delivery.EMAIL_BATCH", 4)
    members = MemberFactory.create_batch(6)
    with django_capture_on_commit_callbacks(execute=True):
        created = notify_many(
            kind="welcome",
            notices=[
                Notice(recipient=m, key=f"welcome:many:{m.pk}", url="/apply/") for m in members
            ],
        )
    sink.wait(lambda s: len(s.messages) == 6, timeout=10, what="six emails")
    assert sink.greetings == 2  # two batches (4 + 2), one SMTP connection each
    assert sorted(r.rcpt_tos[0] for r in sink.messages) == sorted(m.email for m in members)
    assert {r.message["Message-ID"] for r in sink.messages} == {
        f"<notification-{n.pk}@testserver>" for n in created
    }
