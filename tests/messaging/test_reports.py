"""Reports and moderation: members report a message, a conversation, a request or a
profile; staff (with two-factor) act from the queue; every action is audited and the
reporter is told it was handled."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from members.models import Application, AuditEvent, User
from messaging import services
from messaging.models import Message, Report
from notifications.models import Notification
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory, StaffFactory
from tests.messaging.factories import ReportFactory, connect, say

pytestmark = pytest.mark.django_db


@pytest.fixture
def moderator():
    staff = StaffFactory()
    Authenticator.objects.create(
        user=staff, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
    )
    return staff


@pytest.fixture
def thread():
    a = ApplicationFactory(status=Application.Status.APPROVED).user
    User.objects.filter(pk=a.pk).update(membership_status=User.Status.MEMBER)
    a.refresh_from_db()
    from tests.members.factories import ProfileFactory

    ProfileFactory(user=a)
    b = MemberFactory()
    connect(a, b)
    conversation = services.conversation_open(sender=a, recipient=b)
    messages = [say(conversation, a if i % 2 == 0 else b, f"line {i}") for i in range(9)]
    return a, b, conversation, messages


def test_member_reports_a_message_from_the_conversation(client, thread):
    a, b, conversation, messages = thread
    target = messages[4]  # a's
    client.force_login(b)
    url = reverse("messaging:report_message", args=[conversation.pk, target.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "harassment", "note": "Third time this week."})
    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.message, report.subject) == (
        b,
        a,
        target,
        "message",
    )
    # One's own message cannot be reported, nor one in someone else's conversation.
    mine = messages[5]
    assert (
        client.post(
            reverse("messaging:report_message", args=[conversation.pk, mine.pk]),
            {"reason": "spam"},
        ).status_code
        == 404
    )
    client.force_login(MemberFactory())
    assert client.get(url).status_code == 404


def test_reports_of_a_profile_and_a_request(client):
    a, b = MemberFactory(), MemberFactory()
    request = services.message_request_send(
        sender=a, recipient=b, purpose="other", body="Buy my course"
    )
    client.force_login(b)
    client.post(reverse("messaging:request_report", args=[request.pk]), {"reason": "spam"})
    client.post(
        reverse("messaging:report_profile", args=[a.profile.handle]),
        {"reason": "other", "note": "odd"},
    )
    reports = Report.objects.order_by("pk")
    assert [r.subject for r in reports] == ["profile", "profile"]
    assert "Buy my course" in reports[0].note
    assert (
        client.get(reverse("messaging:report_profile", args=[b.profile.handle])).status_code == 404
    )


def test_queue_is_oldest_first_and_the_reported_by_several_rise(client, moderator):
    lone = ReportFactory()
    often = MemberFactory()
    ReportFactory(reported=often)
    ReportFactory(reported=often)
    client.force_login(moderator)
    rows = client.get(reverse("messaging:report_queue")).context["queue"]
    assert [row.report.reported_id for row in rows] == [often.pk, often.pk, lone.reported_id]
    assert rows[0].reporters == 2


def test_moderators_see_the_message_in_context_only(client, moderator, thread):
    a, b, conversation, messages = thread
    report = services.report_create(reporter=b, message=messages[8], reason="unprofessional")
    # b's other conversation must not appear.
    c = MemberFactory()
    connect(b, c)
    say(services.conversation_open(sender=b, recipient=c), b, "a private aside")
    client.force_login(moderator)
    html = client.get(reverse("messaging:report_detail", args=[report.pk])).content.decode()
    assert "line 8" in html and "line 3" in html and "line 2" not in html
    assert "a private aside" not in html


def _act(client, report, action, note="Please keep it professional."):
    return client.post(
        reverse("messaging:report_detail", args=[report.pk]), {"action": action, "note": note}
    )


def test_staff_without_two_factor_cannot_act(client, thread):
    a, b, conversation, messages = thread
    report = services.report_create(reporter=b, message=messages[0], reason="spam")
    client.force_login(StaffFactory())
    response = _act(client, report, "dismiss")
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.is_open


@pytest.mark.parametrize(
    ("action", "audit"),
    [
        ("dismiss", AuditEvent.Action.REPORT_DISMISSED),
        ("warn", AuditEvent.Action.MEMBER_WARNED),
        ("remove", AuditEvent.Action.MESSAGE_REMOVED),
        ("suspend", AuditEvent.Action.REPORT_SUSPENDED),
    ],
)
def test_every_action_is_audited_and_the_reporter_told(client, moderator, thread, action, audit):
    a, b, conversation, messages = thread
    report = services.report_create(reporter=b, message=messages[2], reason="harassment")
    client.force_login(moderator)
    response = _act(client, report, action)
    assert response.status_code == 302, response.content.decode()[:2000]
    report.refresh_from_db()
    assert not report.is_open and report.handled_by == moderator
    event = AuditEvent.objects.get(action=audit)
    assert (event.actor, event.subject, event.reason) == (
        moderator,
        a,
        "Please keep it professional.",
    )
    handled = Notification.objects.get(recipient=b, kind="report_handled")
    assert "handled" in handled.in_app_text() and "warn" not in handled.in_app_text().lower()
    if action == "warn":
        warning = Notification.objects.get(recipient=a, kind="moderator_warning")
        assert "Please keep it professional." in warning.in_app_text()
    if action == "remove":
        message = Message.objects.get(pk=messages[2].pk)
        assert message.removed_by_moderators
        client.force_login(b)
        html = client.get(
            reverse("messaging:conversation", args=[conversation.pk])
        ).content.decode()
        assert "removed by the moderators" in html and "line 2<" not in html
    if action == "suspend":
        a.refresh_from_db()
        assert a.membership_status == User.Status.SUSPENDED
        assert AuditEvent.objects.filter(action=AuditEvent.Action.SUSPENDED, subject=a).exists()
    # Acting twice is refused.
    client.force_login(moderator)
    assert _act(client, report, "dismiss").status_code == 400
