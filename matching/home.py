"""The matching app's cards on the member home (see hive/home.py): the values
questionnaire, offered right after approval until at least half is answered; a few
colleagues to meet, each with the reason; and the questionnaire as a step of the new
member's checklist."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from hive.home import HomeCard, OnboardingStep, once_per_request
from matching.models import Purpose
from matching.services import values_progress
from matching.suggestions import suggest

SUGGESTIONS_SHOWN = 3


def _progress(request: HttpRequest):
    # One query, shared by the card and the checklist step.
    return once_per_request(
        request, "matching.progress", lambda: values_progress(member=request.user)
    )


def home_cards(request: HttpRequest) -> list[HomeCard]:
    cards = []
    progress = _progress(request)
    if progress.total and not progress.at_least_half:
        cards.append(HomeCard("matching/home/values.html", {"progress": progress}, order=20))
    suggestions = suggest(request.user, Purpose.PEER_CONSULTATION, limit=SUGGESTIONS_SHOWN)
    if suggestions.items:
        cards.append(
            HomeCard("matching/home/suggestions.html", {"suggestions": suggestions}, order=70)
        )
    return cards


def onboarding_steps(request: HttpRequest) -> list[OnboardingStep]:
    progress = _progress(request)
    if not progress.total:
        return []
    return [
        OnboardingStep(
            "Answer the values questionnaire",
            reverse("matching:values"),
            done=progress.at_least_half,
            order=20,
            hint=f"{progress.answered} of {progress.total} answered. Nobody sees your answers.",
        )
    ]
