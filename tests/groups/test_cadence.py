"""The cadence: RRULE text built and read back, and sessions at the same wall-clock
time in the organizer's zone on both sides of daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from groups.cadence import FORTNIGHTLY, MONTHLY, WEEKLY, Cadence, occurrences, parse_rule


@pytest.mark.parametrize(
    ("cadence", "rule", "words"),
    [
        (Cadence(MONTHLY, 1, 2), "FREQ=MONTHLY;BYDAY=+2TU", "Monthly, second Tuesday"),
        (Cadence(MONTHLY, 4, -1), "FREQ=MONTHLY;BYDAY=-1FR", "Monthly, last Friday"),
        (Cadence(FORTNIGHTLY, 3), "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "Every other Thursday"),
        (Cadence(WEEKLY, 0), "FREQ=WEEKLY;BYDAY=MO", "Every Monday"),
    ],
)
def test_rule_round_trip(cadence, rule, words):
    assert cadence.rule() == rule
    assert parse_rule(rule) == cadence
    assert cadence.describe() == words


def _local(found, zone):
    return [(start.astimezone(ZoneInfo(zone)).time(), start.utcoffset()) for _, start in found]


def test_monthly_sessions_keep_local_time_across_us_dst():
    """Second Tuesday at 19:00 New York: 00:00 UTC in winter, 23:00 UTC in summer."""
    found = occurrences(
        rule="FREQ=MONTHLY;BYDAY=+2TU",
        starts_on=date(2026, 1, 1),
        at=time(19, 0),
        zone="America/New_York",
        after=datetime(2026, 1, 1, tzinfo=UTC),
        until=datetime(2026, 12, 31, tzinfo=UTC),
    )
    days = [day for day, _ in found]
    assert days[:4] == [date(2026, 1, 13), date(2026, 2, 10), date(2026, 3, 10), date(2026, 4, 14)]
    zone = ZoneInfo("America/New_York")
    assert {start.astimezone(zone).time() for _, start in found} == {time(19, 0)}
    utc_hours = {day: start.hour for day, start in found}
    assert utc_hours[date(2026, 2, 10)] == 0  # EST: 19:00 + 5 h, next day
    assert utc_hours[date(2026, 3, 10)] == 23  # EDT from March 8: 19:00 + 4 h
    assert utc_hours[date(2026, 11, 10)] == 0  # EST again from November 1


def test_weekly_sessions_across_the_european_change():
    """Every Sunday 10:00 London, through the last Sunday of March (clocks go forward
    at 01:00 that very morning)."""
    found = occurrences(
        rule="FREQ=WEEKLY;BYDAY=SU",
        starts_on=date(2026, 3, 1),
        at=time(10, 0),
        zone="Europe/London",
        after=datetime(2026, 3, 1, tzinfo=UTC),
        until=datetime(2026, 4, 10, tzinfo=UTC),
    )
    by_day = {day: start for day, start in found}
    assert by_day[date(2026, 3, 22)].hour == 10  # GMT
    assert by_day[date(2026, 3, 29)].hour == 9  # BST: the change day itself
    assert all(
        start.astimezone(ZoneInfo("Europe/London")).time() == time(10, 0)
        for start in by_day.values()
    )


def test_a_time_in_the_spring_gap_lands_after_it():
    """02:30 does not exist in New York on March 8, 2026: the session is at 03:30 EDT
    (the wall clock's reading), not dropped and not an hour early."""
    found = occurrences(
        rule="FREQ=WEEKLY;BYDAY=SU",
        starts_on=date(2026, 3, 1),
        at=time(2, 30),
        zone="America/New_York",
        after=datetime(2026, 3, 7, tzinfo=UTC),
        until=datetime(2026, 3, 9, 12, tzinfo=UTC),
    )
    assert len(found) == 1
    _, start = found[0]
    assert start == datetime(2026, 3, 8, 7, 30, tzinfo=UTC)
    assert start.astimezone(ZoneInfo("America/New_York")).time() == time(3, 30)


def test_nothing_before_the_first_date():
    found = occurrences(
        rule="FREQ=WEEKLY;BYDAY=MO",
        starts_on=date(2026, 6, 1),
        at=time(9, 0),
        zone="UTC",
        after=datetime(2026, 1, 1, tzinfo=UTC),
        until=datetime(2026, 6, 9, tzinfo=UTC),
    )
    assert [day for day, _ in found] == [date(2026, 6, 1), date(2026, 6, 8)]
