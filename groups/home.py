"""The groups card on the member home (see hive/home.py): the member's next session
(with a note when they present it) and what waits for them: an agreement to accept,
an invitation, requests to answer as organizer. Three queries."""

from __future__ import annotations

from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from groups.models import Membership, Session
from hive.home import HomeCard


def home_cards(request: HttpRequest) -> list[HomeCard]:
    user = request.user
    mine = list(
        Membership.objects.filter(member=user)
        .filter(status__in=[Membership.Status.ACTIVE, Membership.Status.INVITED])
        .select_related("group")
    )
    if not mine:
        return []
    entitled = [m.group_id for m in mine if m.has_current_agreement(m.group)]
    to_accept = [m.group for m in mine if m.status == "active" and m.group_id not in entitled]
    invited = [m.group for m in mine if m.status == Membership.Status.INVITED]
    organized = [m.group_id for m in mine if m.is_organizer]
    requests = (
        Membership.objects.filter(group__in=organized, status=Membership.Status.REQUESTED)
        .values("group__slug", "group__name")
        .distinct()
        if organized
        else []
    )
    upcoming = (
        Session.objects.filter(
            group__in=entitled,
            starts_at__gt=timezone.now(),
            status=Session.Status.SCHEDULED,
        )
        .select_related("group")
        .annotate(presenting=F("presenter_id"))
        .order_by("starts_at")
        .first()
        if entitled
        else None
    )
    context = {
        "next": upcoming,
        "presenting": upcoming is not None and upcoming.presenter_id == user.pk,
        "to_accept": to_accept,
        "invited": invited,
        "requests": list(requests),
    }
    return [HomeCard("groups/home/next_session.html", context, order=30)]
