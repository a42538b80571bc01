"""Views for signed-in people who are not (or no longer) members in good standing."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET


@login_required
@require_GET
def status(request: HttpRequest) -> HttpResponse:
    """Where the signed-in person stands: applicant, lapsed or suspended."""
    user = request.user
    if user.is_member:
        return redirect("home")
    return render(request, "members/status.html", {"status": user.membership_status})
