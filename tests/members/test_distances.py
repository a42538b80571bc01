"""members.distances: miles for members in the US, kilometers elsewhere (SPEC)."""

import pytest

from members.distances import distance_phrase, uses_miles, viewer_uses_miles
from tests.members.factories import MemberFactory, ProfileFactory, StaffFactory


@pytest.mark.parametrize(
    "country, zone, miles",
    [
        ("US", "", True),
        ("US", "Europe/Paris", True),  # the place says more than a travelling laptop
        ("PR", "", True),  # US territories too
        ("CA", "America/New_York", False),
        ("GB", "", False),
        ("", "America/Denver", True),
        ("", "US/Pacific", True),  # an alias of a US zone
        ("", "America/Mexico_City", False),
        ("", "Asia/Tokyo", False),
        ("", "UTC", True),  # never chosen: Hive's members are in the US
        ("", "", True),
    ],
)
def test_the_rule(country, zone, miles):
    assert uses_miles(country=country, zone=zone) is miles


@pytest.mark.django_db
def test_a_viewer_is_judged_by_profile_then_zone():
    member = MemberFactory(timezone="Europe/Berlin", profile=None)
    assert viewer_uses_miles(member) is False  # no profile: the zone decides
    ProfileFactory(user=member, country="US")
    member.refresh_from_db()
    assert viewer_uses_miles(member) is True
    assert viewer_uses_miles(StaffFactory()) is True


def test_phrases():
    assert distance_phrase(8.05, miles=True) == "5 miles away"
    assert distance_phrase(1.7, miles=True) == "1 mile away"
    assert distance_phrase(0.5, miles=True) == "under 1 mile away"
    assert distance_phrase(8.05, miles=False) == "8 km away"
    assert distance_phrase(0.5, miles=False) == "under 1 km away"
