"""hive/calendar.py: the .ics files every app's dated things are written to."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from hive.calendar import CalendarEntry, calendar_bytes

NEW_YORK = ZoneInfo("America/New_York")


def _entry(**fields):
    start = fields.pop("start", datetime(2026, 3, 9, 19, 0, tzinfo=NEW_YORK))
    return CalendarEntry(
        uid=fields.pop("uid", "event-1@hive"),
        summary=fields.pop("summary", "Peer consultation"),
        start=start,
        end=fields.pop("end", start + timedelta(minutes=90)),
        zone=fields.pop("zone", "America/New_York"),
        **fields,
    )


def test_times_keep_their_zone_with_a_vtimezone_across_dst():
    """The Monday after the March 2026 change: 19:00 in New York is 23:00 UTC (EDT),
    where a week earlier it was 00:00 UTC the next day (EST)."""
    before = _entry(uid="a@hive", start=datetime(2026, 3, 2, 19, 0, tzinfo=NEW_YORK))
    after = _entry(uid="b@hive", start=datetime(2026, 3, 9, 19, 0, tzinfo=NEW_YORK))
    parsed = icalendar.Calendar.from_ical(calendar_bytes([before, after], name="Hive"))
    events = {event["UID"]: event for event in parsed.walk("VEVENT")}
    assert events["a@hive"].decoded("DTSTART").astimezone(UTC).hour == 0
    assert events["b@hive"].decoded("DTSTART").astimezone(UTC).hour == 23
    assert events["b@hive"]["DTSTART"].params["TZID"] == "America/New_York"
    assert [tz["TZID"] for tz in parsed.walk("VTIMEZONE")] == ["America/New_York"]


def test_uid_sequence_and_cancellation_are_written():
    data = calendar_bytes(
        [_entry(sequence=3, cancelled=True, url="http://testserver/events/x/")], name="Hive"
    )
    event = next(iter(icalendar.Calendar.from_ical(data).walk("VEVENT")))
    assert str(event["UID"]) == "event-1@hive"
    assert event["SEQUENCE"] == 3
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["URL"]) == "http://testserver/events/x/"


def test_an_empty_feed_is_a_valid_calendar():
    parsed = icalendar.Calendar.from_ical(calendar_bytes([], name="My Hive calendar"))
    assert str(parsed["X-WR-CALNAME"]) == "My Hive calendar"
    assert list(parsed.walk("VEVENT")) == []
