"""When a member is free for coffee, and the times two members share: pure functions, no
database.

Availability is a set of slots, a weekday and a time window ("tue-morning"), in the
member's own time zone: a grid of checkboxes is quick to fill in, works without
JavaScript and is enough to suggest a time. Two members' slots are turned into real
moments for the days ahead, each in its owner's zone, and intersected, so a Chicago
"morning" and a New York "morning" overlap from 9 to 11 New York time, and a date
that crosses a change of the clocks still lands on the right hour.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Window:
    code: str
    start: time
    end: time
    label: str  # "Morning"
    hours: str  # "8–11 a.m."


DAYS: tuple[tuple[str, str], ...] = (
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
)
WINDOWS: tuple[Window, ...] = (
    Window("morning", time(8), time(11), "Morning", "8–11 a.m."),
    Window("midday", time(11), time(14), "Midday", "11 a.m.–2 p.m."),
    Window("afternoon", time(14), time(17), "Afternoon", "2–5 p.m."),
    Window("evening", time(17), time(20), "Evening", "5–8 p.m."),
)
_WINDOW = {window.code: window for window in WINDOWS}
_WEEKDAY = {code: index for index, (code, _) in enumerate(DAYS)}
SLOTS: tuple[str, ...] = tuple(f"{day}-{window.code}" for day, _ in DAYS for window in WINDOWS)
_KNOWN = frozenset(SLOTS)
# A suggested time is at least this long, and at least this far ahead, so nobody is
# offered a slot that is about to end or starts before they could read the note.
MIN_LENGTH = timedelta(minutes=45)
NOTICE = timedelta(hours=12)


def validate_slots(value) -> None:
    """A list of distinct known slot codes (the model field's validator)."""
    if not isinstance(value, list) or not all(isinstance(slot, str) for slot in value):
        raise ValidationError("Availability is a list of days and times.")
    unknown = sorted(set(value) - _KNOWN)
    if unknown:
        raise ValidationError(f"Unknown times: {', '.join(unknown)}.")
    if len(set(value)) != len(value):
        raise ValidationError("A time is listed twice.")


def ordered(slots: Iterable[str]) -> list[str]:
    """Slots in week order (Monday morning first), unknown codes dropped."""
    chosen = set(slots)
    return [slot for slot in SLOTS if slot in chosen]


def describe(slots: Iterable[str]) -> list[str]:
    """ "Tuesday: morning, evening" per day with a slot, in week order."""
    chosen = set(slots)
    lines = []
    for day, day_label in DAYS:
        windows = [w.label.lower() for w in WINDOWS if f"{day}-{w.code}" in chosen]
        if windows:
            lines.append(f"{day_label}: {', '.join(windows)}")
    return lines


def _moment(day: date, clock: time, zone: ZoneInfo) -> datetime:
    # fold=0: an ambiguous wall time (autumn) is its first occurrence; a time in the
    # spring gap lands after it. The windows (8:00-20:00) avoid both in practice.
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def intervals(
    slots: Iterable[str], zone: ZoneInfo, *, start: datetime, days: int
) -> list[tuple[datetime, datetime]]:
    """The member's free intervals (UTC, sorted, merged when they touch) from `start`
    for `days` days, each slot read on the local calendar of `zone`."""
    chosen = [slot.split("-", 1) for slot in set(slots) if slot in _KNOWN]
    first = start.astimezone(zone).date() - timedelta(days=1)
    found = []
    for offset in range(days + 2):
        day = first + timedelta(days=offset)
        for weekday, window in chosen:
            if _WEEKDAY[weekday] == day.weekday():
                spec = _WINDOW[window]
                found.append((_moment(day, spec.start, zone), _moment(day, spec.end, zone)))
    found.sort()
    merged: list[tuple[datetime, datetime]] = []
    for begin, end in found:
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def overlap(
    a: Sequence[tuple[datetime, datetime]], b: Sequence[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    """The intersection of two sorted lists of disjoint intervals."""
    found = []
    i = j = 0
    while i < len(a) and j < len(b):
        begin = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if begin < end:
            found.append((begin, end))
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return found


def suggested_times(
    a_slots: Iterable[str],
    a_zone: ZoneInfo,
    b_slots: Iterable[str],
    b_zone: ZoneInfo,
    *,
    after: datetime,
    days: int = 14,
    limit: int = 3,
) -> list[tuple[datetime, datetime]]:
    """Up to `limit` times both are free, from NOTICE after `after` over `days` days:
    the earliest on different days first (choices, not three slots of one morning),
    each at least MIN_LENGTH long. UTC; shown in each member's own zone."""
    earliest = after + NOTICE
    shared = overlap(
        intervals(a_slots, a_zone, start=after, days=days),
        intervals(b_slots, b_zone, start=after, days=days),
    )
    usable = []
    for begin, end in shared:
        begin = max(begin, earliest)
        if end - begin >= MIN_LENGTH and begin < after + timedelta(days=days):
            usable.append((begin, end))
    picked: list[tuple[datetime, datetime]] = []
    days_taken: set[date] = set()
    for begin, end in usable:
        if begin.date() not in days_taken:
            picked.append((begin, end))
            days_taken.add(begin.date())
        if len(picked) == limit:
            return sorted(picked)
    for interval in usable:
        if interval not in picked:
            picked.append(interval)
        if len(picked) == limit:
            break
    return sorted(picked)
