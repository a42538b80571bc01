"""The member's home (`/`): a page of cards, each from the app it is about.

An app contributes cards from its own `<app>/home.py`:

    home_cards(request) -> list[HomeCard]

called for a member in good standing (or staff) on every visit to `/`, in
INSTALLED_APPS order; cards are shown by `order` (lower first), then in that order.
Keep each app's cards to a fixed, small number of queries.

An app may also offer steps of the new member's checklist (members/home.py shows it
in a member's first weeks, until every step is done):

    onboarding_steps(request) -> list[OnboardingStep]

Work two functions of one app both need (a progress count) goes through
`once_per_request`, so it costs its queries once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from django.http import HttpRequest

from hive.plugins import app_modules

HOME_MODULE = "home"
T = TypeVar("T")


@dataclass(frozen=True)
class HomeCard:
    template: str  # rendered with `card` set to `context`
    context: dict = field(default_factory=dict)
    # 5-30: what needs the member now (requests, the checklist); 30-60: what is next
    # (sessions, events); 60-90: who to meet; 100: links.
    order: int = 50
    slot: str = "main"  # or "header": a slim line under the page heading


@dataclass(frozen=True)
class OnboardingStep:
    label: str  # "Answer the values questionnaire"
    url: str
    done: bool
    order: int = 50
    hint: str = ""  # one line under the label, while it is not done


def home_cards(request: HttpRequest) -> list[HomeCard]:
    """Every app's cards for this member, in the order the home page shows them."""
    cards = [card for module in app_modules(HOME_MODULE) for card in module.home_cards(request)]
    return sorted(cards, key=lambda card: card.order)


def onboarding_steps(request: HttpRequest) -> list[OnboardingStep]:
    """Every app's checklist steps for this member, in order."""
    steps = [
        step
        for module in app_modules(HOME_MODULE)
        if hasattr(module, "onboarding_steps")
        for step in module.onboarding_steps(request)
    ]
    return sorted(steps, key=lambda step: step.order)


def once_per_request(request: HttpRequest, key: str, compute: Callable[[], T]) -> T:
    """`compute()`, remembered on the request under `key` for the rest of it."""
    memo = request.__dict__.setdefault("_hive_home_memo", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]
