"""What consultation groups hold about a person, for their export and their erasure
(the protocol is in hive/personal_data.py).

A group belongs to all its members: when one leaves Hive, the group, its agreements
and what they posted stay, from "former member" (the discussion would not make sense
with holes in it). What was theirs alone goes: their seat, acceptances, answers,
swaps and recusals. A future session they were to present loses its presenter, so the
rota plans it again.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from groups.models import (
    Agreement,
    AgreementAcceptance,
    Group,
    Membership,
    Post,
    Recusal,
    Rsvp,
    Session,
    Swap,
)

MODELS = {
    Group: "anonymize",  # a group they organize stays for its members
    Agreement: "anonymize",  # versions they published stay: members accepted them
    Session: "anonymize",  # past sessions they presented; future ones are re-planned
    Post: "anonymize",  # the discussion stays, from "former member"
    Membership: "delete",
    AgreementAcceptance: "delete",
    Rsvp: "delete",
    Swap: "delete",
    Recusal: "delete",
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
    Membership.objects.filter(member=user).delete()
