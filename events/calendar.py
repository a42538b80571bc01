"""Events in calendar files: one event's .ics (/events/<slug>/calendar.ics) and the
events part of a member's private feed (hive.calendar gathers it).

The online link and the venue notes go only into the files of members going: a
calendar entry is as easy to forward as an email.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from events.models import Event, Organizer, Rsvp
from hive.calendar import CalendarEntry
from hive.http import absolute_url

FEED_PAST_DAYS = 90
ENTRY_FIELDS = (
    "slug",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "place_name",
    "place_region",
    "online_url",
    "venue_notes",
    "cancelled_at",
    "sequence",
    "updated_at",
)


def event_entry(event: Event, *, with_details: bool, page: str = "") -> CalendarEntry:
    """The calendar entry of `event`; `with_details` (the viewer is going) adds the
    online link and the venue notes. `page` is the event's absolute address, when the
    caller already has it."""
    lines = []
    location = event.place_label if event.place_name else "Online"
    if with_details:
        if event.online_url:
            lines.append(f"Join online: {event.online_url}")
            location = event.online_url if not event.place_name else location
        if event.venue_notes:
            lines.append(f"Venue: {event.venue_notes}")
    if event.description:
        lines.append(event.description)
    page = page or absolute_url(reverse("events:detail", args=[event.slug]))
    lines.append(page)
    return CalendarEntry(
        uid=f"event-{event.pk}@hive",
        summary=("Canceled: " if event.is_cancelled else "") + event.title,
        start=event.starts_at,
        end=event.ends_at,
        zone=event.timezone,
        sequence=event.sequence,
        cancelled=event.is_cancelled,
        location=location,
        description="\n\n".join(lines),
        url=page,
        updated=event.updated_at,
    )


def calendar_entries(user) -> Iterable[CalendarEntry]:
    """The events `user` is going to or organizes (from 90 days ago on); details only
    where going. One query, which starts from the member's own RSVPs and organizer
    rows (a few hundred at most), not from every event of the last 90 days."""
    going = Rsvp.objects.filter(user=user, status=Rsvp.Status.GOING)
    mine = going.values("event_id").union(Organizer.objects.filter(user=user).values("event_id"))
    events = (
        Event.objects.visible_to(user)
        .filter(pk__in=mine, ends_at__gt=timezone.now() - timedelta(days=FEED_PAST_DAYS))
        .annotate(is_going=Exists(going.filter(event=OuterRef("pk"))))
        # What an entry says, and nothing to decode that it does not (JSON, decimals).
        .only(*ENTRY_FIELDS)
    )
    # Every event's address differs only by its slug (URL-safe by construction), so
    # the URL is reversed once, not once per entry of a feed of hundreds.
    marker = "slug-marker"
    before, _, after = absolute_url(reverse("events:detail", args=[marker])).rpartition(marker)
    return [
        event_entry(event, with_details=event.is_going, page=f"{before}{event.slug}{after}")
        for event in events
    ]
