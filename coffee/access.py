"""Which coffee dates a member may open: only their own, and only while the other
person exists for them (a block on either side makes the date a 404, like the person).
Everyone else gets a 404, never a 403: a date's address says nothing to anyone else."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from coffee.models import CoffeeDate, Participant
from members.models import User


@dataclass(frozen=True)
class DateAccess:
    date: CoffeeDate
    mine: Participant
    theirs: Participant | None
    other: User


def access_date(user: User, date_id) -> DateAccess:
    """`user`'s date `date_id` with both sides and the other member, or Http404."""
    date = (
        CoffeeDate.objects.visible_to(user)
        .select_related("round", "member_a__profile", "member_b__profile")
        .filter(pk=date_id)
        .first()
    )
    if date is None:
        raise Http404("No such coffee date.")
    sides = {p.member_id: p for p in Participant.objects.filter(date=date)}
    mine = sides.get(user.pk)
    if mine is None:
        raise Http404("No such coffee date.")
    other = date.member_b if date.member_a_id == user.pk else date.member_a
    return DateAccess(date=date, mine=mine, theirs=sides.get(other.pk), other=other)
