"""A member's own side of an event: RSVP, cancel (or release a promoted seat), the
event's calendar file, and the CE certificate."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET, require_POST

from events.access import access_event
from events.calendar import event_entry
from events.certificates import certificate_pdf
from events.models import Rsvp
from events.services import RsvpRefused, certificate_issue, rsvp_cancel, rsvp_going
from hive.access import member_required
from hive.calendar import calendar_bytes


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
