"""Time zones every app shares: which IANA names we accept, and their validator.

A member's zone is stored as an IANA name (e.g. "America/Chicago"); the profile,
notification settings and every later form validate against the same list.
"""

from __future__ import annotations

import functools
from zoneinfo import available_timezones

from django.core.exceptions import ValidationError


@functools.cache
def known_timezones() -> frozenset[str]:
    """Every IANA zone name this Python knows (tzdata is a dependency, so it is the same
    list on every machine)."""
    return frozenset(available_timezones())


def validate_timezone(value: str) -> None:
    if value not in known_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know.")
