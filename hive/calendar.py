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
    """An iCalendar file of these entries, with a VTIMEZONE for each zone used."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    now = timezone.now()
    first_year = None
    for entry in entries:
        zone = ZoneInfo(entry.zone)
        event = icalendar.Event()
        event.add("uid", entry.uid)
        event.add("summary", entry.summary)
        event.add("dtstart", entry.start.astimezone(zone))
        event.add("dtend", entry.end.astimezone(zone))
        event.add("dtstamp", (entry.updated or now).astimezone(UTC))
        event.add("sequence", entry.sequence)
        event.add("status", "CANCELLED" if entry.cancelled else "CONFIRMED")
        if entry.location:
            event.add("location", entry.location)
        if entry.description:
            event.add("description", entry.description)
        if entry.url:
            event.add("url", entry.url)
        calendar.add_component(event)
        year = entry.start.year
        first_year = year if first_year is None else min(first_year, year)
    # Only the transitions around the entries' years: a small file, correct across DST.
    if first_year is not None:
        calendar.add_missing_timezones(
            first_date=date(first_year - 1, 1, 1), last_date=date(first_year + 11, 1, 1)
        )
    return calendar.to_ical()


def member_calendar_entries(user) -> list[CalendarEntry]:
    """Everything of `user`'s from every app's calendar module, soonest first."""
    entries = [
        entry for module in app_modules(CALENDAR_MODULE) for entry in module.calendar_entries(user)
    ]
    return sorted(entries, key=lambda entry: (entry.start, entry.uid))
