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


def test_the_kept_pieces_write_exactly_what_icalendar_writes_for_the_whole_file():
    """calendar_bytes keeps each VEVENT and VTIMEZONE it wrote (a feed of 200 events
    took ~150 ms to build whole): the file must be byte for byte the one icalendar
    writes in one go, and a changed entry must not come back as it was."""
    from datetime import date

    stamp = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    entries = [
        _entry(uid="a@hive", sequence=2, location="Oakland, CA", updated=stamp),
        _entry(
            uid="b@hive",
            start=datetime(2027, 10, 31, 9, 0, tzinfo=ZoneInfo("Europe/London")),
            zone="Europe/London",
            description="Bring a case.\n\nhttp://testserver/events/b/",
            url="http://testserver/events/b/",
            cancelled=True,
            updated=stamp,
        ),
        _entry(uid="c@hive", zone="America/Chicago", summary="A long title " * 8, updated=stamp),
    ]
    reference = icalendar.Calendar()
    for key, value in (
        ("prodid", "-//Hive//Hive calendar//EN"),
        ("version", "2.0"),
        ("calscale", "GREGORIAN"),
        ("method", "PUBLISH"),
        ("x-wr-calname", "Hive"),
    ):
        reference.add(key, value)
    for entry in entries:
        zone = ZoneInfo(entry.zone)
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("summary", entry.summary)
        event.add("dtstart", entry.start.astimezone(zone))
        event.add("dtend", entry.end.astimezone(zone))
        event.add("dtstamp", stamp)
        event.add("sequence", entry.sequence)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        for key in ("location", "description", "url"):
            if getattr(entry, key):
                event.add(key, getattr(entry, key))
        reference.add_component(event)
    for position, zone in enumerate(sorted({e.zone for e in entries})):
        reference.subcomponents.insert(
            position,
            icalendar.Timezone.from_tzid(
                zone, first_date=date(2025, 1, 1), last_date=date(2037, 1, 1)
            ),
        )
    assert calendar_bytes(entries, name="Hive") == reference.to_ical()
    assert calendar_bytes(entries, name="Hive") == reference.to_ical()  # from the kept pieces

    changed = _entry(
        uid="c@hive", zone="America/Chicago", summary="A long title " * 8, sequence=1, updated=stamp
    )
    moved = [entries[0], entries[1], changed]
    body = calendar_bytes(moved, name="Hive").decode()
    assert "SEQUENCE:1" in body.split("UID:c@hive")[1]
