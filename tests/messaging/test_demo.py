"""messaging's demo: conversations (some unread), requests in the member login's tray
and two open reports for the staff queue."""

import pytest
from django.utils import timezone

from hive import demo
from hive.demo import DemoContext
from messaging.models import Conversation, MessageRequest, Report

pytestmark = pytest.mark.django_db


def test_demo_gives_the_member_login_conversations_requests_and_staff_reports():
    context = demo.demo_seed(DemoContext(members=60, seed=2))
    me = context.login_ids["member"]
    assert Conversation.objects.involving(me).count() >= 2
    assert Conversation.objects.unread_by(me).exists()
    assert MessageRequest.objects.filter(recipient_id=me, status="pending").count() >= 1
    reports = list(Report.objects.filter(outcome="").order_by("created_at"))
    assert len(reports) == 2
    assert {r.reason for r in reports} == {"spam", "client_info"}
    for report in reports:
        # About a message of another member, shown with its conversation around it; the
        # member login's own conversations are not the moderators' business here.
        assert report.message is not None and report.message.sender_id == report.reported_id
        assert me not in (report.reporter_id, report.reported_id)
        assert report.conversation.messages.count() >= 2
        assert report.created_at < timezone.now()
