"""Per-member browsing limits on the directory and on profiles (anti-scraping)."""

import pytest
from django.urls import reverse

from members import ratelimit
from tests.members.factories import MemberFactory


@pytest.fixture
def small_limits(settings):
    settings.HIVE_BROWSING_LIMITS = {"directory": 3, "profile": 2}


@pytest.fixture
def clock(monkeypatch):
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


def test_directory_says_slow_down_after_the_limit_and_recovers(client, member, small_limits, clock):
    client.force_login(member)
    assert [client.get("/directory/").status_code for _ in range(3)] == [200, 200, 200]
    slowed = client.get("/directory/")
    assert slowed.status_code == 429
    assert "Slow down a little" in slowed.content.decode()
    assert 1 <= int(slowed["Retry-After"]) <= 60
    clock[0] += 60  # the next minute
    assert client.get("/directory/").status_code == 200


def test_profile_views_are_limited_per_member_not_globally(client, small_limits, clock, db):
    viewer, other_viewer, owner = MemberFactory(), MemberFactory(), MemberFactory()
    url = reverse("members:profile", args=[owner.profile.handle])
    client.force_login(viewer)
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
    client.force_login(other_viewer)
    assert client.get(url).status_code == 200  # someone else's budget is their own
    # The directory has its own budget.
    client.force_login(viewer)
    assert client.get("/directory/").status_code == 200


def test_limits_let_browsing_through_when_the_cache_is_down(
    client, member, small_limits, monkeypatch
):
    monkeypatch.setattr(ratelimit.cache, "incr", lambda key: None)  # what an outage returns
    client.force_login(member)
    assert {client.get("/directory/").status_code for _ in range(5)} == {200}
