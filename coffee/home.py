"""Coffee dates' card on the member home (see hive/home.py): what waits for the member
(an intro to answer, a "Did you meet?"), the date that is on, or an invitation to opt
in. Two queries."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from coffee.models import CoffeeDate, CoffeeSettings, Participant
from coffee.services import CHECK_IN_WINDOW
from hive.home import HomeCard

Status = CoffeeDate.Status


def _other(side: Participant):
    date = side.date
    return date.member_b if date.member_a_id == side.member_id else date.member_a


def home_cards(request: HttpRequest) -> list[HomeCard]:
    user = request.user
    now = timezone.now()
    sides = list(
        Participant.objects.filter(member=user, date__in=CoffeeDate.objects.visible_to(user))
        .filter(
            Q(date__status=Status.PROPOSED, response=Participant.Response.PENDING)
            | Q(
                date__status=Status.CONFIRMED,
                met__in=["", Participant.Met.NOT_YET],
                round__run_at__gte=now - CHECK_IN_WINDOW,
            )
        )
        .select_related("round", "date__member_a__profile", "date__member_b__profile")
        .order_by("-round__run_at", "-pk")[:3]
    )
    intro = next((s for s in sides if s.date.status == Status.PROPOSED), None)
    check_in = next((s for s in sides if s.check_in_due(now)), None)
    upcoming = next(
        (s for s in sides if s.date.status == Status.CONFIRMED and s is not check_in), None
    )
    context = {
        "intro": intro,
        "intro_with": _other(intro) if intro else None,
        "check_in": check_in,
        "check_in_with": _other(check_in) if check_in else None,
        "upcoming": upcoming,
        "upcoming_with": _other(upcoming) if upcoming else None,
    }
    if intro or check_in:
        return [HomeCard("coffee/home/coffee.html", context, order=20)]
    if upcoming:
        return [HomeCard("coffee/home/coffee.html", context, order=40)]
    opted_in = CoffeeSettings.objects.filter(user=user, opted_in=True).exists()
    context["invite"] = not opted_in
    return [HomeCard("coffee/home/coffee.html", context, order=70)] if not opted_in else []
