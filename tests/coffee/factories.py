"""Coffee-date members, rounds and dates in a few lines each."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from coffee.models import (
    CHECK_IN_AFTER,
    ROUND_LENGTH,
    CoffeeDate,
    CoffeeSettings,
    Participant,
    Round,
)
from tests.matching.people import person

EVERY_MORNING = [f"{day}-morning" for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")]


def opt_in(user, **fields) -> CoffeeSettings:
    """`user` opted in (weekly, either format, free every morning), or with `fields`."""
    values = {
        "opted_in": True,
        "cadence": CoffeeSettings.Cadence.WEEKLY,
        "format": CoffeeSettings.Format.EITHER,
        "travel_km": 25.0,
        "availability": EVERY_MORNING,
        **fields,
    }
    row, _ = CoffeeSettings.objects.update_or_create(user=user, defaults=values)
    return row


def coffee_member(name: str = "", *, place: str | None = "oakland", timezone_name: str = "",
                  settings: dict | None = None, **profile):  # fmt: skip
    """A member in good standing, with a profile, opted in for coffee."""
    user = person(name, place=place, looking_for=["coffee-dates"], **profile)
    if timezone_name:
        user.timezone = timezone_name
        user.save(update_fields=["timezone"])
    opt_in(user, **(settings or {}))
    return user


def make_round(*, now: datetime | None = None, key: str = "", **fields) -> Round:
    """A scheduled round of the week of `now` (no pairing run: dates are added by hand)."""
    now = now or timezone.now()
    week = Round.week_of(now)
    if not key:
        key = Round.scheduled_key(week)
        if Round.objects.filter(key=key).exists():  # another round that week
            key = f"{key}-staff-{Round.objects.count()}"
    values = {
        "key": key,
        "week": week,
        "run_at": now,
        "ends_at": now + ROUND_LENGTH,
        "check_in_at": now + CHECK_IN_AFTER,
        **fields,
    }
    return Round.objects.create(**values)


def make_date(a, b, *, round_: Round | None = None, status: str = CoffeeDate.Status.PROPOSED,
              in_person: bool = False, responses=("pending", "pending"),
              introduced: bool = True) -> CoffeeDate:  # fmt: skip
    """A date between `a` and `b` in `round_` (a new one by default), with both sides."""
    round_ = round_ or make_round()
    low, high = sorted([a, b], key=lambda u: u.pk)
    date = CoffeeDate.objects.create(
        round=round_,
        member_a=low,
        member_b=high,
        in_person=in_person,
        score=0.8,
        status=status,
        confirmed_at=timezone.now() if status == CoffeeDate.Status.CONFIRMED else None,
        created_at=round_.run_at,
    )
    for member, response in zip((a, b), responses, strict=True):
        Participant.objects.create(
            round=round_,
            member=member,
            date=date,
            response=response,
            introduced_at=round_.run_at if introduced else None,
        )
    return date


def side(date: CoffeeDate, member) -> Participant:
    return Participant.objects.get(date=date, member=member)
