""" "Remind me to follow up in N weeks": one reminder per pair whichever page set it, due
on the member's own date, one note on the day naming everyone due (from 8 a.m. their
time, once), and private to the member who set it."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from members import network, services
from members.models import Block, FollowUp
from notifications.models import Notification
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")


def _post(client, other, **data):
    url = reverse("members:follow_up", args=[other.profile.handle])
    return client.post(url, {"weeks": 3, **data})


@pytest.fixture
def me(client):
    user = MemberFactory(timezone="America/Chicago")
    client.force_login(user)
    return user


def test_setting_a_reminder_from_any_page_comes_back_to_it(client, me):
    other = MemberFactory()
    response = _post(client, other, next="/events/some-workshop/", source="event", about="CE")
    assert response.status_code == 302 and response["Location"] == "/events/some-workshop/"
    row = FollowUp.objects.get()
    today = timezone.now().astimezone(CHICAGO).date()
    assert (row.owner, row.other, row.source, row.about) == (me, other, "event", "CE")
    assert row.due_on == today + timedelta(weeks=3)
    # A `next` that leaves the site is ignored: back to /network/.
    response = _post(client, other, next="//evil.example/")
    assert response["Location"] == reverse("members:network")
    page = client.get(reverse("members:network")).content.decode()
    assert "Follow-up reminders" in page and other.profile.display_name in page


def test_setting_it_again_moves_the_date_and_keeps_one_reminder(me):
    other = MemberFactory()
    services.follow_up_set(owner=me, other=other, weeks=2, source="coffee")
    services.follow_up_set(owner=me, other=other, weeks=6, source="event")
    row = FollowUp.objects.get()
    assert row.source == "event"
    assert row.due_on == timezone.now().astimezone(CHICAGO).date() + timedelta(weeks=6)


def test_bad_weeks_and_unreachable_people_change_nothing(client, me):
    other = MemberFactory()
    response = _post(client, other, weeks=40)
    assert response.status_code == 302
    assert not FollowUp.objects.exists()
    with pytest.raises(ValidationError):
        services.follow_up_set(owner=me, other=other, weeks=0)
    Block.objects.create(blocker=other, blocked=me)
    assert _post(client, other).status_code == 404
    with pytest.raises(services.NotAvailable):
        services.follow_up_set(owner=me, other=me, weeks=2)
    assert not FollowUp.objects.exists()


def test_only_the_owner_can_remove_a_reminder(client, me):
    theirs = services.follow_up_set(owner=MemberFactory(), other=me, weeks=2)
    mine = services.follow_up_set(owner=me, other=MemberFactory(), weeks=2)
    url = reverse("members:follow_up_cancel", args=[theirs.pk])
    assert client.post(url).status_code == 404
    assert client.get(reverse("members:follow_up_cancel", args=[mine.pk])).status_code == 405
    assert client.post(reverse("members:follow_up_cancel", args=[mine.pk])).status_code == 302
    assert list(FollowUp.objects.all()) == [theirs]
    # Theirs is about me, but I never see it.
    page = client.get(reverse("members:network")).content.decode()
    assert url not in page and theirs.owner.profile.display_name not in page


def _at_chicago(hour: int, day: date) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHICAGO)


def test_one_note_on_the_day_from_8_am_their_time_naming_everyone_once(me):
    ana, ben, gone = MemberFactory(), MemberFactory(), MemberFactory()
    for other in (ana, ben, gone):
        services.follow_up_set(owner=me, other=other, weeks=1)
    later = services.follow_up_set(owner=me, other=MemberFactory(), weeks=4)
    Block.objects.create(blocker=gone, blocked=me)  # since then, gone from my view
    due = FollowUp.objects.get(other=ana).due_on

    assert network.follow_ups_remind_send(now=_at_chicago(7, due)) == 0
    assert network.follow_ups_remind_send(now=_at_chicago(8, due)) == 1
    assert network.follow_ups_remind_send(now=_at_chicago(9, due)) == 0  # once
    note = Notification.objects.get(recipient=me, kind="follow_up_due")
    names = [person["name"] for person in note.context["people"]]
    assert names == [ana.profile.display_name, ben.profile.display_name]
    assert gone.profile.display_name not in str(note.context)
    # The blocked one is closed without a word; the later one waits for its own day.
    assert FollowUp.objects.pending().get() == later
    assert network.follow_ups_remind_send(now=_at_chicago(8, later.due_on)) == 1
    assert Notification.objects.filter(recipient=me, kind="follow_up_due").count() == 2


def test_the_day_is_the_members_own_date_not_utcs(me):
    other = MemberFactory()
    row = services.follow_up_set(owner=me, other=other, weeks=1)
    # 03:00 UTC on the due date is still the evening before in Chicago.
    early = datetime(row.due_on.year, row.due_on.month, row.due_on.day, 3, tzinfo=ZoneInfo("UTC"))
    assert network.follow_ups_remind_send(now=early) == 0
    assert not Notification.objects.exists()


def test_network_page_queries_do_not_grow_with_reminders(client):
    counts = []
    for n in (1, 20):
        owner = MemberFactory()
        for _ in range(n):
            services.follow_up_set(owner=owner, other=MemberFactory(), weeks=2)
        client.force_login(owner)
        with CaptureQueriesContext(db) as queries:
            response = client.get(reverse("members:network"))
        assert response.content.decode().count('action="/network/follow-ups/') == n
        counts.append(len(queries))
    assert counts[0] == counts[1]
