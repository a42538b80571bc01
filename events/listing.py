"""The events list (/events/): which events a member sees, filtered, and one page of them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import ACos, Coalesce, Cos, Greatest, Least, Radians, Sin
from django.utils import timezone

from events.models import MAX_DURATION, Event, Organizer, Rsvp
from members.places import Place

EARTH_RADIUS_KM = 6371.0
KM_PER_MILE = 1.609344


@dataclass(frozen=True)
class EventFilters:
    kind: str = ""
    format: str = ""  # "", "online", "in_person"
    when: str = ""  # "", "week", "month"
    place: Place | None = None
    radius_km: float = 40.0
    ce: bool = False
    seats: bool = False
    mine: bool = False


def _distance_km(latitude: float, longitude: float):
    """Great-circle distance (km) from a point to each event's coordinates, in SQL."""
    cosine = Cos(Radians(latitude)) * Cos(Radians(F("latitude"))) * Cos(
        Radians(F("longitude")) - Radians(longitude)
    ) + Sin(Radians(latitude)) * Sin(Radians(F("latitude")))
    # Rounding can push the cosine a hair past ±1, where ACOS is undefined.
    return ACos(Least(Greatest(cosine, -1.0), 1.0), output_field=FloatField()) * EARTH_RADIUS_KM


def events_for(viewer, filters: EventFilters, *, now: datetime | None = None) -> QuerySet:
    """Upcoming events `viewer` may see, filtered, soonest first, each with its
    number going (`going_count`), the viewer's RSVP status (`my_status`) and whether
    they organize it (`is_organizing`)."""
    now = now or timezone.now()
    # An event lasts at most MAX_DURATION, so the ones still on started after now minus
    # that: a bound on starts_at lets the soonest-first page walk the starts_at index
    # from there and stop after one page, instead of sorting every upcoming event.
    events = Event.objects.visible_to(viewer).filter(
        ends_at__gt=now, starts_at__gt=now - MAX_DURATION
    )
    mine = Exists(
        Rsvp.objects.filter(
            event=OuterRef("pk"),
            user=viewer,
            status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED],
        )
    )
    organizing = Exists(Organizer.objects.filter(event=OuterRef("pk"), user=viewer))
    if filters.mine:
        events = events.filter(mine | organizing)
    else:
        # Cancelled events stay on their page and in "my events", not in the listing.
        events = events.filter(cancelled_at__isnull=True)
    if filters.kind:
        events = events.filter(kind=filters.kind)
    if filters.ce:
        events = events.filter(kind=Event.Kind.CE_WORKSHOP)
    if filters.format == "online":
        events = events.exclude(online_url="")
    elif filters.format == "in_person":
        events = events.exclude(place_name="")
    if filters.when == "week":
        events = events.filter(starts_at__lt=now + timedelta(days=7))
    elif filters.when == "month":
        events = events.filter(starts_at__lt=now + timedelta(days=31))
    if filters.place is not None:
        lat, lon = filters.place.latitude, filters.place.longitude
        # A bounding box first (indexed), then the exact distance.
        dlat = filters.radius_km / 111.0
        dlon = filters.radius_km / max(111.0 * math.cos(math.radians(lat)), 1.0)
        events = (
            events.filter(
                latitude__range=(lat - dlat, lat + dlat),
                longitude__range=(lon - dlon, lon + dlon),
            )
            .annotate(distance_km=_distance_km(lat, lon))
            .filter(distance_km__lte=filters.radius_km)
        )
    # Per-row subqueries, not a join and GROUP BY over every RSVP: PostgreSQL computes
    # them after the sort and LIMIT, for the page's 20 events only (and a count ignores
    # them), unless "with seats" filters on the count.
    events = events.annotate(
        going_count=Coalesce(
            Subquery(
                Rsvp.objects.filter(event=OuterRef("pk"), status=Rsvp.Status.GOING)
                .values("event")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        ),
        my_status=Subquery(
            Rsvp.objects.filter(event=OuterRef("pk"), user=viewer).values("status")[:1]
        ),
        is_organizing=organizing,
    )
    if filters.seats:
        events = events.filter(going_count__lt=F("capacity"))
    return events.order_by("starts_at", "pk")


def events_page(events: QuerySet, number, *, per_page: int) -> Page:
    """Page `number` of `events` (from events_for): the page's ids first, from the
    filters and the order alone, then those events with their per-viewer facts. Asked
    of the whole query, PostgreSQL computes the facts for every row it skips to reach a
    deep page (the 144th: 2,860 rows, ~100 ms); this way only for the page's own."""
    page = Paginator(events.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    found = {event.pk: event for event in events.filter(pk__in=ids)}
    page.object_list = [found[pk] for pk in ids if pk in found]
    return page
