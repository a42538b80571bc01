"""Messaging's rules, through its services and access helper: who may write to whom,
requests, limits and their recovery, tombstones, blocks hiding and restoring."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from members import services as member_services
from members.models import Application, User
from messaging import services
from messaging.access import access_conversation
from messaging.models import Conversation, Message, MessageRequest
from notifications.models import Notification
from tests.members.application_factories import ApplicationFactory
from tests.members.factories import MemberFactory
from tests.messaging.factories import MessageRequestFactory, connect, say

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    a, b = MemberFactory(), MemberFactory()
    connect(a, b)
    return a, b


def test_connections_open_one_conversation_whoever_starts(pair):
    a, b = pair
    first = services.conversation_open(sender=a, recipient=b)
    again = services.conversation_open(sender=b, recipient=a)
    assert first.pk == again.pk
    assert Conversation.objects.count() == 1
    assert first.user_a_id < first.user_b_id


def test_the_pair_is_unique_in_the_database(pair):
    a, b = pair
    services.conversation_open(sender=a, recipient=b)
    with pytest.raises(IntegrityError), transaction.atomic():
        Conversation.objects.create(
            user_a=min(a, b, key=lambda u: u.pk), user_b=max(a, b, key=lambda u: u.pk)
        )


def test_strangers_cannot_open_a_conversation_only_request():
    a, b = MemberFactory(), MemberFactory()
    with pytest.raises(services.CannotMessage, match="message request"):
        services.conversation_open(sender=a, recipient=b)


def test_an_introduction_both_accepted_opens_a_conversation_between_strangers():
    """A coffee date both accepted opens their conversation without a connection; a
    block or a member no longer in good standing still refuses it."""
    a, b = MemberFactory(), MemberFactory()
    conversation = services.conversation_open(sender=a, recipient=b, introduced=True)
    assert conversation.involves(a) and conversation.involves(b)
    assert services.conversation_open(sender=b, recipient=a).pk == conversation.pk
    c, d = MemberFactory(), MemberFactory()
    member_services.block_create(blocker=d, blocked=c)
    with pytest.raises(services.Unavailable):
        services.conversation_open(sender=c, recipient=d, introduced=True)
    lapsed = MemberFactory(membership_status=User.Status.LAPSED)
    with pytest.raises(services.Unavailable):
        services.conversation_open(sender=c, recipient=lapsed, introduced=True)


def test_request_then_nothing_more_until_accepted():
    a, b = MemberFactory(), MemberFactory()
    request = services.message_request_send(
        sender=a, recipient=b, purpose="coffee", body="Coffee next week?"
    )
    assert Notification.objects.filter(recipient=b, kind="message_request").exists()
    with pytest.raises(services.CannotMessage):
        services.message_request_send(sender=a, recipient=b, purpose="other", body="Hello??")
    # The other direction is the same pair: one pending request between two people.
    with pytest.raises(services.CannotMessage):
        services.message_request_send(sender=b, recipient=a, purpose="other", body="Hi")
    conversation = services.message_request_accept(request=request, user=b)
    first = conversation.messages.get()
    assert (first.sender, first.body) == (a, "Coffee next week?")
    assert not conversation.is_unread_by(b)
    assert conversation.is_unread_by(a) is False  # their own message
    services.message_send(sender=a, conversation=conversation, body="Great!")
    assert Notification.objects.filter(recipient=a, kind="message_request_accepted").exists()


def test_one_pending_request_per_pair_is_a_constraint():
    a, b = MemberFactory(), MemberFactory()
    MessageRequestFactory(sender=a, recipient=b)
    with pytest.raises(IntegrityError), transaction.atomic():
        MessageRequestFactory(sender=b, recipient=a)


def test_decline_is_silent_and_the_sender_cannot_ask_again_at_once():
    a, b = MemberFactory(), MemberFactory()
    request = services.message_request_send(sender=a, recipient=b, purpose="referral", body="Hi")
    services.message_request_decline(request=request, user=b)
    # Nothing reaches the sender, and the request's notification is gone for b.
    assert not Notification.objects.filter(recipient=a).exists()
    assert not Notification.objects.filter(recipient=b, kind="message_request").exists()
    # The refusal reads like "already sent": the sender never learns it was declined.
    with pytest.raises(services.CannotMessage, match="already sent"):
        services.message_request_send(sender=a, recipient=b, purpose="referral", body="Again")
    MessageRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=31)
    )
    services.message_request_send(sender=a, recipient=b, purpose="referral", body="Again")


def test_only_the_recipient_answers_a_request():
    a, b = MemberFactory(), MemberFactory()
    request = services.message_request_send(sender=a, recipient=b, purpose="coffee", body="Hi")
    with pytest.raises(services.CannotMessage):
        services.message_request_accept(request=request, user=a)
    with pytest.raises(services.CannotMessage):
        services.message_request_decline(request=request, user=MemberFactory())


def _approved(days_ago: int) -> User:
    application = ApplicationFactory(status=Application.Status.APPROVED)
    application.decided_at = timezone.now() - timedelta(days=days_ago)
    application.save(update_fields=["decided_at"])
    user = application.user
    user.membership_status = User.Status.MEMBER
    user.save(update_fields=["membership_status"])
    return user


@pytest.mark.parametrize(("days", "allowed"), [(3, 3), (45, 10)])
def test_daily_request_limit_is_stricter_for_new_members(days, allowed):
    sender = _approved(days)
    for _ in range(allowed):
        services.message_request_send(
            sender=sender, recipient=MemberFactory(), purpose="coffee", body="Hi"
        )
    with pytest.raises(services.RateLimited) as refused:
        services.message_request_send(
            sender=sender, recipient=MemberFactory(), purpose="coffee", body="Hi"
        )
    assert "can send another after" in str(refused.value)
    assert refused.value.retry_at > timezone.now() + timedelta(hours=23)
    # A day later they can send again.
    MessageRequest.objects.filter(sender=sender).update(
        created_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    services.message_request_send(
        sender=sender, recipient=MemberFactory(), purpose="other", body="Hi"
    )


def test_messages_per_minute_per_conversation_and_recovery(pair, settings):
    settings.HIVE_MESSAGE_LIMITS = {"messages_per_minute": 3}
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    for n in range(3):
        say(conversation, a, f"message {n}")
    with pytest.raises(services.RateLimited, match="seconds"):
        say(conversation, a, "one too many")
    # The other person is not limited by a's messages.
    say(conversation, b, "my turn")
    Message.objects.filter(sender=a).update(created_at=timezone.now() - timedelta(seconds=61))
    say(conversation, a, "a minute later")


def test_read_state_is_per_participant(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "one")
    conversation.refresh_from_db()
    assert conversation.is_unread_by(b) and not conversation.is_unread_by(a)
    assert conversation.b_unread_since is not None
    services.conversation_mark_read(conversation=conversation, user=b)
    conversation.refresh_from_db()
    assert not conversation.is_unread_by(b)
    assert conversation.b_unread_since is None
    assert list(Conversation.objects.unread_by(b)) == []


def test_delete_leaves_a_tombstone_and_only_the_sender_may(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    message = say(conversation, a, "oops")
    with pytest.raises(services.CannotMessage):
        services.message_delete(message=message, user=b)
    services.message_delete(message=message, user=a)
    message.refresh_from_db()
    assert message.is_deleted
    assert message.body == "oops"  # kept for the moderators, shown to nobody


def test_a_block_hides_the_conversation_for_both_and_lifting_it_restores_it(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    say(conversation, a, "hello")
    member_services.block_create(blocker=b, blocked=a)
    for person in (a, b):
        with pytest.raises(Http404):
            access_conversation(person, conversation.pk)
        assert not Conversation.objects.open_to(person).exists()
    with pytest.raises(services.Unavailable):
        say(conversation, a, "are you there?")
    member_services.block_remove(blocker=b, blocked=a)
    assert access_conversation(a, conversation.pk) == conversation
    assert conversation.messages.count() == 1  # nothing was deleted


def test_a_suspended_participant_hides_the_conversation(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    User.objects.filter(pk=b.pk).update(membership_status=User.Status.SUSPENDED)
    with pytest.raises(Http404):
        access_conversation(a, conversation.pk)


def test_nobody_else_and_no_guess_opens_a_conversation(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    with pytest.raises(Http404):
        access_conversation(MemberFactory(), conversation.pk)
    with pytest.raises(Http404):
        access_conversation(a, "not-a-uuid")
    with pytest.raises(services.Unavailable):
        services.message_send(sender=MemberFactory(), conversation=conversation, body="hi")


def test_blocked_people_cannot_request():
    a, b = MemberFactory(), MemberFactory()
    member_services.block_create(blocker=a, blocked=b)
    with pytest.raises(services.Unavailable):
        services.message_request_send(sender=b, recipient=a, purpose="coffee", body="hi")


def test_bodies_are_limited(pair):
    a, b = pair
    conversation = services.conversation_open(sender=a, recipient=b)
    with pytest.raises(ValidationError):
        say(conversation, a, "x" * 4001)
    with pytest.raises(ValidationError):
        say(conversation, a, "   ")
