"""The member's home (`/`): a page of cards, each from the app it is about.

An app contributes cards from its own `<app>/home.py`:

    home_cards(request) -> list[HomeCard]

called for a member in good standing (or staff) on every visit to `/`, in
INSTALLED_APPS order; cards are shown by `order` (lower first), then in that order.
Keep each app's cards to a fixed, small number of queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.http import HttpRequest

from hive.plugins import app_modules

HOME_MODULE = "home"


@dataclass(frozen=True)
class HomeCard:
    template: str  # rendered with `card` set to `context`
    context: dict = field(default_factory=dict)
    order: int = 50  # 10-30: what needs the member now; 100: links
    slot: str = "main"  # or "header": a line under the page heading


def home_cards(request: HttpRequest) -> list[HomeCard]:
    """Every app's cards for this member, in the order the home page shows them."""
    cards = [card for module in app_modules(HOME_MODULE) for card in module.home_cards(request)]
    return sorted(cards, key=lambda card: card.order)
