"""Fetch an event *and* check the viewer may see it, or 404 (SPEC: a member gets 404,
not 403, for what they may not know exists)."""

from __future__ import annotations

from django.http import Http404

from events.models import Event, Rsvp


def access_event(user, slug: str) -> Event:
    """The event at `slug` if `user` (a member or staff) may see it: listed or theirs to
    organize, not created by someone in a block with them, open to their tier."""
    event = Event.objects.visible_to(user).filter(slug=slug[:80]).select_related("created_by")
    found = event.first()
    if found is None:
        raise Http404("No such event.")
    return found


def access_public_event(slug: str) -> Event:
    """The event at `slug` if anyone may see its public page: public, listed."""
    found = Event.objects.filter(slug=slug[:80], public=True, unlisted_at__isnull=True).first()
    if found is None:
        raise Http404("No such event.")
    return found


def access_organized_event(user, slug: str) -> Event:
    """The event at `slug` if `user` organizes it (its organizer pages), else 404."""
    event = access_event(user, slug)
    if not event.organizers.filter(user=user).exists():
        raise Http404("No such event.")
    return event


def access_attended_event(user, slug: str) -> Event:
    """The event at `slug` if `user` may see it and was checked in there, once it has
    started and was not cancelled (the "who you attended with" page), else 404."""
    event = access_event(user, slug)
    attended = Rsvp.objects.filter(
        event=event, user=user, status=Rsvp.Status.GOING, checked_in_at__isnull=False
    ).exists()
    if not attended or event.is_cancelled or not event.has_started:
        raise Http404("No such event.")
    return event
