"""The members app's cards on the member home (see hive/home.py), by what needs the
member: connection requests waiting for an answer (accept or decline right there), the
new member's checklist (every app's steps, for the first weeks, until done), a slim
two-factor line, how complete the profile is, and the links to one's profile and
account."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from hive import home as hive_home
from hive.home import HomeCard, OnboardingStep, once_per_request
from members.completeness import profile_completeness
from members.models import Connection, Profile, User

# The checklist is for a member's first weeks: after that, the single cards (two-factor,
# profile, values) still nudge, without a list that reads like homework.
ONBOARDING_WEEKS = 6
REQUESTS_SHOWN = 3


def home_cards(request: HttpRequest) -> list[HomeCard]:
    user = request.user
    profile = _profile(request)
    cards = []
    requests = _requests(request)
    if requests:
        cards.append(
            HomeCard(
                "members/home/requests.html",
                {"requests": requests[:REQUESTS_SHOWN], "count": len(requests)},
                order=10,
            )
        )
    steps = hive_home.onboarding_steps(request)
    if _is_new(profile) and steps and not all(step.done for step in steps):
        cards.append(
            HomeCard(
                "members/home/onboarding.html",
                {
                    "steps": steps,
                    "done": sum(step.done for step in steps),
                    "member_count": User.objects.in_good_standing().count(),
                },
                order=15,
            )
        )
    if not user.has_two_factor:
        cards.append(HomeCard("members/home/two_factor.html", order=5, slot="header"))
    if profile is not None:
        completeness = _completeness(request)
        if not completeness.complete:
            cards.append(
                HomeCard("members/home/profile.html", {"completeness": completeness}, order=35)
            )
    cards.append(
        HomeCard("members/home/start.html", {"has_two_factor": user.has_two_factor}, order=100)
    )
    return cards


def onboarding_steps(request: HttpRequest) -> list[OnboardingStep]:
    """The members app's steps: the profile, two-factor, a first connection."""
    profile = _profile(request)
    if profile is None:
        return []
    completeness = _completeness(request)
    connected = Connection.objects.involving(request.user).exists()
    return [
        OnboardingStep(
            "Fill in your profile",
            reverse("members:profile_edit"),
            done=completeness.enough,
            order=10,
            hint=f"Still missing: {', '.join(completeness.missing[:3])}.",
        ),
        OnboardingStep(
            "Turn on two-factor sign-in",
            reverse("mfa_index"),
            done=request.user.has_two_factor,
            order=30,
            hint="A code from your phone when you log in: about two minutes.",
        ),
        OnboardingStep(
            "Connect with a colleague",
            reverse("members:directory"),
            done=connected,
            order=40,
            hint="Find someone you know in the directory, or someone you'd like to know.",
        ),
    ]


def _profile(request: HttpRequest) -> Profile | None:
    return once_per_request(
        request, "members.profile", lambda: Profile.objects.filter(user=request.user).first()
    )


def _completeness(request: HttpRequest):
    return once_per_request(
        request, "members.completeness", lambda: profile_completeness(_profile(request))
    )


def _is_new(profile: Profile | None) -> bool:
    return profile is not None and profile.created_at > timezone.now() - timedelta(
        weeks=ONBOARDING_WEEKS
    )


def _requests(request: HttpRequest) -> list[tuple[Profile, Connection]]:
    """Requests to connect sent to this member by members in good standing, oldest
    first (they have waited longest). One query."""
    me = request.user
    rows = (
        Connection.objects.involving(me)
        .filter(status=Connection.Status.REQUESTED)
        .exclude(requested_by=me)
        .filter(requested_by__in=User.objects.in_good_standing())
        .select_related("requested_by__profile")
        .order_by("created_at", "pk")
    )
    return [
        (row.requested_by.profile, row)
        for row in rows
        if getattr(row.requested_by, "profile", None) is not None
    ]
