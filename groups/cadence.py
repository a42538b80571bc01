"""A group's cadence: an RFC 5545 recurrence rule (built and read with python-dateutil)
at a local time in the organizer's time zone, and the sessions it yields.

The rule is stored as its RRULE text ("FREQ=MONTHLY;BYDAY=+2TU"), without a DTSTART:
the start date, local time and zone are the group's own fields, so a rule reads the
same wherever it is shown. Occurrences are computed as wall-clock times in the zone
and only then made aware, which is what keeps "19:00 on the second Tuesday" at 19:00
across a daylight-saving change (adding 30 days of UTC to a session would not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

WEEKLY = "weekly"
FORTNIGHTLY = "fortnightly"
MONTHLY = "monthly"
FREQUENCIES = [
    (WEEKLY, "Every week"),
    (FORTNIGHTLY, "Every other week"),
    (MONTHLY, "Every month"),
]
WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]
# Which weekday of the month, for monthly groups; -1 is the last one.
ORDINALS = [(1, "first"), (2, "second"), (3, "third"), (4, "fourth"), (-1, "last")]
_DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


@dataclass(frozen=True)
class Cadence:
    frequency: str
    weekday: int  # 0 = Monday
    ordinal: int = 1  # monthly only

    def rule(self) -> str:
        """The RRULE text, built by dateutil (so it is one dateutil reads back)."""
        day = rrule.weekday(self.weekday)
        if self.frequency == MONTHLY:
            built = rrule.rrule(rrule.MONTHLY, byweekday=day(self.ordinal))
        elif self.frequency == FORTNIGHTLY:
            built = rrule.rrule(rrule.WEEKLY, interval=2, byweekday=day)
        else:
            built = rrule.rrule(rrule.WEEKLY, byweekday=day)
        # str() gives "DTSTART:…\nRRULE:…"; keep the rule line, without its DTSTART.
        line = next(part for part in str(built).splitlines() if part.startswith("RRULE:"))
        return line.removeprefix("RRULE:")

    def describe(self) -> str:
        day = dict(WEEKDAYS)[self.weekday]
        if self.frequency == MONTHLY:
            return f"Monthly, {dict(ORDINALS)[self.ordinal]} {day}"
        if self.frequency == FORTNIGHTLY:
            return f"Every other {day}"
        return f"Every {day}"


def parse_rule(text: str) -> Cadence:
    """The Cadence an RRULE text of ours stands for (the form's initial values, the
    words on the page). Raises ValueError for a rule we did not write."""
    parts = dict(part.split("=", 1) for part in text.split(";") if "=" in part)
    byday = parts.get("BYDAY", "")
    code = byday[-2:]
    if code not in _DAY_CODES:
        raise ValueError(f"not a cadence rule: {text!r}")
    weekday = _DAY_CODES.index(code)
    if parts.get("FREQ") == "MONTHLY":
        return Cadence(MONTHLY, weekday, int(byday[:-2] or 1))
    if parts.get("FREQ") == "WEEKLY":
        return Cadence(FORTNIGHTLY if parts.get("INTERVAL") == "2" else WEEKLY, weekday)
    raise ValueError(f"not a cadence rule: {text!r}")


def describe_rule(text: str) -> str:
    try:
        return parse_rule(text).describe()
    except ValueError:
        return "On a schedule set by the organizer"


def occurrences(
    *,
    rule: str,
    starts_on: date,
    at: time,
    zone: str,
    after: datetime,
    until: datetime,
) -> list[tuple[date, datetime]]:
    """(local date, aware UTC start) of each occurrence starting after `after` and up
    to `until` (both aware). Wall-clock times in `zone`, then converted: 19:00 stays
    19:00 local on both sides of a DST change. A time that does not exist on the day
    the clocks spring forward (02:30) is read with the offset before the change, so it
    lands an hour later in local time, as the clocks on the wall would show."""
    tz = ZoneInfo(zone)
    dtstart = datetime.combine(starts_on, at)
    # Bound the naive walk a day either side: local and UTC differ by under a day.
    local_after = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    local_until = until.astimezone(tz).replace(tzinfo=None) + timedelta(days=1)
    found = []
    for local in rrule.rrulestr(rule, dtstart=dtstart).between(
        max(local_after, dtstart - timedelta(seconds=1)), local_until, inc=True
    ):
        start = local.replace(tzinfo=tz).astimezone(UTC)
        if after < start <= until:
            found.append((local.date(), start))
    return found
