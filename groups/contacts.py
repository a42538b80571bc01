"""Last contact for members' network page (members/network.py gathers every app's
`contacts.py`): the latest group session both people said they would attend."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from groups.models import Rsvp, Session


def last_contacts(user, other_ids: list[int]) -> dict[int, datetime]:
    """{other person's id: when the latest past session both answered "yes" to
    started}, in one query. Only the member's own groups can appear (they answered
    too), so nothing here tells them about a group they are not in."""
    if not other_ids:
        return {}
    mine = Rsvp.objects.filter(
        member=user,
        answer=Rsvp.Answer.YES,
        session__starts_at__lte=timezone.now(),
    ).exclude(session__status=Session.Status.CANCELLED)
    rows = (
        Rsvp.objects.filter(
            session_id__in=mine.values("session_id"),
            member_id__in=other_ids,
            answer=Rsvp.Answer.YES,
        )
        .values("member_id")
        .annotate(last=Max("session__starts_at"))
        .values_list("member_id", "last")
    )
    return dict(rows)
