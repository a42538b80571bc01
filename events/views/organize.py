"""The organizer's side: create and edit an event, cancel it, the organizer page
(attendees, waitlist, each attendee's past no-shows, co-organizers), the CSV export,
and the phone-friendly check-in list. Staff: unlist / list again."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from events.access import access_event, access_organized_event
from events.forms import CoOrganizerForm, EventForm
from events.models import Event, Organizer, Rsvp
from events.services import (
    check_in,
    event_cancel,
    event_create,
    event_set_listed,
    event_update,
    organizer_add,
    organizer_remove,
)
from hive.access import member_required, staff_required
from hive.timezones import canonical_zone
from members.models import Profile, User

CHECK_IN_SEARCH_MAX = 80


def _form_errors_from(form: EventForm, error: ValidationError) -> None:
    mapping = {"starts_at": "starts", "ends_at": "ends", "place_name": "near"}
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            name = mapping.get(field, field)
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


@require_http_methods(["GET", "POST"])
@member_required
def event_create_view(request: HttpRequest) -> HttpResponse:
    """/events/new/: any member in good standing organizes an event."""
    if not request.user.is_member:
        raise PermissionDenied
    if request.method == "POST":
        form = EventForm(request.POST)
        if form.is_valid():
            event = Event(**form.values())
            try:
                event = event_create(event=event, creator=request.user)
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, "Your event is published.")
                return redirect("events:detail", slug=event.slug)
    else:
        zone = canonical_zone(request.user.timezone)
        form = EventForm(initial={"timezone": zone, "capacity": 20})
    return render(request, "events/event_form.html", {"form": form, "event": None})


@require_http_methods(["GET", "POST"])
@member_required
def event_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/edit/: organizers change the event; a change of time, place or
    link is sent to everyone going or waiting."""
    event = access_organized_event(request.user, slug)
    if event.is_cancelled:
        messages.error(request, "A canceled event cannot be edited.")
        return redirect("events:detail", slug=event.slug)
    if request.method == "POST":
        form = EventForm(request.POST, event=event)
        if form.is_valid():
            try:
                event_update(event=event, editor=request.user, changes=form.values())
            except ValidationError as error:
                _form_errors_from(form, error)
            else:
                messages.success(request, "Saved.")
                return redirect("events:detail", slug=event.slug)
    else:
        form = EventForm(initial=EventForm.initial_for(event), event=event)
    return render(request, "events/event_form.html", {"form": form, "event": event})


@require_POST
@member_required
def event_cancel_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Cancel the event (organizers, or staff): the page stays, marked cancelled."""
    event = access_event(request.user, slug)
    try:
        event_cancel(event=event, by=request.user)
    except PermissionDenied:
        raise Http404("No such event.") from None
    messages.success(request, "The event is canceled; everyone going or waiting was told.")
    return redirect("events:detail", slug=event.slug)


@require_POST
@staff_required
def event_listing(request: HttpRequest, slug: str) -> HttpResponse:
    """Staff unlist an event (or list it again)."""
    event = get_object_or_404(Event, slug=slug[:80])
    listed = request.POST.get("listed") == "1"
    event_set_listed(event=event, staff=request.user, listed=listed)
    messages.success(request, "The event is listed again." if listed else "The event is unlisted.")
    return redirect("events:detail", slug=event.slug)


@dataclass(frozen=True)
class AttendeeRow:
    rsvp_id: int
    name: str
    handle: str
    status: str
    position: int | None
    queued_at: datetime
    checked_in_at: datetime | None
    no_shows: int


def _attendee_rows(event: Event, viewer, *, query: str = "") -> list[AttendeeRow]:
    """Everyone going or waiting (blocked people left out), with their past no-shows
    across Hive. Two queries whatever the number of rows."""
    no_shows = (
        Rsvp.objects.no_shows()
        .filter(user=OuterRef("user_id"))
        .exclude(event=event)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rsvps = (
        Rsvp.objects.visible_to(viewer)
        .filter(event=event, status__in=[Rsvp.Status.GOING, Rsvp.Status.WAITLISTED])
        .annotate(past_no_shows=Coalesce(Subquery(no_shows, output_field=IntegerField()), Value(0)))
        .select_related("user__profile")
        .order_by("status", "queued_at", "pk")
    )
    if query:
        rsvps = rsvps.filter(
            Q(user__profile__display_name__icontains=query)
            | Q(user__profile__handle__icontains=query)
        )
    rows, position = [], 0
    for rsvp in rsvps:
        profile = getattr(rsvp.user, "profile", None)
        if rsvp.status == Rsvp.Status.WAITLISTED:
            position += 1
        rows.append(
            AttendeeRow(
                rsvp_id=rsvp.pk,
                name=profile.display_name if profile else rsvp.user.email.split("@")[0],
                handle=profile.handle if profile else "",
                status=rsvp.status,
                position=position if rsvp.status == Rsvp.Status.WAITLISTED else None,
                queued_at=rsvp.queued_at,
                checked_in_at=rsvp.checked_in_at,
                no_shows=rsvp.past_no_shows,
            )
        )
    return rows


@require_http_methods(["GET", "POST"])
@member_required
def organizer_page(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/manage/: attendees, waitlist, no-show records, co-organizers."""
    event = access_organized_event(request.user, slug)
    form = CoOrganizerForm()
    if request.method == "POST":
        form = CoOrganizerForm(request.POST)
        if form.is_valid():
            profile = (
                Profile.objects.visible_to(request.user)
                .in_good_standing()
                .filter(handle=form.cleaned_data["handle"])
                .select_related("user")
                .first()
            )
            if profile is None:
                form.add_error("handle", "No member with this handle.")
            else:
                try:
                    organizer_add(event=event, by=request.user, user=profile.user)
                except ValidationError as error:
                    form.add_error("handle", error)
                else:
                    messages.success(request, f"{profile.display_name} now co-organizes.")
                    return redirect("events:manage", slug=event.slug)
    rows = _attendee_rows(event, request.user)
    organizers = (
        Organizer.objects.filter(event=event, user__in=User.objects.visible_to(request.user))
        .select_related("user__profile")
        .order_by("added_at", "pk")
    )
    return render(
        request,
        "events/organizer.html",
        {
            "event": event,
            "going": [row for row in rows if row.status == Rsvp.Status.GOING],
            "waitlist": [row for row in rows if row.status == Rsvp.Status.WAITLISTED],
            "organizers": organizers,
            "form": form,
        },
    )


