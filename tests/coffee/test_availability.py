"""Availability slots, their overlap across time zones and clock changes, and the times
suggested to two members (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from coffee.availability import (
    SLOTS,
    describe,
    intervals,
    ordered,
    overlap,
    suggested_times,
    validate_slots,
)

NEW_YORK = ZoneInfo("America/New_York")
CHICAGO = ZoneInfo("America/Chicago")
LONDON = ZoneInfo("Europe/London")
TOKYO = ZoneInfo("Asia/Tokyo")


def test_slots_are_validated_and_ordered():
    validate_slots(["tue-morning", "mon-evening"])
    for bad in (["tue-brunch"], ["mon-morning", "mon-morning"], "mon-morning", [3]):
        with pytest.raises(ValidationError):
            validate_slots(bad)
    assert ordered(["sun-evening", "mon-morning", "nope"]) == ["mon-morning", "sun-evening"]
    assert describe(["wed-evening", "wed-morning", "fri-midday"]) == [
        "Wednesday: morning, evening",
        "Friday: midday",
    ]
    assert len(SLOTS) == 28


def test_a_slot_is_read_on_the_members_own_calendar_and_clock():
    start = datetime(2026, 7, 6, 0, 0, tzinfo=UTC)  # a Monday
    found = intervals(["tue-morning"], NEW_YORK, start=start, days=7)
    assert found == [
        (datetime(2026, 7, 7, 12, 0, tzinfo=UTC), datetime(2026, 7, 7, 15, 0, tzinfo=UTC))
    ]
    # Touching windows merge.
    merged = intervals(["tue-morning", "tue-midday"], NEW_YORK, start=start, days=7)
    assert merged == [
        (datetime(2026, 7, 7, 12, 0, tzinfo=UTC), datetime(2026, 7, 7, 18, 0, tzinfo=UTC))
    ]


def test_overlap_between_zones():
    start = datetime(2026, 7, 6, 0, 0, tzinfo=UTC)
    ny = intervals(["tue-morning"], NEW_YORK, start=start, days=7)
    chi = intervals(["tue-morning"], CHICAGO, start=start, days=7)
    assert overlap(ny, chi) == [
        (datetime(2026, 7, 7, 13, 0, tzinfo=UTC), datetime(2026, 7, 7, 15, 0, tzinfo=UTC))
    ]
    # A London evening is a New York midday.
    london = intervals(["tue-evening"], LONDON, start=start, days=7)
    ny_midday = intervals(["tue-midday"], NEW_YORK, start=start, days=7)
    assert overlap(london, ny_midday) == [
        (datetime(2026, 7, 7, 16, 0, tzinfo=UTC), datetime(2026, 7, 7, 18, 0, tzinfo=UTC))
    ]
    # Tokyo's Wednesday morning is New York's Tuesday evening.
    tokyo = intervals(["wed-morning"], TOKYO, start=start, days=7)
    ny_evening = intervals(["tue-evening"], NEW_YORK, start=start, days=7)
    assert overlap(tokyo, ny_evening) == [
        (datetime(2026, 7, 7, 23, 0, tzinfo=UTC), datetime(2026, 7, 8, 0, 0, tzinfo=UTC))
    ]


def test_a_window_keeps_its_wall_clock_across_a_change_of_the_clocks():
    # US clocks go forward on Sunday 8 March 2026.
    start = datetime(2026, 3, 6, 0, 0, tzinfo=UTC)
    found = intervals(["sat-morning", "mon-morning"], NEW_YORK, start=start, days=4)
    assert [begin.astimezone(NEW_YORK).hour for begin, _ in found] == [8, 8]
    assert [begin.hour for begin, _ in found] == [13, 12]  # EST, then EDT


def test_suggested_times_prefer_different_days_and_leave_notice():
    after = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)  # Monday, 8 a.m. in New York
    every_morning = [f"{d}-morning" for d in ("mon", "tue", "wed", "thu", "fri")]
    times = suggested_times(every_morning, NEW_YORK, every_morning, NEW_YORK, after=after)
    assert len(times) == 3
    assert len({begin.date() for begin, _ in times}) == 3
    assert all(begin >= after + timedelta(hours=12) for begin, _ in times)
    assert times[0][0] == datetime(2026, 7, 7, 12, 0, tzinfo=UTC)  # not Monday: too soon
    # Nothing shared: nothing suggested; a sliver under 45 minutes is no suggestion.
    assert suggested_times(["mon-morning"], NEW_YORK, ["mon-evening"], NEW_YORK, after=after) == []
    assert suggested_times([], NEW_YORK, every_morning, NEW_YORK, after=after) == []


def test_one_shared_day_still_gives_up_to_three_times_over_two_weeks():
    after = datetime(2026, 7, 6, 12, 0, tzinfo=UTC)
    times = suggested_times(["thu-afternoon"], CHICAGO, ["thu-afternoon"], CHICAGO, after=after)
    assert [begin.astimezone(CHICAGO).strftime("%a %d %H:%M") for begin, _ in times] == [
        "Thu 09 14:00",
        "Thu 16 14:00",
    ]
