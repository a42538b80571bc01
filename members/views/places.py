"""The place autocomplete behind the profile's city field (htmx, members only)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from hive.access import member_required
from members.places import MIN_QUERY_LENGTH, get_place, normalise, search_places

MAX_QUERY_LENGTH = 100  # longer than any place name with its state; caps the work per keystroke


@member_required
@require_GET
def place_search(request: HttpRequest) -> HttpResponse:
    """Suggest places for ?q=: the `results` fragment for htmx (or `options` with
    ?as=options), else a plain page.

    Served from the in-memory place list: no database query beyond the session and user.
    """
    # The directory's "near" field asks with its own name (htmx sends an input's value
    # under its name) and wants <option>s for its <datalist> rather than buttons.
    query = (request.GET.get("q") or request.GET.get("near") or "")[:MAX_QUERY_LENGTH].strip()
    context = {
        "query": query,
        "places": search_places(query),
        "too_short": len(normalise(query)) < MIN_QUERY_LENGTH,
    }
    if request.htmx and request.GET.get("as") == "options":
        return render(request, "members/place_search.html#options", context)
    if request.htmx:
        return render(request, "members/place_search.html#results", context)
    # Without JavaScript, choosing a suggestion submits the form: show what was chosen.
    chosen = request.GET.get("place", "")
    context["chosen"] = get_place(int(chosen)) if chosen.isascii() and chosen.isdigit() else None
    return render(request, "members/place_search.html", context)