@require_POST
@member_required
def organizer_remove_view(request: HttpRequest, slug: str) -> HttpResponse:
    event = access_organized_event(request.user, slug)
    profile = Profile.objects.filter(handle=request.POST.get("handle", "")[:40]).first()
    if profile is not None:
        try:
            organizer_remove(event=event, by=request.user, user=profile.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return redirect("events:manage", slug=event.slug)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading
    quote (OWASP's advice for CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@require_GET
@member_required
def attendees_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/manage/attendees.csv: the organizer's list as a spreadsheet."""
    event = access_organized_event(request.user, slug)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}-attendees.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow(
        ["Name", "Handle", "Status", "Waitlist position", "Asked", "Checked in", "Past no-shows"]
    )
    zone = request.user.zone
    for row in _attendee_rows(event, request.user):
        writer.writerow(
            [
                csv_safe(row.name),
                csv_safe(row.handle),
                csv_safe(Rsvp.Status(row.status).label),
                row.position or "",
                row.queued_at.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                row.checked_in_at.astimezone(zone).strftime("%Y-%m-%d %H:%M")
                if row.checked_in_at
                else "",
                row.no_shows,
            ]
        )
    return response


@require_http_methods(["GET", "POST"])
@member_required
def check_in_list(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/check-in/: the members going, searchable, one tap to check in
    and one to undo. htmx swaps the one row (or the list, when searching)."""
    event = access_organized_event(request.user, slug)
    query = (request.GET.get("q") or "")[:CHECK_IN_SEARCH_MAX].strip()
    if request.method == "POST":
        rsvp_id = request.POST.get("rsvp", "")
        rsvp = (
            Rsvp.objects.filter(event=event, pk=int(rsvp_id)).first()
            if rsvp_id.isascii() and rsvp_id.isdigit() and len(rsvp_id) < 12
            else None
        )
        if rsvp is not None:
            try:
                check_in(
                    event=event, by=request.user, rsvp=rsvp, undo=request.POST.get("undo") == "1"
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            if request.htmx:
                rows = [
                    row for row in _attendee_rows(event, request.user) if row.rsvp_id == rsvp.pk
                ]
                if rows:
                    return render(
                        request, "events/check_in.html#row", {"event": event, "row": rows[0]}
                    )
        return redirect(request.get_full_path())
    rows = [
        row
        for row in _attendee_rows(event, request.user, query=query)
        if row.status == Rsvp.Status.GOING
    ]
    context = {
        "event": event,
        "rows": rows,
        "query": query,
        "checked_in": sum(1 for row in rows if row.checked_in_at),
    }
    if request.htmx and request.GET.get("q") is not None:
        return render(request, "events/check_in.html#list", context)
    return render(request, "events/check_in.html", context)
