"""Last contact for members' network page (members/network.py gathers every app's
`contacts.py`): a coffee date counts from when either of the two said they met."""

from __future__ import annotations

from datetime import datetime

from coffee.models import CoffeeDate, Participant


def last_contacts(user, other_ids: list[int]) -> dict[int, datetime]:
    """{other person's id: when either said "yes, we met"}, newest, in one query."""
    if not other_ids:
        return {}
    wanted = set(other_ids)
    rows = Participant.objects.filter(
        date__in=CoffeeDate.objects.involving(user).filter(status=CoffeeDate.Status.CONFIRMED),
        met=Participant.Met.YES,
        met_at__isnull=False,
    ).values_list("date__member_a_id", "date__member_b_id", "met_at")
    found: dict[int, datetime] = {}
    for member_a, member_b, moment in rows:
        other = member_b if member_a == user.pk else member_a
        if other in wanted and (other not in found or moment > found[other]):
            found[other] = moment
    return found
