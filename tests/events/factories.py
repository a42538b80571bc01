"""factory_boy factories for events: an event (its creator organizes it) and RSVPs."""

from datetime import timedelta

import factory
from django.utils import timezone

from events.models import Event, Organizer, Rsvp
from tests.members.factories import MemberFactory


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    kind = Event.Kind.MEETUP
    title = factory.Sequence(lambda n: f"Consultation meetup {n}")
    description = "Bring a question about your practice."
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    timezone = "America/Los_Angeles"
    place_name = "Oakland"
    place_region = "CA"
    latitude = 37.80437
    longitude = -122.2708
    online_url = ""
    venue_notes = "Suite 300, ring the bell"
    capacity = 10
    created_by = factory.SubFactory(MemberFactory)

    @factory.post_generation
    def organizer(self, create, extracted, **kwargs):
        if create:
            Organizer.objects.create(event=self, user=self.created_by)


class OnlineEventFactory(EventFactory):
    place_name = ""
    place_region = ""
    latitude = None
    longitude = None
    venue_notes = ""
    online_url = "https://meet.example.org/secret-room-4821"


class CeWorkshopFactory(OnlineEventFactory):
    kind = Event.Kind.CE_WORKSHOP
    title = factory.Sequence(lambda n: f"Ethics in telehealth {n}")
    ce_hours = 3
    approving_body = "NASW California Chapter"


class RsvpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rsvp

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(MemberFactory)
    status = Rsvp.Status.GOING
    going_since = factory.LazyFunction(timezone.now)
