"""Consultation groups in the demo: a group of each join policy, run by demo people,
plus two for the member login — member@hive.test belongs to one (agreement accepted,
presenting next month) and organizes another, which offers an introductory
conversation: a colleague's request to join waits, with a conversation proposed.

Groups are made through the services, so every rule (agreement, seats, the rota, who
may not be grouped with whom) holds for demo data too. Demo groups are recognised by
their slug prefix, so `clear` never touches a group a person made by hand.
"""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from groups import organizing, services
from groups.cadence import FORTNIGHTLY, MONTHLY, WEEKLY, Cadence
from groups.models import Group, Membership, Session
from hive.demo import DemoContext
from members.models import User

PREFIX = "demo-"

GROUPS = (
    # name, focus, policy, cadence, zone, capacity, listed
    (
        "Trauma-informed peer consultation",
        "Complex trauma and dissociation in outpatient practice.",
        Group.JoinPolicy.OPEN,
        Cadence(MONTHLY, 1, 2),
        "America/New_York",
        6,
        True,
    ),
    (
        "Couples and family case circle",
        "Systemic work with couples and families; high-conflict separations.",
        Group.JoinPolicy.REQUEST,
        Cadence(FORTNIGHTLY, 3),
        "America/Chicago",
        5,
        True,
    ),
    (
        "Prescribers and therapists together",
        "Shared care between psychiatric prescribers and therapists.",
        Group.JoinPolicy.INVITATION,
        Cadence(MONTHLY, 2, 1),
        "America/Los_Angeles",
        8,
        False,
    ),
    (
        "Early-career clinicians' consult",
        "The first five years: boundaries, caseload, and hard first cases.",
        Group.JoinPolicy.OPEN,
        Cadence(WEEKLY, 0),
        "America/Denver",
        4,
        True,
    ),
)


def _slugged(group: Group, slug: str) -> Group:
    Group.objects.filter(pk=group.pk).update(slug=slug)
    group.slug = slug
    return group


def _make(
    organizer: User, name, focus, policy, cadence, zone, capacity, listed, intro=False
) -> Group:
    group = services.group_create(
        intro_conversation=intro,
        organizer=organizer,
        name=name,
        focus=focus,
        cadence=cadence,
        starts_on=timezone.localdate() - timedelta(days=60),
        start_time=time(19, 0),
        zone=zone,
        capacity=capacity,
        join_policy=policy,
        listed=listed,
        clauses="We start and end on time.\nCameras on, in a private room.",
    )
    return _slugged(group, PREFIX + group.slug)


def _seat(group: Group, user: User) -> bool:
    """Seat a demo person and have them accept the agreement (skipped when a rule
    says no: the demo never bends a rule)."""
    try:
        membership = services.group_join(group=group, member=user)
    except services.GroupRefusal:
        return False
    if membership.status == Membership.Status.ACTIVE:
        services.agreement_accept(group=group, member=user, version=group.agreement_version)
        return True
    return False


def seed(context: DemoContext) -> None:
    rng = context.random("groups:people")
    people = [pk for pk in context.people if pk not in context.login_ids.values()]
    users = {u.pk: u for u in User.objects.in_good_standing().filter(pk__in=people)}
    pool = [users[pk] for pk in people if pk in users]
    rng.shuffle(pool)
    member = User.objects.get(pk=context.login_ids["member"])
    made = 0
    for spec in GROUPS:
        if len(pool) < 4:
            break
        organizer = pool.pop()
        group = _make(organizer, *spec)
        policy = group.join_policy
        for _ in range(min(group.capacity - 2, len(pool))):
            person = pool.pop()
            if policy == Group.JoinPolicy.OPEN:
                _seat(group, person)
            else:
                services.group_invite(group=group, by=organizer, invitee=person)
                services.invitation_answer(group=group, member=person, accept=True)
                if Membership.objects.filter(group=group, member=person).active().exists():
                    services.agreement_accept(
                        group=group, member=person, version=group.agreement_version
                    )
        made += 1
        if made == 1:
            # member@hive.test is in the first group, agreement accepted, and presents
            # the session next month (as if they had taken a swap: the rota keeps it).
            _seat(group, member)
            next_month = (
                Session.objects.filter(
                    group=group, starts_at__gt=timezone.now() + timedelta(days=20)
                )
                .order_by("starts_at")
                .first()
            )
            if next_month is not None:
                Session.objects.filter(pk=next_month.pk).update(
                    presenter=member, presenter_confirmed=True
                )
    if len(pool) >= 3:
        # member@hive.test organizes a group by request; a colleague's request waits.
        own = _make(
            member,
            "Ethics and boundaries consult",
            "Small-town practice, dual relationships, and the hard calls in between.",
            Group.JoinPolicy.REQUEST,
            Cadence(MONTHLY, 3, 1),
            member.timezone if member.timezone != "UTC" else "America/Chicago",
            4,
            True,
            intro=True,
        )
        for person in (pool.pop(), pool.pop()):
            services.group_invite(group=own, by=member, invitee=person)
            services.invitation_answer(group=own, member=person, accept=True)
            services.agreement_accept(group=own, member=person, version=own.agreement_version)
        asked = services.group_join(
            group=own,
            member=pool.pop(),
            introduction="I practice in a rural county and would value this group.",
        )
        talk = (timezone.now() + timedelta(days=5)).astimezone(member.zone)
        organizing.intro_propose(
            group=own,
            by=member,
            membership=asked,
            at=talk.replace(hour=12, minute=30, second=0, microsecond=0),
            channel="Video call, 20 minutes; I'll send the link by message",
        )
        made += 1
    context.summary.append(f"{made} consultation groups")


def loaded(context: DemoContext) -> bool:
    return Group.objects.filter(slug__startswith=PREFIX).exists()


def clear(context: DemoContext) -> int:
    deleted, _ = Group.objects.filter(slug__startswith=PREFIX).delete()
    return deleted
