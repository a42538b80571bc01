"""The events demo: every type, past and upcoming, some full with a waitlist, and the
member login's certificate and own event."""

import pytest
from django.test import Client
from django.utils import timezone

from events.models import Event, Rsvp
from hive.demo import DEMO_LOGINS, DemoContext, demo_seed
from members.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_has_what_the_issue_promises():
    demo_seed(DemoContext(members=40, seed=3))
    now = timezone.now()
    assert set(Event.objects.values_list("kind", flat=True)) == set(Event.Kind.values)
    assert Event.objects.filter(ends_at__lt=now).exists()
    assert Event.objects.filter(starts_at__gt=now).exists()
    assert Rsvp.objects.filter(status=Rsvp.Status.WAITLISTED).exists()
    member = User.objects.get(email=DEMO_LOGINS["member"])
    attended = Event.objects.get(
        rsvps__user=member, rsvps__checked_in_at__isnull=False, kind="ce_workshop"
    )
    client = Client()
    client.force_login(member)
    response = client.get(f"/events/{attended.slug}/certificate.pdf")
    assert response.status_code == 200
    assert Event.objects.filter(created_by=member, starts_at__gt=now).exists()
    assert "Your next event" in client.get("/").content.decode()
