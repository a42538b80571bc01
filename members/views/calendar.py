"""The private calendar feed: its settings (/me/calendar/) and the feed itself
(/calendar/<token>.ics), which gathers every app's dated things through
hive.calendar (members never imports the apps that provide them)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from hive.calendar import calendar_bytes, member_calendar_entries
from hive.http import absolute_url
from members.models import CalendarToken
from members.services import calendar_token_regenerate, calendar_token_revoke


@require_GET
@member_required
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """/me/calendar/: the member's secret feed address, with regenerate and turn off."""
    token = CalendarToken.objects.filter(user=request.user).first()
    feed_url = absolute_url(reverse("members:calendar_feed", args=[token.token])) if token else ""
    return render(request, "members/calendar_settings.html", {"feed_url": feed_url})


@require_POST
@member_required
def calendar_regenerate(request: HttpRequest) -> HttpResponse:
    """Make a new secret address (the old one stops working)."""
    had = CalendarToken.objects.filter(user=request.user).exists()
    calendar_token_regenerate(user=request.user)
    messages.success(
        request,
        "Your calendar has a new address: the old one no longer works."
        if had
        else "Your private calendar is on: add its address to your calendar app.",
    )
    return redirect("members:calendar_settings")


@require_POST
@member_required
def calendar_revoke(request: HttpRequest) -> HttpResponse:
    """Turn the private feed off."""
    calendar_token_revoke(user=request.user)
    messages.success(request, "Your private calendar is off: its address no longer works.")
    return redirect("members:calendar_settings")


@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """/calendar/<token>.ics: addressed by its secret token, not a login (calendar apps
    cannot log in). A revoked token, or a member no longer in good standing, gets 404."""
    found = CalendarToken.objects.select_related("user").filter(token=token[:64]).first()
    if found is None or not found.user.is_member:
        raise Http404
    body = calendar_bytes(member_calendar_entries(found.user), name="Hive")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response
