"""The groups card on the member home (see hive/home.py): the member's next session
(with a note when they present it) and what waits for them: an agreement to accept,
an invitation, a seat offered from a waitlist (with its deadline), an introductory
conversation to confirm, a group to take over, requests to answer as organizer. Three
queries."""

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
        .filter(
            status__in=[
                Membership.Status.ACTIVE,
                Membership.Status.INVITED,
                Membership.Status.OFFERED,
                Membership.Status.REQUESTED,
            ]
        )
        .select_related("group")
    )
    # A request shows here only while a proposed conversation waits for an answer.
    mine = [
        m
        for m in mine
        if m.status != Membership.Status.REQUESTED or m.intro_status == Membership.Intro.PROPOSED
    ]
    if not mine:
        return []
    entitled = [m.group_id for m in mine if m.has_current_agreement(m.group)]
    to_accept = [m.group for m in mine if m.status == "active" and m.group_id not in entitled]
    invited = [m.group for m in mine if m.status == Membership.Status.INVITED]
    offered = [m for m in mine if m.status == Membership.Status.OFFERED]
    intros = [m for m in mine if m.status == Membership.Status.REQUESTED]
    handovers = [
        m.group for m in mine if m.status == "active" and m.group.handover_to_id == user.pk
    ]
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
        "offered": offered,
        "intros": intros,
        "handovers": handovers,
        "requests": list(requests),
    }
    return [HomeCard("groups/home/next_session.html", context, order=30)]
