"""Suggestions (/matches/) and dismissing them."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.views.decorators.http import require_GET, require_POST

from hive.access import member_required
from hive.http import slug_reverse
from matching import services
from matching.models import Dismissal, Purpose, SuggestionFeedback
from matching.suggestions import Suggestion, suggest
from members import photos
from members.access import ProfileAccess, access_profile

# One sentence per tab, under its heading.
INTROS = {
    Purpose.PEER_CONSULTATION: "Colleagues at a similar stage who share your focus.",
    Purpose.MENTORSHIP: "Someone who could mentor you, or whom you could mentor.",
    Purpose.INTERDISCIPLINARY: "Other professions serving the same people as you.",
    Purpose.REFERRAL: "Specialties you don’t offer, nearby or by telehealth, taking referrals.",
    Purpose.COFFEE: "Colleagues near enough to meet, or up for a virtual coffee.",
}


def _purpose(value: str | None) -> str:
    return value if value in Purpose.values else Purpose.PEER_CONSULTATION


def _matches_url(purpose: str) -> str:
    return f"{reverse('matching:matches')}?{urlencode({'purpose': purpose})}"


@dataclass(frozen=True)
class MatchCard:
    """One suggestion with its links and photo, made here once rather than by a dozen
    template tags per card (twenty cards with seven links and three forms each)."""

    item: Suggestion
    photo: SafeString
    profile_url: str
    connect_url: str
    dismiss_url: str
    feedback_url: str

    @classmethod
    def of(cls, item: Suggestion) -> MatchCard:
        handle = item.profile.handle
        return cls(
            item=item,
            photo=photos.photo_html(item.profile, photos.SMALL, "match-avatar"),
            profile_url=slug_reverse("members:profile", handle),
            connect_url=slug_reverse("members:connect", handle),
            dismiss_url=slug_reverse("matching:dismiss", handle),
            feedback_url=slug_reverse("matching:feedback", handle),
        )


@member_required
@require_GET
def matches(request: HttpRequest) -> HttpResponse:
    """/matches/: suggestions for one purpose (?purpose=…), a tab each, with the reason
    and the actions. htmx tab switches get the tabs and list only."""
    purpose = _purpose(request.GET.get("purpose"))
    result = suggest(request.user, purpose)
    context = {
        "result": result,
        "cards": [MatchCard.of(item) for item in result.items],
        # The three forms on each card share one token field, written once by Django's
        # own helper (the one its Jinja2 backend uses): the field {% csrf_token %} writes.
        "csrf_input": csrf_input(request),
        "purpose": purpose,
        "purpose_label": Purpose(purpose).label,
        "intro": INTROS[purpose],
        "purposes": Purpose.choices,
        "here": _matches_url(purpose),
    }
    partial = request.htmx and not request.htmx.history_restore_request
    template = "matching/matches.html#results" if partial else "matching/matches.html"
    response = render(request, template, context)
    # The same URL answers with a fragment or a page: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def _other(request: HttpRequest, handle: str) -> ProfileAccess:
    """The member at `handle` as the viewer may see them: a 404 when they may not (not a
    member, blocked either way) and for oneself, whom there is nothing to mark."""
    access = access_profile(request.user, handle, follow_moved=True)
    if access.profile.user_id == request.user.pk:
        raise Http404("No such member.")
    return access


@member_required
@require_POST
def dismiss(request: HttpRequest, handle: str) -> HttpResponse:
    """Dismiss a suggestion: "not now" hides them from this purpose for a while, "never"
    from every purpose for good. htmx replaces the card with a short confirmation;
    without JavaScript, back to the tab with a message."""
    access = _other(request, handle)
    purpose = _purpose(request.POST.get("purpose"))
    kind = request.POST.get("kind")
    try:
        services.dismissal_create(
            member=request.user,
            other=access.profile.user,
            purpose=Dismissal.ALL if kind == Dismissal.Kind.NEVER else purpose,
            kind=kind,
        )
    except ValidationError:
        return HttpResponseBadRequest("Choose “Not now” or “Never”.")
    name = access.profile.display_name
    if kind == Dismissal.Kind.NEVER:
        done = f"We won’t suggest {name} again."
    else:
        label = Purpose(purpose).label
        done = f"{name} won’t be suggested under “{label}” for {Dismissal.NOT_NOW_DAYS} days."
    if request.htmx:
        return render(
            request,
            "matching/matches.html#dismissed",
            {"profile": access.profile, "done": done},
        )
    messages.success(request, done)
    return redirect(_matches_url(purpose))


@member_required
@require_POST
def feedback(request: HttpRequest, handle: str) -> HttpResponse:
    """ "Good suggestion? yes / not really" on a card: stored (private to the viewer),
    it teaches this tab's ranking (matching.suggestions.damping). htmx swaps the
    question for a thank-you; without JavaScript, back to the tab with a message."""
    access = _other(request, handle)
    purpose = _purpose(request.POST.get("purpose"))
    verdict = request.POST.get("verdict", "")
    if verdict not in SuggestionFeedback.Verdict.values:
        return HttpResponseBadRequest("Answer “yes” or “not really”.")
    services.suggestion_feedback_record(
        member=request.user, other=access.profile.user, purpose=purpose, verdict=verdict
    )
    done = (
        "Thanks: we’ll suggest more colleagues like this."
        if verdict == SuggestionFeedback.Verdict.YES
        else "Thanks: we’ll suggest fewer colleagues like this here."
    )
    if request.htmx:
        return render(
            request,
            "matching/matches.html#feedback",
            {"profile": access.profile, "done": done},
        )
    messages.success(request, done)
    return redirect(_matches_url(purpose))
