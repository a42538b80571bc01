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
from notifications.models import Notification
from notifications.registry import EMAIL, Kind, register
from notifications.services import notify

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


def changed(*, rsvp, event, fields: list[str]):
    what = sorted({FIELD_WORDS[name] for name in fields if name in FIELD_WORDS})
    return notify(
        recipient=rsvp.user,
        kind="event_update",
        key=f"event-changed:{event.pk}:{event.sequence}:{rsvp.user_id}",
        context={**_event_context(event), "change": "changed", "what": what},
        url=_url(event),
    )


def cancelled(*, rsvp, event):
    return notify(
        recipient=rsvp.user,
        kind="event_update",
        key=f"event-cancelled:{event.pk}:{rsvp.user_id}",
        context={**_event_context(event), "change": "cancelled", "what": []},
        url=_url(event),
    )


def promoted(*, rsvp, event):
    return notify(
        recipient=rsvp.user,
        kind="event_seat",
        key=f"event-promoted:{event.pk}:{rsvp.user_id}:{rsvp.going_since.timestamp():.6f}",
        context=_event_context(event),
        url=_url(event),
    )


def reminder(*, rsvp, event, hours: int):
    """The reminder, or None if this one was sent already (the key makes it once either
    way; the check keeps the sweep's count honest)."""
    key = f"event-reminder:{hours}h:{event.pk}:{rsvp.user_id}:{event.starts_at.timestamp():.0f}"
    if Notification.objects.filter(key=key).exists():
        return None
    return notify(
        recipient=rsvp.user,
        kind="event_reminder",
        key=key,
        context={**_event_context(event), "hours": hours},
        url=_url(event),
    )


def followup(*, rsvp, event, companions):
    return notify(
        recipient=rsvp.user,
        kind="event_followup",
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
