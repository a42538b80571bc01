"""Calendar files (.ics): one event's file, and a member's private feed, which gathers
every app's dated things.

An app with dated things (events, group sessions, coffee dates) provides
`<app>/calendar.py` with

    calendar_entries(user) -> Iterable[CalendarEntry]

the things of `user`'s that belong in their private feed: only what they may see, with
details (a link, a venue note) only where they are entitled to them. The feed and each
per-item file are written by `calendar_bytes`, built with icalendar: a TZID with its
VTIMEZONE for the zone each thing is scheduled in, so times stay right across DST,
stable UIDs, SEQUENCE bumped by the app when a thing changes, STATUS:CANCELLED when it
is called off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import icalendar
from django.utils import timezone

from hive.plugins import app_modules

CALENDAR_MODULE = "calendar"
PRODID = "-//Hive//Hive calendar//EN"


@dataclass(frozen=True)
class CalendarEntry:
    uid: str  # stable and unique across Hive, e.g. "event-42@hive"
    summary: str
    start: datetime  # aware
    end: datetime  # aware
    zone: str  # the IANA zone it is scheduled in (its TZID)
    sequence: int = 0  # bump on every change members should see
    cancelled: bool = False
    location: str = ""
    description: str = ""
    url: str = ""  # an absolute URL (hive.http.absolute_url): calendar apps open it
    updated: datetime | None = None  # when it last changed (DTSTAMP), else now


def calendar_bytes(entries: Iterable[CalendarEntry], *, name: str) -> bytes:
    """An iCalendar file of these entries, with a VTIMEZONE for each zone used.

    Each entry's VEVENT and each zone's VTIMEZONE are written once per process and kept
    (`_event_bytes`, `_timezone_bytes`): building them with icalendar costs ~0.5 ms an
    entry and ~10 ms a zone, so a feed of 200 events cost ~150 ms per request. The keys
    are the whole entry (or zone and years), so a change to anything an entry says is a
    new key: nothing can be served stale, and the bytes are exactly what icalendar
    writes for the whole calendar at once (tests/hive/test_calendar.py compares them)."""
    now = timezone.now()
    events, zones, first_year = [], set(), None
    for entry in entries:
        # An entry without `updated` is stamped now: different bytes every time.
        events.append(_event_bytes(entry) if entry.updated else _write_event(entry, now))
        zones.add(entry.zone)
        year = entry.start.year
        first_year = year if first_year is None else min(first_year, year)
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    head = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert head.endswith(end)
    # Only the transitions around the entries' years: a small file, correct across DST.
    timezones = (
        [_timezone_bytes(zone, first_year) for zone in sorted(zones - {"UTC"})]
        if first_year is not None
        else []
    )
    return b"".join([head[: -len(end)], *timezones, *events, end])


@lru_cache(maxsize=8192)
def _event_bytes(entry: CalendarEntry) -> bytes:
    return _write_event(entry, entry.updated)


def _write_event(entry: CalendarEntry, stamp: datetime) -> bytes:
    """One entry's VEVENT, as icalendar writes it."""
    zone = ZoneInfo(entry.zone)
    event = icalendar.Event()
    event.add("uid", entry.uid)
    event.add("summary", entry.summary)
    event.add("dtstart", entry.start.astimezone(zone))
    event.add("dtend", entry.end.astimezone(zone))
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", entry.sequence)
    event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
    if entry.location:
        event.add("location", entry.location)
    if entry.description:
        event.add("description", entry.description)
    if entry.url:
        event.add("url", entry.url)
    return event.to_ical()


@lru_cache(maxsize=512)
def _timezone_bytes(zone: str, first_year: int) -> bytes:
    """The VTIMEZONE of `zone` with its transitions from the year before `first_year`
    to ten years after it (b"" for a zone icalendar does not know, as it skips those)."""
    try:
        component = icalendar.Timezone.from_tzid(
            zone, first_date=date(first_year - 1, 1, 1), last_date=date(first_year + 11, 1, 1)
        )
    except ValueError:
        return b""
    return component.to_ical()


def member_calendar_entries(user) -> list[CalendarEntry]:
    """Everything of `user`'s from every app's calendar module, soonest first."""
    entries = [
        entry for module in app_modules(CALENDAR_MODULE) for entry in module.calendar_entries(user)
    ]
    return sorted(entries, key=lambda entry: (entry.start, entry.uid))
