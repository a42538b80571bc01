"""The demo's messaging: conversations for the member login with some of its
connections (a few unread), message requests waiting in its tray from people it is not
connected with, and two open reports for the staff login's queue.

Written through the services, so read state, limits and rules are the real ones; the
times are then spread over the last weeks.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from hive.demo import DemoContext
from members.models import Block, Connection, User
from messaging import services
from messaging.models import Conversation, Message, MessageRequest, Report

LINES = [
    "Thanks for connecting! I saw we both work with teens and families.",
    "Would you be up for a peer consultation call next week?",
    "Sure, Tuesday afternoon works for me.",
    "I have a de-identified case about school refusal I'd love a second view on.",
    "Happy to. Here is the article I mentioned: https://www.apa.org/monitor",
    "Do you take referrals for adults with OCD right now?",
    "I have a waitlist of about three weeks, but yes.",
    "Great, I'll pass your name along.",
]
REQUESTS = [
    (
        "referral",
        "Hi! I'm looking for someone who sees adolescents with eating disorders "
        "near you. Would you be open to a referral conversation?",
    ),
    ("coffee", "We're in the same city and both do EMDR. Coffee sometime?"),
    (
        "consultation",
        "I'm starting a small peer consultation group on perinatal work. "
        "Would you like to hear more?",
    ),
]


def _others(me: int, ids: list[int]) -> tuple[list[int], list[int]]:
    """(connections, strangers) of `me` among `ids`, members in good standing only,
    with no block either way."""
    good = set(User.objects.in_good_standing().filter(pk__in=ids).values_list("pk", flat=True))
    blocked = set(Block.objects.filter(blocker_id=me).values_list("blocked_id", flat=True)) | set(
        Block.objects.filter(blocked_id=me).values_list("blocker_id", flat=True)
    )
    connected = set(Connection.objects.accepted_ids_of(me))
    known = set(Connection.objects.involving(me).values_list("user_a_id", "user_b_id").distinct())
    involved = {pk for pair in known for pk in pair}
    candidates = [pk for pk in ids if pk in good and pk not in blocked and pk != me]
    return (
        [pk for pk in candidates if pk in connected],
        [pk for pk in candidates if pk not in involved],
    )


def seed(context: DemoContext) -> None:
    me_id = context.login_ids.get("member")
    if me_id is None:
        return
    rng = context.random("messaging:demo")
    me = User.objects.get(pk=me_id)
    connections, strangers = _others(me_id, context.people)
    now = timezone.now()
    made = 0
    for n, other_id in enumerate(connections[:6]):
        other = User.objects.get(pk=other_id)
        conversation = services.conversation_open(sender=me, recipient=other)
        for i in range(rng.randint(3, len(LINES))):
            sender = other if i % 2 == 0 else me
            services.message_send(sender=sender, conversation=conversation, body=LINES[i])
        conversation.refresh_from_db()
        # The first two end with a message from the other person, left unread.
        if n >= 2 or conversation.last_message.sender_id == me_id:
            services.conversation_mark_read(conversation=conversation, user=me)
            conversation.refresh_from_db()
        _spread(conversation, now - timedelta(days=2 + 3 * n), rng)
        made += 1
    for (purpose, body), sender_id in zip(REQUESTS, strangers[:3], strict=False):
        services.message_request_send(
            sender=User.objects.get(pk=sender_id), recipient=me, purpose=purpose, body=body
        )
    reported = list(
        Message.objects.filter(conversation__in=Conversation.objects.involving(me))
        .exclude(sender=me)
        .order_by("id")[:2]
    )
    for message, reason in zip(reported, ["spam", "unprofessional"], strict=False):
        services.report_create(
            reporter=me, message=message, reason=reason, note="Felt like a sales pitch."
        )
    context.summary.append(f"{made} conversations, {min(3, len(strangers))} message requests")


def _spread(conversation: Conversation, end, rng) -> None:
    """Move a freshly written conversation's messages back in time, ending at `end`."""
    rows = list(Message.objects.filter(conversation=conversation).order_by("-id"))
    moment = end
    for message in rows:
        Message.objects.filter(pk=message.pk).update(created_at=moment)
        moment -= timedelta(minutes=rng.randint(20, 600))
    updates = {"last_message_at": end}
    for side in ("a", "b"):
        if getattr(conversation, f"{side}_unread_since") is not None:
            updates[f"{side}_unread_since"] = end
        # Told already: the demo should not email about its own past.
        updates[f"{side}_emailed_up_to"] = models.F("last_message_id")
    Conversation.objects.filter(pk=conversation.pk).update(**updates)


def loaded(context: DemoContext) -> bool:
    return Conversation.objects.exists() or MessageRequest.objects.exists()


def clear(context: DemoContext) -> int:
    """Every messaging row (the demo's only: real data is never seeded over)."""
    deleted = Report.objects.all().delete()[0] + MessageRequest.objects.all().delete()[0]
    Conversation.objects.update(last_message=None)
    deleted += Message.objects.all().delete()[0]
    return deleted + Conversation.objects.all().delete()[0]
