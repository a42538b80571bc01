"""/events/ (the list) and /events/<slug>/ (one event; its public page for visitors)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from events.access import access_event, access_public_event
from events.forms import EventFilterForm
from events.listing import KM_PER_MILE, EventFilters, events_for, events_page
from events.models import Event, Organizer, Rsvp
from events.services import waitlist_position
from hive.access import member_required
from hive.http import page_link_pressed
from members.distances import viewer_uses_miles
from members.markdown import render_bio
from members.models.connections import not_blocked_with
from members.places import search_places

PAGE_SIZE = 20


@require_GET
@member_required
def event_list(request: HttpRequest) -> HttpResponse:
    """/events/: upcoming events the member may see, with filters; htmx requests get the
    results region only."""
    miles = viewer_uses_miles(request.user)
    form = EventFilterForm(request.GET, miles=miles)
    values = form.values()
    place, place_error = None, ""
    near = (values.get("near") or "").strip()
    if near:
        found = search_places(near, limit=1)
        if found:
            place = found[0]
        else:
            place_error = f"We couldn’t find a city called “{near}”. Try “Oakland, CA”."
    radius = float(values.get("radius") or 25)
    filters = EventFilters(
        kind=values.get("kind") or "",
        format=values.get("format") or "",
        when=values.get("when") or "",
        place=place,
        radius_km=radius * KM_PER_MILE if miles else radius,
        ce=bool(values.get("ce")),
        seats=bool(values.get("seats")),
        mine=bool(values.get("mine")),
    )
    page = events_page(
        events_for(request.user, filters), request.GET.get("page"), per_page=PAGE_SIZE
    )
    context = {
        "form": form,
        "page": page,
        "place": place,
        "place_error": place_error,
        "unit": "miles" if miles else "km",
        "filtered": any(v for k, v in values.items() if k != "radius"),
        "focus_results": page_link_pressed(request),
    }
    if request.htmx:
        return render(request, "events/event_list.html#results", context)
    return render(request, "events/event_list.html", context)


@dataclass(frozen=True)
class Attendee:
    name: str
    handle: str


def _visible_attendees(event: Event, viewer) -> list[Attendee]:
    rsvps = (
        Rsvp.objects.visible_to(viewer)
        .going()
        .filter(event=event, user__profile__isnull=False)
        .select_related("user__profile")
        .order_by("user__profile__display_name", "pk")
    )
    return [Attendee(r.user.profile.display_name, r.user.profile.handle) for r in rsvps]


def _visible_organizers(event: Event, viewer) -> list[Attendee]:
    # The block rule on the organizer's own column: `user__in=User.objects.visible_to()`
    # reads every member to find the two or three organizers.
    organizers = (
        Organizer.objects.filter(event=event, user__profile__isnull=False)
        .filter(not_blocked_with(viewer, "user_id"))
        .select_related("user__profile")
    )
    return [Attendee(o.user.profile.display_name, o.user.profile.handle) for o in organizers]


@require_GET
def event_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/: the event. Members see it through access_event; visitors and
    applicants see the public page of a public event, else they are sent on as from
    any member page. The online link and venue notes: only for members going."""
    user = request.user
    if not (user.is_authenticated and (user.is_member or user.is_staff)):
        try:
            event = access_public_event(slug)
        except Http404:
            # Not public: the same answer as any member page (log in / your status).
            return member_required(event_detail)(request, slug)
        return render(
            request,
            "events/event_public.html",
            {"event": event, "description": render_bio(event.description)},
        )
    event = access_event(user, slug)
    rsvp = Rsvp.objects.filter(event=event, user=user).first()
    is_organizer = event.organizers.filter(user=user).exists()
    seats = Rsvp.objects.filter(event=event).aggregate(
        going=Count("pk", filter=Q(status=Rsvp.Status.GOING)),
        waiting=Count("pk", filter=Q(status=Rsvp.Status.WAITLISTED)),
    )
    going_count = seats["going"]
    going = rsvp is not None and rsvp.status == Rsvp.Status.GOING
    # Checked in at an event that took place: the certificate and the follow-up page.
    attended = (
        going and rsvp.checked_in_at is not None and event.has_started and not event.is_cancelled
    )
    context = {
        "event": event,
        "description": render_bio(event.description),
        "rsvp": rsvp,
        "going": going,
        "position": waitlist_position(rsvp) if rsvp else None,
        "is_organizer": is_organizer,
        "going_count": going_count,
        "seats_left": max(event.capacity - going_count, 0),
        "waitlist_count": seats["waiting"],
        "attendees": _visible_attendees(event, user),
        "organizers": _visible_organizers(event, user),
        "open_to_me": event.open_to(user),
        "attended": attended,
        "certificate_ready": attended and event.is_ce,
        "viewer_zone": user.zone,
    }
    return render(request, "events/event_detail.html", context)
