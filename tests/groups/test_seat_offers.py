"""A freed seat offers itself to the waitlist (issue 14): the first in line is told and
the seat is held for them for 48 hours; they take it or pass, and if they let the time
run out the beat task gives it to the next. Each offer and each lapse is told once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from groups import services, tasks
from groups.models import Membership
from members.models import Block
from notifications.models import Notification
from tests.groups.factories import make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

LATER = timedelta(hours=services.SEAT_OFFER_HOURS, minutes=1)


def _status(group, user) -> str:
    return Membership.objects.get(group=group, member=user).status


def _full_group_with_waitlist(waiting: int = 2):
    """An open group of 3, full (organizer + two), with `waiting` people in line."""
    group = make_group(capacity=3)
    seated = [services.group_join(group=group, member=MemberFactory()).member for _ in range(2)]
    line = [services.group_join(group=group, member=MemberFactory()).member for _ in range(waiting)]
    assert all(_status(group, person) == "waitlisted" for person in line)
    return group, seated, line


def _seat_notes(user):
    return list(Notification.objects.filter(recipient=user, kind="group_seat").order_by("pk"))


def test_a_freed_seat_is_offered_to_the_first_in_line_and_held_for_48_hours():
    group, seated, (first, second) = _full_group_with_waitlist()
    before = timezone.now()
    services.membership_leave(group=group, member=seated[0])
    offer = Membership.objects.get(group=group, member=first)
    assert offer.status == "offered"
    held = offer.offer_expires_at - before
    assert timedelta(hours=47, minutes=59) < held <= timedelta(hours=48, minutes=1)
    # Told once, with the deadline; the second in line is not told anything.
    (note,) = _seat_notes(first)
    assert note.context["expires_at"] == offer.offer_expires_at.isoformat()
    assert "take it by" in note.in_app_text()
    assert _seat_notes(second) == [] and _status(group, second) == "waitlisted"
    # The held seat counts as taken: a newcomer joins the waitlist, not the seat.
    assert services.group_join(group=group, member=MemberFactory()).status == "waitlisted"


def test_taking_the_offered_seat_seats_them():
    group, seated, (first, _) = _full_group_with_waitlist()
    services.membership_leave(group=group, member=seated[0])
    membership = services.seat_offer_answer(group=group, member=first, accept=True)
    assert membership.status == "active" and membership.offer_expires_at is None
    assert Membership.objects.filter(group=group).active().count() == 3


def test_passing_offers_the_seat_to_the_next():
    group, seated, (first, second) = _full_group_with_waitlist()
    services.membership_leave(group=group, member=seated[0])
    services.seat_offer_answer(group=group, member=first, accept=False)
    assert _status(group, first) == "left"
    assert _status(group, second) == "offered"
    assert len(_seat_notes(second)) == 1
    # Passing is their own choice: no "your time ran out" note for them.
    assert len(_seat_notes(first)) == 1


def test_an_offer_nobody_answers_lapses_and_goes_to_the_next_exactly_once():
    group, seated, (first, second) = _full_group_with_waitlist()
    services.membership_leave(group=group, member=seated[0])
    # Before the deadline the sweep leaves it alone.
    assert services.seat_offers_expire(now=timezone.now() + timedelta(hours=47)) == 0
    assert _status(group, first) == "offered"
    later = timezone.now() + LATER
    assert services.seat_offers_expire(now=later) == 1
    assert _status(group, first) == "left"
    assert _status(group, second) == "offered"
    lapsed = [n for n in _seat_notes(first) if n.context.get("lapsed")]
    assert len(lapsed) == 1 and "went to the next person" in lapsed[0].in_app_text()
    # The next offer runs from the sweep's clock: 48 hours for them too.
    offer = Membership.objects.get(group=group, member=second)
    assert offer.offer_expires_at == later + timedelta(hours=services.SEAT_OFFER_HOURS)
    # A retried sweep (the same moment) changes and sends nothing more.
    assert services.seat_offers_expire(now=later) == 0
    assert len(_seat_notes(first)) == 2 and len(_seat_notes(second)) == 1


def test_the_task_and_its_schedule():
    group, seated, (first,) = _full_group_with_waitlist(1)
    services.membership_leave(group=group, member=seated[0])
    Membership.objects.filter(group=group, member=first).update(
        offer_expires_at=timezone.now() - timedelta(minutes=1)
    )
    assert tasks.expire_seat_offers() == 1
    assert _status(group, first) == "left"
    entry = settings.CELERY_BEAT_SCHEDULE["groups-expire-seat-offers"]
    assert entry["task"] == "groups.expire_seat_offers"


def test_an_offer_whose_time_ran_out_cannot_be_taken():
    group, seated, (first,) = _full_group_with_waitlist(1)
    services.membership_leave(group=group, member=seated[0])
    Membership.objects.filter(group=group, member=first).update(
        offer_expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ValidationError, match="passed"):
        services.seat_offer_answer(group=group, member=first, accept=True)
    assert _status(group, first) == "offered"  # the sweep lapses it, once
    assert services.seat_offers_expire() == 1


def test_someone_who_may_not_be_grouped_with_a_member_is_skipped():
    group, seated, (first, second) = _full_group_with_waitlist()
    Block.objects.create(blocker=seated[1], blocked=first)
    services.membership_leave(group=group, member=seated[0])
    assert _status(group, first) == "waitlisted"
    assert _status(group, second) == "offered"
    assert _seat_notes(first) == []


def test_a_block_made_while_the_offer_waits_ends_it_neutrally():
    group, seated, (first, second) = _full_group_with_waitlist()
    services.membership_leave(group=group, member=seated[0])
    Block.objects.create(blocker=first, blocked=seated[1])
    membership = services.seat_offer_answer(group=group, member=first, accept=True)
    assert membership.status == "left"
    assert _status(group, second) == "offered"


def test_a_larger_group_offers_its_new_seats_and_cannot_shrink_below_its_people():
    group, _, (first, second) = _full_group_with_waitlist()
    services.group_update(group=group, by=group.organizer, capacity=5)
    assert (_status(group, first), _status(group, second)) == ("offered", "offered")
    group.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.group_update(group=group, by=group.organizer, capacity=4)
    assert "5 seats are taken" in str(refused.value)


def test_a_removal_offers_the_seat_and_removing_an_offered_member_offers_it_on():
    group, seated, (first, second) = _full_group_with_waitlist()
    gone = Membership.objects.get(group=group, member=seated[0])
    services.membership_remove(group=group, by=group.organizer, membership=gone, note="")
    assert _status(group, first) == "offered"
    offered = Membership.objects.get(group=group, member=first)
    services.membership_remove(group=group, by=group.organizer, membership=offered, note="")
    assert _status(group, second) == "offered"


def test_the_pages(client):
    """The member offered a seat sees the deadline and takes it from the group's page;
    the organizer sees the seat is offered; the home card says it waits."""
    group, seated, (first,) = _full_group_with_waitlist(1)
    services.membership_leave(group=group, member=seated[0])
    client.force_login(first)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "held for you" in page and "Take the seat" in page
    assert f"A seat in {group.name} is held for you" in client.get("/").content.decode()
    response = client.post(f"/groups/{group.slug}/seat/", {"action": "accept"})
    assert response.status_code == 302 and response.url.endswith("/agreement/")
    assert _status(group, first) == "active"
    # Nothing more to answer: a second post says so, without an error page.
    response = client.post(f"/groups/{group.slug}/seat/", {"action": "accept"}, follow=True)
    assert "no seat waiting for you" in response.content.decode()


def test_the_organizer_sees_whom_a_seat_is_held_for(client):
    group, seated, (first,) = _full_group_with_waitlist(1)
    first.profile.display_name = "Wren Waiting"
    first.profile.save()
    services.membership_leave(group=group, member=seated[0])
    client.force_login(group.organizer)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Wren Waiting" in page and "Seat offered" in page and "held until" in page


def test_passing_from_the_page(client):
    group, seated, (first, second) = _full_group_with_waitlist()
    services.membership_leave(group=group, member=seated[0])
    client.force_login(first)
    client.post(f"/groups/{group.slug}/seat/", {"action": "pass"})
    assert _status(group, first) == "left" and _status(group, second) == "offered"


def test_a_member_erased_from_hive_frees_their_seat_for_the_waitlist():
    from groups.personal_data import erase_data

    group, seated, (first,) = _full_group_with_waitlist(1)
    erase_data(seated[0])
    assert _status(group, first) == "offered"


def test_the_list_and_the_page_count_an_offered_seat_as_taken(client):
    group, seated, _ = _full_group_with_waitlist(1)
    services.membership_leave(group=group, member=seated[0])
    client.force_login(MemberFactory())
    assert "None for now" in client.get("/groups/").content.decode()
    assert "Join the waitlist" in client.get(f"/groups/{group.slug}/").content.decode()
