"""A member's own side of an event: RSVP, cancel (or release a promoted seat), the
event's calendar file, the CE certificate, and afterwards the people they attended
with."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from events.access import access_attended_event, access_event
from events.calendar import event_entry
from events.certificates import certificate_pdf
from events.models import Rsvp
from events.services import (
    RsvpRefused,
    certificate_issue,
    companions_of,
    rsvp_cancel,
    rsvp_going,
)
from hive.access import member_required
from hive.calendar import calendar_bytes
from members.models import Connection, FollowUp


@require_POST
@member_required
def rsvp(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a seat: going, or on the waitlist when full."""
    event = access_event(request.user, slug)
    try:
        answer = rsvp_going(event=event, user=request.user)
    except RsvpRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if answer.status == Rsvp.Status.GOING:
            messages.success(request, "You are going. The details are below.")
        else:
            messages.info(request, "The event is full: you are on the waitlist.")
    return redirect("events:detail", slug=event.slug)


@require_POST
@member_required
def cancel_rsvp(request: HttpRequest, slug: str) -> HttpResponse:
    """Give up a seat (the next on the waitlist gets it) or a waitlist place."""
    event = access_event(request.user, slug)
    try:
        answer = rsvp_cancel(event=event, user=request.user)
    except RsvpRefused as refusal:
        messages.error(request, str(refusal))
    else:
        if answer is not None:
            messages.success(request, "Done: you are no longer on the list.")
    return redirect("events:detail", slug=event.slug)


@require_GET
@member_required
def event_calendar(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/calendar.ics: the link and venue notes only for members going."""
    event = access_event(request.user, slug)
    going = Rsvp.objects.going().filter(event=event, user=request.user).exists()
    body = calendar_bytes([event_entry(event, with_details=going)], name=event.title)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{event.slug}.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required
def certificate(request: HttpRequest, slug: str) -> HttpResponse:
    """The member's CE certificate (PDF), for checked-in attendees of a CE workshop."""
    event = access_event(request.user, slug)
    try:
        issued = certificate_issue(event=event, user=request.user)
    except PermissionDenied:
        raise Http404("No certificate for you at this event.") from None
    response = HttpResponse(certificate_pdf(issued), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{issued.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@member_required
def attended_with(request: HttpRequest, slug: str) -> HttpResponse:
    """/events/<slug>/attended-with/: the colleagues a checked-in member attended with
    (checked in too, in good standing, not in a block with them), each with one-click
    "connect" (or the state of the connection or request between them) and "remind me
    to follow up" (or when the reminder is set for). A fixed number of queries, however
    many people came."""
    event = access_attended_event(request.user, slug)
    companions = companions_of(event=event, user=request.user)
    ids = [c.user_id for c in companions]
    states = Connection.objects.states_with(request.user, ids)
    # The member's own pending reminders for these people, whichever page set them (one
    # reminder per pair is shared by every app: setting it here moves that date).
    reminders = dict(
        FollowUp.objects.pending()
        .filter(owner=request.user, other_id__in=ids)
        .values_list("other_id", "due_on")
    )
    people = [
        {"person": c, "state": states.get(c.user_id, "none"), "reminder": reminders.get(c.user_id)}
        for c in companions
    ]
    return render(
        request,
        "events/attended_with.html",
        {
            "event": event,
            "people": people,
            "here": request.get_full_path(),
            "weeks": FollowUp.WEEKS,
            "default_weeks": FollowUp.DEFAULT_WEEKS,
            "source": FollowUp.Source.EVENT,
        },
    )
