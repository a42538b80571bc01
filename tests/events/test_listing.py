"""The list's paging and bounds (events/listing.py): a page's events are fetched by id
after the page is chosen, and the list starts from events that began at most two weeks
ago, which a database constraint guarantees is every event still on."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.utils import timezone

from events.listing import EventFilters, events_for, events_page
from events.models import Event
from events.services import rsvp_going
from tests.events.factories import EventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_a_later_page_holds_the_next_events_in_order_with_the_viewers_facts():
    now = timezone.now()
    viewer = MemberFactory()
    events = [
        EventFactory(starts_at=now + timedelta(days=1, hours=n), capacity=3) for n in range(25)
    ]
    rsvp_going(event=events[22], user=viewer)
    rsvp_going(event=events[23], user=MemberFactory())
    second = events_page(events_for(viewer, EventFilters()), "2", per_page=20)
    assert [e.pk for e in second.object_list] == [e.pk for e in events[20:]]
    assert (second.number, second.paginator.count, second.paginator.num_pages) == (2, 25, 2)
    facts = {e.pk: (e.going_count, e.my_status) for e in second.object_list}
    assert facts[events[22].pk] == (1, "going")
    assert facts[events[23].pk] == (1, None)
    assert facts[events[24].pk] == (0, None)
    # A page past the end is the last page, as Django's paginator does.
    assert events_page(events_for(viewer, EventFilters()), "9", per_page=20).number == 2
    page = Client()
    page.force_login(viewer)
    body = page.get("/events/?page=2").content.decode()
    assert events[24].title in body and events[0].title not in body


def test_an_event_that_began_almost_two_weeks_ago_and_is_still_on_is_listed():
    now = timezone.now()
    viewer = MemberFactory()
    long = EventFactory(
        title="Two-week intensive",
        starts_at=now - timedelta(days=13),
        ends_at=now + timedelta(hours=20),
    )
    over = EventFactory(title="Yesterday's meetup", starts_at=now - timedelta(days=1, hours=3))
    Event.objects.filter(pk=over.pk).update(ends_at=now - timedelta(days=1))
    listed = [e.pk for e in events_for(viewer, EventFilters())]
    assert long.pk in listed and over.pk not in listed


def test_the_database_refuses_an_event_longer_than_two_weeks():
    event = EventFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(ends_at=event.starts_at + timedelta(days=15))
