"""What consultation groups hold about a person, for their export and their erasure
(the protocol is in hive/personal_data.py).

A group belongs to all its members: when one leaves Hive, the group, its agreements
and what they posted stay, from "former member" (the discussion would not make sense
with holes in it). What was theirs alone goes: their seat, acceptances, answers,
swaps and recusals; a seat they held (or that was offered to them) is offered to the
next on the waitlist. A future session they were to present loses its presenter, so the
rota plans it again. Reports they made stay for the moderators' record, without
their note.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from groups import services
from groups.models import (
    Agreement,
    AgreementAcceptance,
    Group,
    GroupReport,
    Membership,
    Post,
    Recusal,
    Rsvp,
    Session,
    Swap,
)

MODELS = {
    Group: "anonymize",  # a group they organize stays; a handover asked of them lapses
    Agreement: "anonymize",  # versions they published stay: members accepted them
    Session: "anonymize",  # past sessions they presented; future ones are re-planned
    Post: "anonymize",  # the discussion stays, from "former member"
    Membership: "delete",
    AgreementAcceptance: "delete",
    Rsvp: "delete",
    Swap: "delete",
    Recusal: "delete",
    GroupReport: "anonymize",  # moderation history: kept, their note as a reporter cleared
}


def _iso(value):
    return value.isoformat() if value is not None else None


def export_data(user) -> dict:
    memberships = Membership.objects.filter(member=user).select_related("group")
    return {
        "memberships": [
            {
                "group": m.group.name,
                "role": m.get_role_display(),
                "status": m.get_status_display(),
                "since": _iso(m.created_at),
                "introduction": m.introduction,
                "seat_offered_until": _iso(m.offer_expires_at),
                "introductory_conversation": (
                    {
                        "at": _iso(m.intro_at),
                        "how": m.intro_channel,
                        "status": m.get_intro_status_display(),
                        "your_reply": m.intro_reply,
                    }
                    if m.intro_status
                    else None
                ),
            }
            for m in memberships.order_by("created_at")
        ],
        "agreements_accepted": [
            {
                "group": a.agreement.group.name,
                "version": a.agreement.version,
                "accepted_at": _iso(a.accepted_at),
            }
            for a in AgreementAcceptance.objects.filter(member=user)
            .select_related("agreement__group")
            .order_by("accepted_at")
        ],
        "sessions_presented": [
            {"group": s.group.name, "starts_at": _iso(s.starts_at), "notes": s.notes}
            for s in Session.objects.filter(presenter=user)
            .select_related("group")
            .order_by("starts_at")
        ],
        "session_answers": [
            {
                "group": r.session.group.name,
                "session": _iso(r.session.starts_at),
                "answer": r.answer,
            }
            for r in Rsvp.objects.filter(member=user).select_related("session__group")
        ],
        "recusals": [
            {"group": r.session.group.name, "session": _iso(r.session.starts_at)}
            for r in Recusal.objects.filter(member=user).select_related("session__group")
        ],
        "posts": [
            {"group": p.group.name, "at": _iso(p.created_at), "text": p.body}
            for p in Post.objects.filter(author=user).select_related("group").order_by("pk")
        ],
        "reports_i_made": [
            {
                "group": r.group.name,
                "reason": r.get_reason_display(),
                "note": r.note,
                "at": _iso(r.created_at),
                "handled": r.handled_at is not None,
            }
            for r in GroupReport.objects.filter(reporter=user)
            .select_related("group")
            .order_by("created_at")
        ],
    }


def erase_data(user) -> None:
    now = timezone.now()
    Session.objects.filter(presenter=user, starts_at__gt=now).update(
        presenter=None, presenter_confirmed=False
    )
    Session.objects.filter(reminder_sent_for=user).update(reminder_sent_for=None)
    Swap.objects.filter(Q(asked_by=user) | Q(asked=user)).delete()
    Recusal.objects.filter(member=user).delete()
    Rsvp.objects.filter(member=user).delete()
    AgreementAcceptance.objects.filter(member=user).delete()
    GroupReport.objects.filter(reporter=user).update(note="")
    Group.objects.filter(handover_to=user).update(handover_to=None, handover_asked_at=None)
    freed = list(
        Group.objects.filter(
            memberships__member=user, memberships__status__in=Membership.HOLDING_SEAT
        )
    )
    Membership.objects.filter(member=user).delete()
    for group in freed:
        services.seats_offer(group=group)
