"""messaging's demo: conversations (some unread), requests in the member login's tray
and two open reports for the staff queue."""

import pytest

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
    assert Report.objects.filter(outcome="").count() == 2
