"""The unread-messages email: one email per member listing every conversation with
messages unread for 15 minutes, never one per message, exactly once (even with two
workers at once), and not repeated for messages already told about."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from members import services as member_services
from messaging import services
from messaging.models import Conversation, Message
from notifications.models import Notification
from tests.members.factories import MemberFactory
from tests.messaging.factories import connect, say


def _age(minutes: int) -> None:
    """Every message and unread mark, `minutes` older."""
    delta = timedelta(minutes=minutes)
    Message.objects.update(created_at=timezone.now() - delta)
    for side in ("a", "b"):
        Conversation.objects.filter(**{f"{side}_unread_since__isnull": False}).update(
            **{f"{side}_unread_since": timezone.now() - delta}
        )


def _people(n_senders: int):
    reader = MemberFactory()
    conversations = []
    for _ in range(n_senders):
        sender = MemberFactory()
        connect(reader, sender)
        conversation = services.conversation_open(sender=sender, recipient=reader)
        say(conversation, sender, "first")
        say(conversation, sender, "second")
        conversations.append((sender, conversation))
    return reader, conversations


@pytest.mark.django_db
def test_one_email_lists_every_conversation_after_15_minutes():
    reader, conversations = _people(3)
    assert services.messages_unread_email_send() == 0  # not yet 15 minutes
    _age(16)
    assert services.messages_unread_email_send() == 1
    notification = Notification.objects.get(recipient=reader, kind="messages_unread")
    names = {c["name"] for c in notification.context["conversations"]}
    assert names == {sender.profile.display_name for sender, _ in conversations}
    # Run again: nothing new to tell.
    assert services.messages_unread_email_send() == 0
    # A new message later gets a new email, listing only what is new.
    sender, conversation = conversations[0]
    say(conversation, sender, "third")
    _age(16)
    assert services.messages_unread_email_send() == 1
    latest = Notification.objects.filter(recipient=reader, kind="messages_unread").latest("pk")
    assert [c["name"] for c in latest.context["conversations"]] == [sender.profile.display_name]


@pytest.mark.django_db
def test_read_conversations_and_blocked_pairs_are_not_listed():
    reader, conversations = _people(2)
    (read_sender, read_conversation), (blocked_sender, _) = conversations
    services.conversation_mark_read(conversation=read_conversation, user=reader)
    member_services.block_create(blocker=reader, blocked=blocked_sender)
    _age(16)
    assert services.messages_unread_email_send() == 0
    assert not Notification.objects.filter(kind="messages_unread").exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_one_email():
    reader, _ = _people(2)
    _age(16)
    barrier = threading.Barrier(2)
    errors = []

    def worker():
        try:
            barrier.wait()
            services.messages_unread_email_send()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Notification.objects.filter(recipient=reader, kind="messages_unread").count() == 1
    assert len([m for m in mail.outbox if reader.email in m.to]) <= 1


@pytest.mark.django_db
def test_queries_per_recipient_are_constant(django_assert_max_num_queries):
    from django.test.utils import CaptureQueriesContext

    counts = []
    for n in (2, 6):
        Notification.objects.all().delete()
        for _ in range(n):
            _people(1)
        _age(16)
        with CaptureQueriesContext(connection) as queries:
            assert services.messages_unread_email_send() == n
        counts.append(len(queries))
        # Mark everything told so the next round counts only its own members.
        Conversation.objects.update(a_read_up_to=10**12, b_read_up_to=10**12)
    per_recipient = (counts[1] - counts[0]) / 4
    assert counts[0] - 2 * per_recipient <= 6  # a fixed cost for the sweep itself
    assert per_recipient <= 12
