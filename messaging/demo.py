"""The demo's messaging: conversations for the member login with some of its
connections (a few unread), message requests waiting in its tray from people it is not
connected with, and two open reports for the staff login's queue: the kind moderators
really get (a colleague pitching a paid course, a case shared with the client's name and
date of birth), between other members, each with the messages around it.

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
# (reason, the reported member's lines, the reporter's reply, the reporter's note).
REPORTED = [
    (
        "spam",
        [
            "Great to meet you at the CE workshop!",
            'Quick one: I\'m launching a 6-week "Full Caseload" coaching program for '
            "therapists. Early-bird price ends Friday: https://fullcaseload.example/join",
        ],
        "Thanks, but I'm not looking for coaching.",
        "Second sales pitch for their course this month; we only met once.",
    ),
    (
        "client_info",
        [
            "Could I run a case by you? My client Dana Whitfield, DOB 03/14/1988, was "
            "discharged from St. Mary's on Monday and is asking about IOP options.",
        ],
        "Happy to help, but please de-identify: no names or birth dates here.",
        "They shared a client's full name and date of birth. I asked them to de-identify.",
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
    reports = _reports(me_id, context.people, now, rng)
    context.summary.append(
        f"{made} conversations, {min(3, len(strangers))} message requests, {reports} open reports"
    )


def _reports(me_id: int, people: list[int], now, rng) -> int:
    """Two reports for the moderators, each about a message in a conversation between
    two other connected members (never the member login: its inbox stays its own)."""
    good = set(User.objects.in_good_standing().filter(pk__in=people).values_list("pk", flat=True))
    pairs = (
        Connection.objects.filter(status=Connection.Status.ACCEPTED)
        .exclude(user_a_id=me_id)
        .exclude(user_b_id=me_id)
        .order_by("pk")
        .values_list("user_a_id", "user_b_id")
    )
    used: set[int] = set()
    made = 0
    for low, high in pairs.iterator():
        if made == len(REPORTED):
            break
        if low in used or high in used or not {low, high} <= good:
            continue
        if Block.objects.filter(blocker_id__in=[low, high], blocked_id__in=[low, high]).exists():
            continue
        used |= {low, high}
        reason, lines, reply, note = REPORTED[made]
        sender, reporter = User.objects.get(pk=low), User.objects.get(pk=high)
        conversation = services.conversation_open(sender=sender, recipient=reporter)
        written = [
            services.message_send(sender=sender, conversation=conversation, body=line)
            for line in lines
        ]
        services.message_send(sender=reporter, conversation=conversation, body=reply)
        conversation.refresh_from_db()
        end = now - timedelta(days=1 + made, hours=rng.randint(1, 9))
        _spread(conversation, end, rng)
        report = services.report_create(
            reporter=reporter, message=written[-1], reason=reason, note=note
        )
        # Reported within the hour, a day or two ago: the queue has been waiting.
        Report.objects.filter(pk=report.pk).update(
            created_at=end + timedelta(minutes=rng.randint(5, 55))
        )
        made += 1
    return made


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
