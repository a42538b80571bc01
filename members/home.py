"""The members app's cards on the member home (see hive/home.py): how many vetted
colleagues there are, the two-factor prompt, and the links to one's profile and
account."""

from __future__ import annotations

from django.http import HttpRequest

from hive.home import HomeCard
from members.models import User


def home_cards(request: HttpRequest) -> list[HomeCard]:
    user = request.user
    has_two_factor = user.has_two_factor
    cards = [
        HomeCard(
            "members/home/welcome.html",
            {"member_count": User.objects.in_good_standing().count()},
            slot="header",
        ),
        HomeCard("members/home/start.html", {"has_two_factor": has_two_factor}, order=100),
    ]
    if not has_two_factor:
        cards.append(HomeCard("members/home/two_factor.html", order=10))
    return cards
