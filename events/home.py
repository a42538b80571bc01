"""The events app's card on the member home (see hive/home.py): the member's next event
(going, waiting or organizing), or an invitation to browse. One query."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest
from django.utils import timezone

from events.models import Event, Organizer, Rsvp
from hive.home import HomeCard


def home_cards(request: HttpRequest) -> list[HomeCard]:
    user = request.user
    waiting = Exists(
        Rsvp.objects.filter(event=OuterRef("pk"), user=user, status=Rsvp.Status.WAITLISTED)
    )
    going = Exists(Rsvp.objects.filter(event=OuterRef("pk"), user=user, status=Rsvp.Status.GOING))
    organizing = Exists(Organizer.objects.filter(event=OuterRef("pk"), user=user))
    event = (
        Event.objects.visible_to(user)
        .filter(ends_at__gt=timezone.now(), cancelled_at__isnull=True)
        .filter(Q(going) | Q(organizing) | Q(waiting))
        .annotate(waitlisted=waiting)
        .order_by("starts_at", "pk")
        .first()
    )
    context = {"event": event, "waitlisted": bool(event and event.waitlisted)}
    return [HomeCard("events/home/next_event.html", context, order=40)]
