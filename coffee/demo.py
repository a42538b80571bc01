"""The coffee-date demo: about 45 % of the community opted in (cadences, formats, travel
and mornings or evenings varied), four weeks of past rounds paired by the real engine
with believable outcomes (most dates went ahead, some passed, a few left unanswered),
and for member@hive.test a date three weeks ago waiting for its "Did you meet?" and an
intro waiting for an answer in last week's round, which is still open.

This week's round is left to run: staff run it from /review/coffee/ (or the beat does,
on Monday), which pairs everyone due this week. The demo writes no email about its
past: outcomes are set on the rows, and only the member login's open intro is told.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from coffee import notifications, rounds, services
from coffee.availability import DAYS, WINDOWS
from coffee.models import (
    CHECK_IN_AFTER,
    ROUND_LENGTH,
    CoffeeDate,
    CoffeeSettings,
    Participant,
    Round,
)
from coffee.reasons import reasons_for_pairs
from hive.demo import DemoContext
from members.models import Profile, User, introduction_barriers
from messaging import services as messaging_services

SHARE_OPTED_IN = 0.45
WEEKS_BACK = 4
Status = CoffeeDate.Status
Response = Participant.Response
Met = Participant.Met

# (value, weight): most want a fortnightly coffee, either way.
CADENCES = (("weekly", 3), ("fortnightly", 5), ("monthly", 2))
FORMATS = (("either", 6), ("in_person", 2), ("virtual", 2))
TRAVEL_MILES = (3, 5, 8, 10, 15, 20, 25)
# What a practitioner's week leaves free: mornings before clients, lunch, after work.
HABITS = (
    ("morning", 4),
    ("midday", 5),
    ("afternoon", 2),
    ("evening", 3),
)
MESSAGES = (
    "Lovely to be paired! Would Thursday morning work for a coffee?",
    "Thursday works. The café on the corner near my office at 9?",
)


def _pick(rng, weighted):
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def _settings(rng, user_id: int) -> CoffeeSettings:
    windows = {_pick(rng, HABITS) for _ in range(2)}
    days = rng.sample([day for day, _ in DAYS[:5]], k=rng.randint(2, 4))
    if rng.random() < 0.2:
        days.append("sat")
    slots = [
        f"{day}-{w.code}" for day, _ in DAYS for w in WINDOWS if day in days and w.code in windows
    ]
    return CoffeeSettings(
        user_id=user_id,
        opted_in=True,
        cadence=_pick(rng, CADENCES),
        format=_pick(rng, FORMATS),
        travel_km=rng.choice(TRAVEL_MILES) * 1.609344,
        availability=services.availability_ordered(slots),
        snoozed_until=timezone.localdate() + timedelta(days=rng.randint(3, 20))
        if rng.random() < 0.04
        else None,
    )


def loaded(context: DemoContext) -> bool:
    return Round.objects.exists() or CoffeeSettings.objects.exists()


def clear(context: DemoContext) -> int:
    """Every coffee row (the demo's only: real data is never seeded over)."""
    deleted = Participant.objects.all().delete()[0]
    deleted += CoffeeDate.objects.all().delete()[0]
    deleted += Round.objects.all().delete()[0]
    return deleted + CoffeeSettings.objects.all().delete()[0]


def seed(context: DemoContext) -> None:
    rng = context.random("coffee:demo")
    me_id = context.login_ids.get("member")
    staff_id = context.login_ids.get("staff")
    people = list(
        User.objects.in_good_standing()
        .filter(pk__in=context.people, profile__isnull=False)
        .exclude(pk__in=[staff_id or 0, me_id or 0])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if len(people) < 6:
        return
    chosen = sorted(rng.sample(people, k=max(4, int(len(people) * SHARE_OPTED_IN))))
    CoffeeSettings.objects.bulk_create([_settings(rng, pk) for pk in chosen])
    this_week = Round.week_of(timezone.now())
    past = []
    for back in range(WEEKS_BACK, 0, -1):
        run = datetime.combine(this_week - timedelta(weeks=back), time(4), tzinfo=UTC)
        round_ = rounds.round_run(now=run).round
        _outcomes(round_, rng, still_open=back == 1)
        past.append(round_)
    # Last week's round ran late (two days ago), so its intros are still open.
    last = past[-1]
    moved = timezone.now() - timedelta(days=2)
    Round.objects.filter(pk=last.pk).update(
        run_at=moved, ends_at=moved + ROUND_LENGTH, check_in_at=moved + CHECK_IN_AFTER
    )
    CoffeeDate.objects.filter(round=last).update(created_at=moved)
    last.refresh_from_db()
    dates = CoffeeDate.objects.count()
    if me_id:
        _member_login(User.objects.get(pk=me_id), past, rng)
    context.summary.append(f"{len(chosen) + bool(me_id)} opted in to coffee dates, {dates} past")


def _outcomes(round_: Round, rng, *, still_open: bool) -> None:
    """Believable answers for a round's dates, written on the rows in bulk (no
    notifications: the demo does not email about its past)."""
    run = round_.run_at
    dates = {d.pk: d for d in CoffeeDate.objects.filter(round=round_).order_by("pk")}
    sides: dict = {}
    for side in Participant.objects.filter(round=round_, date__isnull=False).order_by("pk"):
        sides.setdefault(side.date_id, []).append(side)
    for pk, date in dates.items():
        first, second = rng.sample(sides[pk], k=2)
        roll = rng.random()
        introduced = run + timedelta(hours=rng.randint(4, 20))
        first.introduced_at = second.introduced_at = introduced
        if still_open and roll < 0.35:
            continue  # both still to answer
        if still_open and roll < 0.55:
            _answer(first, Response.ACCEPTED, run)
            continue
        if roll < (0.85 if still_open else 0.62):
            for side in (first, second):
                _answer(side, Response.ACCEPTED, run)
            date.status = Status.CONFIRMED
            date.confirmed_at = run + timedelta(hours=rng.randint(8, 40))
            if not still_open:
                for side in (first, second):
                    _check_in(side, rng, run)
        elif roll < (1.0 if still_open else 0.8):
            _answer(first, Response.PASSED, run)
            date.status, date.closed_at = Status.PASSED, run + timedelta(hours=30)
        else:
            _answer(first, rng.choice((Response.ACCEPTED, Response.UNANSWERED)), run)
            _answer(second, Response.UNANSWERED, run)
            date.status, date.closed_at = Status.EXPIRED, round_.ends_at
    CoffeeDate.objects.bulk_update(
        list(dates.values()), ["status", "confirmed_at", "closed_at"], batch_size=1000
    )
    Participant.objects.bulk_update(
        [side for pair in sides.values() for side in pair],
        [
            "introduced_at",
            "response",
            "responded_at",
            "check_in_asked_at",
            "met",
            "met_at",
            "rating",
        ],
        batch_size=1000,
    )


def _answer(side: Participant, response: str, run) -> None:
    side.response = response
    side.responded_at = None if response == Response.UNANSWERED else run + timedelta(hours=9)


def _check_in(side: Participant, rng, run) -> None:
    """Asked near the end of the round; most met, most of those gladly."""
    side.check_in_asked_at = run + CHECK_IN_AFTER
    roll = rng.random()
    if roll < 0.7:
        side.met, side.met_at = Met.YES, run + timedelta(days=5, hours=rng.randint(1, 30))
        side.rating = _pick(rng, (("great", 5), ("good", 4), ("not_a_fit", 1)))
    elif roll < 0.82:
        side.met, side.met_at = Met.NO, run + timedelta(days=6)
    elif roll < 0.9:
        side.met, side.met_at = Met.NOT_YET, run + timedelta(days=6)


def _member_login(me: User, past: list[Round], rng) -> None:
    """member@hive.test: fortnightly, either way; a date three weeks ago that went ahead
    and waits for their check-in, and an intro in last week's round to answer now."""
    CoffeeSettings.objects.update_or_create(
        user=me,
        defaults={
            "opted_in": True,
            "cadence": CoffeeSettings.Cadence.FORTNIGHTLY,
            "format": CoffeeSettings.Format.EITHER,
            "travel_km": 10 * 1.609344,
            "availability": ["tue-morning", "wed-midday", "thu-morning", "fri-midday"],
        },
    )
    earlier, last = past[-3], past[-1]
    found = _partner(me, earlier, avoid=set())
    partner = found[0] if found else None
    if found is not None:
        date = _date(me, partner, earlier, km=found[1])
        Participant.objects.filter(date=date).update(
            response=Response.ACCEPTED, introduced_at=earlier.run_at + timedelta(hours=5)
        )
        CoffeeDate.objects.filter(pk=date.pk).update(
            status=Status.CONFIRMED, confirmed_at=earlier.run_at + timedelta(hours=20)
        )
        Participant.objects.filter(date=date, member=partner).update(
            check_in_asked_at=earlier.check_in_at, met=Met.YES, met_at=earlier.check_in_at
        )
        # The member's own check-in was asked and is still waiting.
        Participant.objects.filter(date=date, member=me).update(
            check_in_asked_at=earlier.check_in_at
        )
        conversation = messaging_services.conversation_open(
            sender=me, recipient=partner, introduced=True
        )
        CoffeeDate.objects.filter(pk=date.pk).update(conversation=conversation)
        messaging_services.message_send(sender=partner, conversation=conversation, body=MESSAGES[0])
        messaging_services.message_send(sender=me, conversation=conversation, body=MESSAGES[1])
        messaging_services.conversation_mark_read(conversation=conversation, user=me)
    found = _partner(me, last, avoid={partner.pk} if partner else set())
    if found is not None:
        other = found[0]
        date = _date(me, other, last, km=found[1])
        introduced = timezone.now() - timedelta(hours=rng.randint(2, 20))
        written = reasons_for_pairs([(me.pk, other.pk), (other.pk, me.pk)])
        for person, them in ((me, other), (other, me)):
            Participant.objects.filter(date=date, member=person).update(
                introduced_at=introduced, reason=written.get((person.pk, them.pk), "")
            )
        mine = Participant.objects.select_related("member", "date", "round").get(
            date=date, member=me
        )
        notifications.intro(participant=mine, partner=other)


def _partner(me: User, round_: Round, *, avoid: set[int]) -> tuple[User, float] | None:
    """The nearest opted-in member not paired in `round_` whom Hive may introduce to
    `me`: believable ("2 miles away"), never across a block or a dual relationship."""
    busy = set(
        Participant.objects.filter(round=round_, date__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    candidates = list(
        CoffeeSettings.objects.filter(opted_in=True, user__in=User.objects.in_good_standing())
        .exclude(user_id__in=busy | avoid | {me.pk})
        .values_list("user_id", flat=True)
    )
    barred = introduction_barriers([me.pk, *candidates])
    candidates = [pk for pk in candidates if (min(pk, me.pk), max(pk, me.pk)) not in barred]
    if not candidates:
        return None
    places = {
        row[0]: row[1:]
        for row in Profile.objects.filter(user_id__in=[me.pk, *candidates]).values_list(
            "user_id", "latitude", "longitude"
        )
    }
    home = places.get(me.pk, (None, None))
    best = min(candidates, key=lambda pk: (_km(home, places.get(pk, (None, None))), pk))
    return User.objects.select_related("profile").get(pk=best), _km(home, places[best])


def _km(a, b) -> float:
    """Great-circle distance between two (latitude, longitude) pairs; inf if unknown."""
    if None in a or None in b:
        return math.inf
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def _date(me: User, other: User, round_: Round, *, km: float) -> CoffeeDate:
    """A date between the two in `round_`, each with their row in it: in person when
    they are within the member login's 10 miles (and the other meets in person)."""
    low, high = sorted((me.pk, other.pk))
    theirs = CoffeeSettings.objects.get(user=other)
    date = CoffeeDate.objects.create(
        round=round_,
        member_a_id=low,
        member_b_id=high,
        in_person=km <= min(16.1, theirs.travel_km) and theirs.in_person,
        score=0.8,
        created_at=round_.run_at,
    )
    for person in (me, other):
        Participant.objects.update_or_create(
            round=round_,
            member=person,
            defaults={"date": date, "response": Response.PENDING, "waited": False},
        )
    return date
