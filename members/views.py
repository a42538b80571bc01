"""Views for signed-in people who are not (or no longer) members in good standing."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
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


@login_required
def renewal(request: HttpRequest) -> HttpResponse:
    raise Http404


def reference(request: HttpRequest, token: str) -> HttpResponse:
    raise Http404


@login_required
def vouch(request: HttpRequest, application_id: int) -> HttpResponse:
    raise Http404
