"""Intros and check-ins reach each member in their own morning, across the changes of
the clocks; each is sent once; rounds close, and three unanswered intros pause a
member (who is told how to come back)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from coffee import rounds, services
from coffee.models import CoffeeDate, CoffeeSettings, Participant
from notifications.models import Notification
from tests.coffee.factories import coffee_member, make_date, make_round, side

pytestmark = pytest.mark.django_db


def hourly(start: datetime, hours: int, minute: int = 10):
    """The beat's ticks: every hour at :10 UTC from `start`."""
    first = start.replace(minute=minute, second=0, microsecond=0)
    return [first + timedelta(hours=n) for n in range(hours)]


def first_send(member, kind: str, ticks) -> datetime | None:
    """Run the morning chore at each tick; when did `member` first get `kind`?"""
    for tick in ticks:
        rounds.morning_notes_send(now=tick)
        if Notification.objects.filter(recipient=member, kind=kind).exists():
            return tick
    return None


# (zone, the day its clocks change in 2026)
DST_DAYS = [
    ("America/New_York", datetime(2026, 3, 8, tzinfo=UTC)),  # spring forward
    ("America/New_York", datetime(2026, 11, 1, tzinfo=UTC)),  # fall back
    ("America/Los_Angeles", datetime(2026, 3, 8, tzinfo=UTC)),
    ("America/Los_Angeles", datetime(2026, 11, 1, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 3, 29, tzinfo=UTC)),
    ("Europe/London", datetime(2026, 10, 25, tzinfo=UTC)),
    ("Australia/Sydney", datetime(2026, 4, 5, tzinfo=UTC)),  # autumn there
    ("Asia/Kolkata", datetime(2026, 3, 8, tzinfo=UTC)),  # no DST, a :30 offset
    ("America/Phoenix", datetime(2026, 3, 8, tzinfo=UTC)),  # no DST beside zones with it
]


@pytest.mark.parametrize(("zone", "day"), DST_DAYS)
def test_the_intro_arrives_in_the_members_morning_on_the_day_the_clocks_change(zone, day):
    member = coffee_member("Morning Person", timezone_name=zone)
    other = coffee_member("Other Person", timezone_name="UTC")
    # The round ran at 8 p.m. the evening before, the member's time.
    evening = datetime.combine(
        day.date() - timedelta(days=1), datetime.min.time().replace(hour=20), tzinfo=member.zone
    )
    run = evening.astimezone(UTC)
    date = make_date(member, other, round_=make_round(now=run), introduced=False)
    sent = first_send(member, "coffee_intro", hourly(run, 30))
    assert sent is not None
    local = sent.astimezone(member.zone)
    # The first hourly tick of their morning on the day the clocks change: 8:10 (8:40
    # with a :30 offset), whatever the offset was the evening before.
    assert local.date() == day.date()
    assert (local.hour, local.minute) in ((8, 10), (8, 40)), local
    mine = side(date, member)
    assert mine.introduced_at == sent and mine.reason


def test_nothing_is_sent_outside_the_morning_and_nothing_twice():
    ann = coffee_member("Ann", timezone_name="America/New_York")
    ben = coffee_member("Ben", timezone_name="America/New_York")
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)  # Monday, midnight in New York
    make_date(ann, ben, round_=make_round(now=run), introduced=False)
    night = datetime(2026, 7, 6, 7, 10, tzinfo=UTC)  # 3:10 a.m. there
    assert rounds.morning_notes_send(now=night) == 0
    morning = datetime(2026, 7, 6, 12, 10, tzinfo=UTC)  # 8:10 a.m.
    assert rounds.morning_notes_send(now=morning) == 2
    assert rounds.morning_notes_send(now=morning + timedelta(hours=1)) == 0
    assert Notification.objects.filter(kind="coffee_intro").count() == 2
    intro = Notification.objects.get(recipient=ann, kind="coffee_intro")
    assert intro.context["name"] == "Ben"
    assert intro.url.startswith("/coffee/#date-")


def test_the_intro_says_why_from_what_both_may_see():
    from tests.matching.people import ONLY_ME

    ann = coffee_member(
        "Ann", place="oakland", specialties=["eating-disorders"], modalities=["emdr"]
    )
    ben = coffee_member(
        "Ben",
        place="berkeley",
        specialties=["eating-disorders"],
        modalities=["emdr"],
        visibility={"practice": ONLY_ME},
    )
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    date = make_date(ann, ben, round_=make_round(now=run), introduced=False, in_person=True)
    rounds.morning_notes_send(now=datetime(2026, 7, 6, 8, 10, tzinfo=UTC))  # UTC morning
    reason = side(date, ann).reason
    assert "miles away" in reason  # Ann is in the US: miles
    # Ben hides his practice: neither side's reason names it.
    assert "eating" not in reason.lower() and "emdr" not in reason.lower()
    assert "eating" not in side(date, ben).reason.lower()


def test_an_intro_whose_partner_left_is_canceled_not_sent():
    from members.models import User

    ann, ben = coffee_member("Ann"), coffee_member("Ben")
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    date = make_date(ann, ben, round_=make_round(now=run), introduced=False)
    User.objects.filter(pk=ben.pk).update(membership_status=User.Status.SUSPENDED)
    rounds.morning_notes_send(now=datetime(2026, 7, 6, 8, 10, tzinfo=UTC))
    assert not Notification.objects.filter(kind="coffee_intro").exists()
    assert CoffeeDate.objects.get(pk=date.pk).status == CoffeeDate.Status.CANCELED


