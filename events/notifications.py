"""The notifications the events app sends (registered when Django starts: see
notifications/registry.py), and one small function per send, called by events.services
inside the transaction that made the change.

No notification ever carries an event's online link or venue notes: an email can be
forwarded, and the waitlisted are told of changes too. They link to the event's page,
which shows those details to members going.
"""

from __future__ import annotations

from django.urls import reverse

from hive.http import absolute_url
from notifications.registry import EMAIL, Kind, register
from notifications.services import Notice, notify, notify_many

register(
    Kind(
        name="event_update",
        label="Events you are going to",
        description="When an event you are going to or waiting for changes its time, place "
        "or link, or is canceled.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="event_seat",
        label="Waitlist seats",
        description="When a seat frees up and you move from the waitlist to going.",
        default_channel=EMAIL,
    )
)
register(
    Kind(
        name="event_reminder",
        label="Event reminders",
        description="A reminder a day and an hour before an event you are going to.",
        default_channel=EMAIL,
        nudge=True,
    )
)
register(
    Kind(
        name="event_followup",
        label="After an event",
        description="The colleagues you attended an event with, to connect or follow up.",
        default_channel=EMAIL,
        nudge=True,
    )
)

FIELD_WORDS = {
    "starts_at": "time",
    "ends_at": "time",
    "timezone": "time",
    "place_name": "place",
    "place_region": "place",
    "latitude": "place",
    "longitude": "place",
    "venue_notes": "venue notes",
    "online_url": "online link",
}


def _event_context(event) -> dict:
    return {
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "ends_at": event.ends_at.isoformat(),
        "place": event.place_label,
    }


def _url(event) -> str:
    return reverse("events:detail", args=[event.slug])


def changed(*, rsvps, event, fields: list[str]):
    """Everyone in `rsvps` (going or waitlisted): the event's time, place or link
    changed. One notify_many() for them all; returns the notifications created."""
    what = sorted({FIELD_WORDS[name] for name in fields if name in FIELD_WORDS})
    context = {**_event_context(event), "change": "changed", "what": what}
    return notify_many(
        kind="event_update",
        notices=[
            Notice(
                recipient=rsvp.user,
                key=f"event-changed:{event.pk}:{event.sequence}:{rsvp.user_id}",
                context=context,
                url=_url(event),
            )
            for rsvp in rsvps
        ],
    )


def cancelled(*, rsvps, event):
    """Everyone in `rsvps`: the event is canceled."""
    context = {**_event_context(event), "change": "cancelled", "what": []}
    return notify_many(
        kind="event_update",
        notices=[
            Notice(
                recipient=rsvp.user,
                key=f"event-cancelled:{event.pk}:{rsvp.user_id}",
                context=context,
                url=_url(event),
            )
            for rsvp in rsvps
        ],
    )


def promoted(*, rsvp, event):
    return notify(
        recipient=rsvp.user,
        kind="event_seat",
        key=f"event-promoted:{event.pk}:{rsvp.user_id}:{rsvp.going_since.timestamp():.6f}",
        context=_event_context(event),
        url=_url(event),
    )


def reminders(*, rsvps, hours: int):
    """The reminder `hours` before each RSVP's event (select_related("event", "user")).
    Returns those created: one already sent (its key) is not sent or counted again."""
    return notify_many(
        kind="event_reminder",
        notices=[
            Notice(
                recipient=rsvp.user,
                key=f"event-reminder:{hours}h:{rsvp.event.pk}:{rsvp.user_id}:"
                f"{rsvp.event.starts_at.timestamp():.0f}",
                context={**_event_context(rsvp.event), "hours": hours},
                url=_url(rsvp.event),
            )
            for rsvp in rsvps
        ],
    )


def followups(*, event, companions_by_rsvp):
    """Each checked-in attendee (an Rsvp, mapped to the colleagues they attended with):
    who those were. Returns the notifications created."""
    return notify_many(
        kind="event_followup",
        notices=[
            Notice(
                recipient=rsvp.user,
                key=f"event-followup:{event.pk}:{rsvp.user_id}",
                context={
                    **_event_context(event),
                    "companions": [
                        {
                            "name": c.name,
                            "handle": c.handle,
                            "url": absolute_url(reverse("members:profile", args=[c.handle])),
                        }
                        for c in companions
                    ],
                },
                # The page lists them again with "connect" and "remind me to follow up".
                url=reverse("events:attended_with", args=[event.slug]),
            )
            for rsvp, companions in companions_by_rsvp
        ],
    )
