"""What messaging holds about a person, for their export and their erasure (the
protocol is in hive/personal_data.py).

A conversation is held by both people: when one leaves Hive, the other keeps it, and
the messages the erased member sent stay, from "former member". Requests are between
the two alone and go. Reports are the moderators' record: they stay, under the
tombstone, with the reporter's own note cleared when the reporter leaves.
"""

from __future__ import annotations

from django.db.models import Q

from members.personal_data import handles_of
from messaging.models import Conversation, Message, MessageRequest, Report

MODELS = {
    Conversation: "anonymize",  # the other person keeps it
    Message: "anonymize",  # what they sent stays with the recipient, from "former member"
    MessageRequest: "delete",  # sent or received: nobody else holds them
    Report: "anonymize",  # moderation history: kept, their note as a reporter cleared
}


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(user) -> dict:
    conversations = list(Conversation.objects.filter(Q(user_a=user) | Q(user_b=user)))
    others = {c.user_b_id if c.user_a_id == user.pk else c.user_a_id for c in conversations}
    requests = list(
        MessageRequest.objects.filter(Q(sender=user) | Q(recipient=user)).order_by("created_at")
    )
    handles = handles_of(
        others | {r.sender_id for r in requests} | {r.recipient_id for r in requests}
    )
    messages = Message.objects.filter(conversation__in=conversations).order_by("created_at", "pk")
    by_conversation: dict = {c.pk: [] for c in conversations}
    for message in messages:
        by_conversation[message.conversation_id].append(
            {
                "from": "me" if message.sender_id == user.pk else "them",
                "at": _iso(message.created_at),
                "text": "" if message.deleted_at else message.body,
                "deleted_at": _iso(message.deleted_at),
            }
        )
    return {
        "conversations": [
            {
                "with": handles[c.user_b_id if c.user_a_id == user.pk else c.user_a_id],
                "started_at": _iso(c.created_at),
                "messages": by_conversation[c.pk],
            }
            for c in sorted(conversations, key=lambda c: c.created_at)
        ],
        "message_requests": [
            {
                "direction": "sent" if r.sender_id == user.pk else "received",
                "with": handles[r.recipient_id if r.sender_id == user.pk else r.sender_id],
                "purpose": r.get_purpose_display(),
                "status": r.get_status_display(),
                "text": r.body,
                "at": _iso(r.created_at),
            }
            for r in requests
        ],
        "reports_i_made": [
            {
                "about": handles_of([r.reported_id])[r.reported_id],
                "reason": r.get_reason_display(),
                "note": r.note,
                "at": _iso(r.created_at),
                "handled": r.handled_at is not None,
            }
            for r in Report.objects.filter(reporter=user).order_by("created_at")
        ],
    }


def erase_data(user) -> None:
    MessageRequest.objects.filter(Q(sender=user) | Q(recipient=user)).delete()
    Report.objects.filter(reporter=user).update(note="")
