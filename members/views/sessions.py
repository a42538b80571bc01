"""Where a person is logged in (allauth's /accounts/sessions/ page, restyled in
templates/usersessions/) and logging out of one other device, or all of them."""

from __future__ import annotations

from allauth.usersessions.models import UserSession
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from members import services
from members.devices import device_name


@login_required  # applicants have devices too
@require_POST
def sessions_end(request: HttpRequest) -> HttpResponse:
    """Log out of one device (`session`, an id of one's own sessions) or of every other
    one (`others`). Another person's session id is a 404."""
    if request.POST.get("others"):
        ended = services.sessions_end(
            request=request, sessions=list(UserSession.objects.filter(user=request.user))
        )
        if ended:
            messages.success(
                request,
                f"Logged out of {ended} other device{'s' if ended != 1 else ''}.",
            )
        return redirect("usersessions_list")
    session_id = request.POST.get("session", "")
    if not session_id.isdigit():
        raise Http404
    session = get_object_or_404(UserSession, pk=int(session_id), user=request.user)
    if session.is_current():
        messages.error(request, "To log out of this device, use “Log out” in the menu.")
    elif services.sessions_end(request=request, sessions=[session]):
        messages.success(request, f"Logged out of {device_name(session.user_agent)}.")
    return redirect("usersessions_list")
