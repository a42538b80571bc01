"""Public pages, the member home, /healthz and the local mail viewer."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from hive import health, mail
from hive.guidelines import GUIDELINES_VERSION
from hive.home import home_cards


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The landing page for visitors, the home page for members; applicants see their status."""
    user = request.user
    if not user.is_authenticated:
        return render(request, "pages/landing.html")
    if not (user.is_member or user.is_staff):
        return redirect("members:status")
    return render(request, "pages/member_home.html", {"cards": home_cards(request)})


@require_GET
def about(request: HttpRequest) -> HttpResponse:
    """What Hive is and who it is for."""
    return render(request, "pages/about.html")


@require_GET
def guidelines(request: HttpRequest) -> HttpResponse:
    """The community guidelines every member agrees to (versioned: applications record
    the version they accepted)."""
    return render(request, "pages/guidelines.html", {"guidelines_version": GUIDELINES_VERSION})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when PostgreSQL and Redis both answer, 503 otherwise (for load balancers)."""
    checks = {"database": health.database_ok(), "redis": health.redis_ok()}
    body = {name: "ok" if ok else "unavailable" for name, ok in checks.items()}
    beat = health.last_heartbeat()
    body["worker_heartbeat"] = beat  # informational: a stalled worker does not fail liveness
    return JsonResponse(body, status=200 if all(checks.values()) else 503)


LOOPBACK = frozenset({"127.0.0.1", "::1"})


def _mail_viewer_allowed(request: HttpRequest) -> bool:
    """Captured mail holds every reset and verification link: only on the developer's
    own machine (the route exists in local settings only), with capture on, and only
    to a client on the loopback interface, whoever is signed in."""
    if not getattr(settings, "HIVE_MAIL_VIEWER", False):
        return False
    return request.META.get("REMOTE_ADDR") in LOOPBACK


@never_cache
@require_GET
def dev_mail_list(request: HttpRequest) -> HttpResponse:
    """Mail captured under var/mail/ (local development only), newest first."""
    if not _mail_viewer_allowed(request):
        raise Http404
    return render(request, "dev/mail_list.html", {"messages_": mail.list_mail()})


@never_cache
@require_GET
def dev_mail_detail(request: HttpRequest, name: str) -> HttpResponse:
    """One captured message with clickable links."""
    if not _mail_viewer_allowed(request):
        raise Http404
    message = mail.get_mail(name)
    if message is None:
        raise Http404
    return render(request, "dev/mail_detail.html", {"message": message})
