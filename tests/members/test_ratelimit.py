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


@pytest.mark.parametrize("page", ["directory", "profile"])
def test_the_limit_holds_for_the_whole_minute(client, member, small_limits, clock, page):
    """Pages opened across a minute count together: once the minute's budget is spent,
    the member is still slowed down 59 seconds after the minute began (and told how
    many seconds are left), and gets in again as soon as the next minute starts."""
    start = clock[0]
    assert start % 60 == 0  # the clock starts a minute; the window is a fixed minute
    limit = {"directory": 3, "profile": 2}[page]
    url = (
        reverse("members:directory")
        if page == "directory"
        else reverse("members:profile", args=[MemberFactory().profile.handle])
    )
    client.force_login(member)
    for n in range(limit):  # spread over the minute, not all at once
        clock[0] = start + 20 * n
        assert client.get(url).status_code == 200, f"refused {20 * n} s into the minute"
    for elapsed in (40, 58.5, 59):
        clock[0] = start + elapsed
        slowed = client.get(url)
        assert slowed.status_code == 429, f"let through {elapsed} s into the minute"
        assert int(slowed["Retry-After"]) == max(1, int(60 - elapsed)), elapsed
    clock[0] = start + 60
    assert client.get(url).status_code == 200, "still slowed down in the next minute"


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
