"""Seats: going, the waitlist in arrival order, automatic promotion, release, capacity."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from events.models import Event, Rsvp
from events.services import (
    RsvpRefused,
    event_cancel,
    event_update,
    rsvp_cancel,
    rsvp_going,
    waitlist_position,
)
from notifications.models import Notification
from tests.events.factories import EventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db
Status = Rsvp.Status


def test_full_event_puts_newcomers_on_the_waitlist_in_arrival_order():
    event = EventFactory(capacity=2)
    people = MemberFactory.create_batch(5)
    answers = [rsvp_going(event=event, user=person) for person in people]
    assert [a.status for a in answers] == [Status.GOING] * 2 + [Status.WAITLISTED] * 3
    assert [waitlist_position(a) for a in answers[2:]] == [1, 2, 3]
    # Asking again changes nothing: still third in line.
    assert waitlist_position(rsvp_going(event=event, user=people[4])) == 3


def test_a_freed_seat_goes_to_the_first_waiting_who_is_told_and_can_release_it():
    event = EventFactory(capacity=1)
    first, second, third = MemberFactory.create_batch(3)
    for person in (first, second, third):
        rsvp_going(event=event, user=person)
    rsvp_cancel(event=event, user=first)
    assert Rsvp.objects.get(event=event, user=second).status == Status.GOING
    assert Rsvp.objects.get(event=event, user=third).status == Status.WAITLISTED
    note = Notification.objects.get(recipient=second, kind="event_seat")
    assert note.url == f"/events/{event.slug}/"
    assert not Notification.objects.filter(recipient=third, kind="event_seat").exists()
    # The promoted member releases the seat: it moves on to the next in line.
    rsvp_cancel(event=event, user=second)
    assert Rsvp.objects.get(event=event, user=third).status == Status.GOING
    assert Notification.objects.filter(recipient=third, kind="event_seat").count() == 1


def test_the_capacity_cannot_drop_below_the_number_going():
    event = EventFactory(capacity=3)
    for person in MemberFactory.create_batch(3):
        rsvp_going(event=event, user=person)
    with pytest.raises(ValidationError) as raised:
        event_update(event=event, editor=event.created_by, changes={"capacity": 2})
    assert "3 members are going" in raised.value.message_dict["capacity"][0]
    event.refresh_from_db()
    assert event.capacity == 3


def test_the_capacity_error_shows_on_the_form_and_keeps_what_was_typed(client):
    event = EventFactory(capacity=2)
    for person in MemberFactory.create_batch(2):
        rsvp_going(event=event, user=person)
    client.force_login(event.created_by)
    form = client.get(f"/events/{event.slug}/edit/").context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"capacity": "1", "title": "A new title typed here", "allowed_tiers": []}
    response = client.post(f"/events/{event.slug}/edit/", data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 members are going, so the capacity cannot be less than 2" in page
    assert "A new title typed here" in page


def test_more_seats_seat_the_waitlist_in_order():
    event = EventFactory(capacity=1)
    people = MemberFactory.create_batch(4)
    for person in people:
        rsvp_going(event=event, user=person)
    event_update(event=event, editor=event.created_by, changes={"capacity": 3})
    statuses = [Rsvp.objects.get(event=event, user=p).status for p in people]
    assert statuses == [Status.GOING, Status.GOING, Status.GOING, Status.WAITLISTED]


def test_rsvps_are_refused_for_a_cancelled_or_finished_event_or_another_tier():
    cancelled = EventFactory()
    event_cancel(event=cancelled, by=cancelled.created_by)
    over = EventFactory(
        starts_at=timezone.now() - timedelta(hours=3), ends_at=timezone.now() - timedelta(hours=1)
    )
    licensed_only = EventFactory(allowed_tiers=["licensed"])
    member = MemberFactory(profile__credential_tier="peer")
    for event in (cancelled, over, licensed_only):
        with pytest.raises(RsvpRefused):
            rsvp_going(event=event, user=member)
    assert not Rsvp.objects.filter(user=member).exists()


def test_cancelling_keeps_the_page_marked_cancelled_and_tells_everyone(client):
    event = EventFactory(capacity=1)
    going, waiting = MemberFactory.create_batch(2)
    rsvp_going(event=event, user=going)
    rsvp_going(event=event, user=waiting)
    client.force_login(event.created_by)
    client.post(f"/events/{event.slug}/cancel/")
    event.refresh_from_db()
    assert event.is_cancelled and event.sequence == 1
    for person in (going, waiting):
        note = Notification.objects.get(recipient=person, kind="event_update")
        assert note.context["change"] == "cancelled"
    client.force_login(going)
    assert "Canceled." in client.get(f"/events/{event.slug}/").content.decode()


def test_only_organizers_edit_cancel_or_manage(client):
    event = EventFactory()
    member = MemberFactory()
    client.force_login(member)
    for url in ("edit/", "manage/", "check-in/", "manage/attendees.csv"):
        assert client.get(f"/events/{event.slug}/{url}").status_code == 404
    assert client.post(f"/events/{event.slug}/cancel/").status_code == 404
    assert not Event.objects.get(pk=event.pk).is_cancelled