def test_did_you_meet_near_the_end_of_the_round_in_each_morning():
    ann = coffee_member("Ann", timezone_name="America/New_York")
    ben = coffee_member("Ben", timezone_name="Europe/Berlin")
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    round_ = make_round(now=run)
    date = make_date(ann, ben, round_=round_)
    services.date_accept(date=date, member=ann, now=run + timedelta(hours=6))
    services.date_accept(date=date, member=ben, now=run + timedelta(hours=7))
    # Not before the check-in day.
    assert rounds.check_ins_send(now=run + timedelta(days=2, hours=8)) == 0
    sent_at = {}
    for tick in hourly(round_.check_in_at, 30):
        rounds.morning_notes_send(now=tick)
        for recipient in Notification.objects.filter(kind="coffee_check_in").values_list(
            "recipient_id", flat=True
        ):
            sent_at.setdefault(recipient, tick)
    ann_at, ben_at = sent_at[ann.pk], sent_at[ben.pk]
    assert ann_at.astimezone(ann.zone).hour == 8
    assert ben_at.astimezone(ben.zone).hour == 8
    assert Notification.objects.filter(kind="coffee_check_in").count() == 2
    assert side(date, ann).check_in_asked_at == ann_at
    # Answered already: nobody is asked again.
    Participant.objects.filter(date=date).update(check_in_asked_at=None, met="yes")
    assert rounds.check_ins_send(now=ann_at + timedelta(days=1)) == 0


def test_a_dates_that_did_not_go_ahead_gets_no_check_in():
    ann, ben = coffee_member("Ann"), coffee_member("Ben")
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    round_ = make_round(now=run)
    services.date_pass(date=make_date(ann, ben, round_=round_), member=ann)
    for tick in hourly(round_.check_in_at, 30):
        rounds.check_ins_send(now=tick)
    assert not Notification.objects.filter(kind="coffee_check_in").exists()


def test_a_round_closes_once_unanswered_intros_expire():
    ann, ben, cai, dee = (coffee_member(n) for n in ("Ann", "Ben", "Cai", "Dee"))
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    round_ = make_round(now=run)
    quiet = make_date(ann, ben, round_=round_)  # Ann says yes, Ben never answers
    services.date_accept(date=quiet, member=ann, now=run + timedelta(hours=5))
    on = make_date(cai, dee, round_=round_)
    services.date_accept(date=on, member=cai, now=run)
    services.date_accept(date=on, member=dee, now=run)
    assert rounds.rounds_close(now=run + timedelta(days=6)) == 0
    assert rounds.rounds_close(now=round_.ends_at) == 1
    assert rounds.rounds_close(now=round_.ends_at + timedelta(hours=1)) == 0  # once
    quiet.refresh_from_db()
    assert quiet.status == CoffeeDate.Status.EXPIRED
    assert side(quiet, ben).response == "unanswered" and side(quiet, ann).response == "accepted"
    assert CoffeeDate.objects.get(pk=on.pk).status == CoffeeDate.Status.CONFIRMED
    assert CoffeeSettings.objects.get(user=ben).unanswered_in_a_row == 1
    assert CoffeeSettings.objects.get(user=ann).unanswered_in_a_row == 0
    # Ann, left without her date through no doing of hers, goes first next round.
    waited = rounds._waited_ids(round_.ends_at + timedelta(days=1), None)
    assert ann.pk in waited and ben.pk not in waited


def test_three_unanswered_intros_in_a_row_pause_and_tell_how_to_come_back():
    ghost = coffee_member("Gus Ghost")
    start = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    for week in range(3):
        run = start + timedelta(weeks=week)
        partner = coffee_member(f"Partner {week}")
        make_date(ghost, partner, round_=make_round(now=run))
        rounds.rounds_close(now=run + timedelta(days=7))
        settings = CoffeeSettings.objects.get(user=ghost)
        assert settings.unanswered_in_a_row == week + 1
        assert settings.is_paused is (week == 2)
    assert settings.paused_reason == "unanswered"
    told = Notification.objects.get(recipient=ghost, kind="coffee_paused")
    assert "Come back any time" in told.in_app_text()
    assert told.url == "/coffee/"
    # Partners who did answer are not paused.
    assert not CoffeeSettings.objects.filter(paused_at__isnull=False).exclude(user=ghost).exists()
    # Paused: not due, whatever the cadence.
    later = start + timedelta(weeks=4)
    assert ghost.pk not in {s.user_id for s in rounds.due_seekers(week=later.date(), now=later)}
    services.settings_resume(member=ghost)
    assert ghost.pk in {s.user_id for s in rounds.due_seekers(week=later.date(), now=later)}


def test_an_intro_never_sent_does_not_count_as_ignored():
    ann, ben = coffee_member("Ann"), coffee_member("Ben")
    run = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)
    make_date(ann, ben, round_=make_round(now=run), introduced=False)
    rounds.rounds_close(now=run + timedelta(days=8))
    assert CoffeeSettings.objects.get(user=ann).unanswered_in_a_row == 0
