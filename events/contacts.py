"""Last contact for members' network page (members/network.py gathers every app's
`contacts.py`): the end of the latest event both people went to."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Max
from django.utils import timezone

from events.models import Rsvp


def last_contacts(user, other_ids: list[int]) -> dict[int, datetime]:
    """{other person's id: when the latest event both had a seat at ended}, in one
    query. Events that were canceled or have not ended yet are not contact."""
    if not other_ids:
        return {}
    now = timezone.now()
    mine = Rsvp.objects.filter(
        user=user,
        status=Rsvp.Status.GOING,
        event__ends_at__lte=now,
        event__cancelled_at__isnull=True,
    ).values("event_id")
    rows = (
        Rsvp.objects.filter(event_id__in=mine, user_id__in=other_ids, status=Rsvp.Status.GOING)
        .values("user_id")
        .annotate(last=Max("event__ends_at"))
        .values_list("user_id", "last")
    )
    return dict(rows)
