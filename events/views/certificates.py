"""/certificates/<code>/: anyone (a licensing board) checks a CE certificate."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from events.certificates import certificate_facts
from events.models import Certificate


@require_GET
def certificate_check(request: HttpRequest, code: str) -> HttpResponse:
    """The facts of the certificate with this code, nothing else; 404 for an unknown
    code. Public on purpose: addressed by a 12-character random code."""
    found = Certificate.objects.filter(code=code.strip().upper()[:14]).first()
    if found is None:
        raise Http404("No certificate has this code.")
    response = render(
        request,
        "events/certificate_check.html",
        {"certificate": found, "facts": certificate_facts(found)},
    )
    response["X-Robots-Tag"] = "noindex"
    return response
