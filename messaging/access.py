"""Which conversation a member may open: fetch *and* authorise, or a 404.

A conversation exists for someone only when they are one of its two people, both are
members in good standing and neither blocked the other. One exception: when the other
person has left Hive (their account erased), the conversation stays readable, from
"former member", and closed to replies (what others hold is anonymized, not deleted).
A block hides it from both (a 404, as if it never was); lifting the block brings it
back, since nothing was deleted. Staff read reported conversations through the report
queue, not here.
"""

from __future__ import annotations

import uuid

from django.http import Http404

from members.models import User, blocked_between
from messaging.models import Conversation, MessageRequest


def access_conversation(user, conversation_id) -> Conversation:
    """The conversation `conversation_id` as `user` may see it, with both people
    loaded (`user_a`, `user_b` and their profiles), or Http404."""
    try:
        key = uuid.UUID(str(conversation_id))
    except ValueError:
        raise Http404("No such conversation.") from None
    conversation = (
        Conversation.objects.select_related("user_a__profile", "user_b__profile")
        .filter(pk=key)
        .involving(user)
        .first()
    )
    if conversation is None or not user.is_member:
        raise Http404("No such conversation.")
    other = conversation.user_b if conversation.user_a_id == user.pk else conversation.user_a
    if blocked_between(user, other) or not (other.is_member or has_left(other)):
        raise Http404("No such conversation.")
    return conversation


def has_left(user) -> bool:
    """Whether this account was erased: the person left Hive."""
    return user.erased_at is not None


def other_in(conversation: Conversation, user) -> User:
    """The other person of a conversation loaded by `access_conversation`."""
    return conversation.user_b if conversation.user_a_id == user.pk else conversation.user_a


def access_request(user, request_id) -> MessageRequest:
    """A pending message request sent *to* `user`, from a member they may see, or Http404."""
    try:
        key = uuid.UUID(str(request_id))
    except ValueError:
        raise Http404("No such request.") from None
    request = (
        MessageRequest.objects.select_related("sender__profile")
        .filter(pk=key, recipient=user, status=MessageRequest.Status.PENDING)
        .first()
    )
    if request is None or not request.sender.is_member or blocked_between(user, request.sender):
        raise Http404("No such request.")
    return request
