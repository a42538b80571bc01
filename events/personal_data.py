"""What events hold about a person, for their export and their erasure (the protocol
is in hive/personal_data.py).

Attendance is part of other people's events: an erased member's RSVPs stay, under the
tombstone, so counts and waitlist order hold; events they organized stay for those
going, organized by "former member". Certificates name them and go.
"""

from __future__ import annotations

from django.db.models import Q

from events.models import Certificate, Event, Organizer, Rsvp


def _iso(value):
    return value.isoformat() if value is not None else None


MODELS = {
    # Others RSVP'd to them: the event stays, its creator now the tombstone. A staff
    # member who unlisted an event is recorded the same way.
    Event: "anonymize",
    # The organizer role ends; an event they created keeps them as its (anonymous) creator.
    Organizer: "delete",
    # Seats taken and check-ins are other attendees' counts and order: kept, anonymous.
    Rsvp: "anonymize",
    Certificate: "delete",  # it carries their name and license
}


def export_data(user) -> dict:
    rsvps = Rsvp.objects.filter(user=user).select_related("event").order_by("queued_at")
    organized = Event.objects.filter(Q(created_by=user) | Q(organizers__user=user)).distinct()
    return {
        "rsvps": [
            {
                "event": r.event.title,
                "starts_at": _iso(r.event.starts_at),
                "status": r.get_status_display(),
                "since": _iso(r.queued_at),
                "checked_in_at": _iso(r.checked_in_at),
            }
            for r in rsvps
        ],
        "events_i_organize": [
            {"title": e.title, "starts_at": _iso(e.starts_at), "cancelled": e.is_cancelled}
            for e in organized.order_by("starts_at")
        ],
        "certificates": [
            {
                "code": c.code,
                "event": c.event_title,
                "date": c.event_date.isoformat(),
                "ce_hours": str(c.ce_hours),
                "approving_body": c.approving_body,
                "issued_at": _iso(c.issued_at),
            }
            for c in Certificate.objects.filter(user=user).order_by("issued_at")
        ],
    }


def erase_data(user) -> None:
    Certificate.objects.filter(user=user).delete()
    Organizer.objects.filter(user=user).delete()
    # Rows stay pointing at the tombstone (members turns the account into one last);
    # nothing in an RSVP or an event's creator field says more than "former member".
