"""The inbox reads each side of the pair (the member as user_a, as user_b) along its own
index and merges a page from both (messaging/views/conversations.py). These check the
merge: pages in activity order across both sides, nothing lost or repeated between
pages, conversations without messages by when they were opened, and blocked people
still hidden."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members import services as member_services
from messaging.models import Conversation
from messaging.views.conversations import INBOX_PAGE
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _pages(client) -> list[list[str]]:
    pages, params = [], {}
    while True:
        response = client.get(reverse("messaging:inbox"), params)
        assert response.status_code == 200
        pages.append([str(row.conversation.pk) for row in response.context["rows"]])
        if not response.context["next_cursor"]:
            return pages
        params = {"after": response.context["next_cursor"]}


def test_pages_merge_both_sides_in_activity_order(client):
    before = [MemberFactory() for _ in range(22)]  # lower ids: the member is user_b
    me = MemberFactory()
    after = [MemberFactory() for _ in range(8)]  # higher ids: the member is user_a
    now = timezone.now()
    expected = []
    # Newest first: three as user_a, nineteen as user_b (the first page needs more
    # than half a page from one side), then the sides alternate. Two conversations
    # share a moment (the id breaks the tie) and one has no message yet.
    rest = [p for pair in zip(before[19:], after[3:], strict=False) for p in pair]
    recency = after[:3] + before[:19] + rest + after[3 + len(before[19:]) :]
    for i, other in enumerate(recency):
        moment = now - timedelta(minutes=i if i != 5 else 4)
        conversation = Conversation.for_pair(me, other)
        conversation.save()
        if i == 9:
            Conversation.objects.filter(pk=conversation.pk).update(created_at=moment)
        else:
            Conversation.objects.filter(pk=conversation.pk).update(
                created_at=moment - timedelta(days=30), last_message_at=moment
            )
        expected.append((moment, conversation.pk))
    blocked = after[0]
    member_services.block_create(blocker=me, blocked=blocked)
    hidden = Conversation.objects.between(me, blocked).get().pk
    order = [str(pk) for _, pk in sorted(expected, reverse=True) if pk != hidden]

    client.force_login(me)
    pages = _pages(client)

    assert [len(page) for page in pages] == [INBOX_PAGE, len(order) - INBOX_PAGE]
    assert [pk for page in pages for pk in page] == order
