"""Groups for tests, made through the services (so every rule a real group went
through holds for them too), and members placed in them."""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from groups import schedule, services
from groups.cadence import MONTHLY, Cadence
from groups.models import Group, Membership
from members.models import Profile
from tests.members.factories import MemberFactory


def make_group(organizer=None, **fields) -> Group:
    """A monthly group (second Tuesday, 19:00 New York) with its first agreement and
    its sessions for the coming quarter."""
    organizer = organizer or MemberFactory()
    options = {
        "name": "Thursday trauma consult",
        "focus": "Complex trauma in outpatient practice.",
        "cadence": Cadence(MONTHLY, 1, 2),
        "starts_on": timezone.localdate() - timedelta(days=40),
        "start_time": time(19, 0),
        "zone": "America/New_York",
        "capacity": 6,
        "join_policy": Group.JoinPolicy.OPEN,
        "clauses": "We start and end on time.",
    }
    options.update(fields)
    return services.group_create(organizer=organizer, **options)


def add_member(group: Group, user=None, *, accept: bool = True) -> Membership:
    """Seat `user` (a new member by default) in `group` directly, accepting the current
    agreement unless told not to."""
    user = user or MemberFactory(profile__credential_tier=Profile.Tier.LICENSED)
    membership, _ = Membership.objects.update_or_create(
        group=group, member=user, defaults={"status": Membership.Status.ACTIVE}
    )
    if accept:
        services.agreement_accept(group=group, member=user, version=group.agreement_version)
        membership.refresh_from_db()
    schedule.rota_assign(group=group)
    return membership
