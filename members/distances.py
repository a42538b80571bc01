"""Miles or kilometers: the one rule for how far away someone is, in words.

Hive's members are US clinicians, so distances are in miles for members in the US and
kilometers for members elsewhere (SPEC). Where a member is comes from their profile's
place (its country, US territories included) and, for a member who has not chosen a
place, from their time zone; someone we know nothing about gets miles.
"""

from __future__ import annotations

from hive.timezones import US_TERRITORIES, UTC, is_us_zone

KM_PER_MILE = 1.609344
MILES_COUNTRIES = frozenset(("US", *US_TERRITORIES))


def uses_miles(*, country: str = "", zone: str = "") -> bool:
    """Miles for a member in the US: by their place's country when they chose a place,
    else by their time zone (a zone never chosen, UTC, says nothing: miles)."""
    if country:
        return country in MILES_COUNTRIES
    if zone and zone != UTC:
        return is_us_zone(zone)
    return True


def viewer_uses_miles(user) -> bool:
    """`uses_miles` for a signed-in person: their profile's country (staff may have no
    profile) and their time zone. Reads `user.profile`, so at most one query."""
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return uses_miles(
        country=profile.country if profile is not None else "",
        zone=getattr(user, "timezone", ""),
    )


def distance_phrase(km: float, *, miles: bool) -> str:
    """ "3 miles away", "under 1 mile away" (US members), or in km elsewhere."""
    if miles:
        value = km / KM_PER_MILE
        if value < 1:
            return "under 1 mile away"
        rounded = round(value)
        return f"{rounded} mile away" if rounded == 1 else f"{rounded} miles away"
    return "under 1 km away" if km < 1 else f"{round(km)} km away"
