"""Joining and leaving: each join policy, the waitlist and freed seats, silent
declines, tiers, and the refusals for a block or a declared dual relationship (neutral,
either direction, at join, approval and invitation)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from groups import services
from groups.models import Group, Membership
from members.models import Block, DualRelationship, Profile
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _status(group, user):
    return Membership.objects.get(group=group, member=user).status


def test_open_group_seats_then_waitlists_then_offers_the_freed_seat():
    group = make_group(capacity=3)
    a = services.group_join(group=group, member=MemberFactory())
    b = services.group_join(group=group, member=MemberFactory())
    waiting = services.group_join(group=group, member=MemberFactory())
    assert (a.status, b.status, waiting.status) == ("active", "active", "waitlisted")
    services.membership_leave(group=group, member=a.member)
    # The seat is offered (held for them), not given: they take it.
    assert _status(group, waiting.member) == "offered"
    assert Notification.objects.filter(recipient=waiting.member, kind="group_seat").exists()
    services.seat_offer_answer(group=group, member=waiting.member, accept=True)
    assert _status(group, waiting.member) == "active"


def test_request_is_approved_or_declined_silently():
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    asker, other = MemberFactory(), MemberFactory()
    request = services.group_join(group=group, member=asker, introduction="Hi, I work with teens.")
    assert request.status == "requested"
    assert Notification.objects.filter(
        recipient=group.organizer, kind="group_join_request"
    ).exists()
    services.join_request_decide(group=group, by=group.organizer, membership=request, approve=True)
    assert _status(group, asker) == "active"
    assert Notification.objects.filter(recipient=asker, kind="group_join_approved").exists()
    declined = services.group_join(group=group, member=other)
    services.join_request_decide(
        group=group, by=group.organizer, membership=declined, approve=False
    )
    assert _status(group, other) == "declined"
    assert not Notification.objects.filter(recipient=other).exists()
    with pytest.raises(services.GroupRefusal):
        services.group_join(group=group, member=other)


def test_only_the_organizer_decides():
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    request = services.group_join(group=group, member=MemberFactory())
    stranger = add_member(group).member
    with pytest.raises(PermissionDenied):
        services.join_request_decide(group=group, by=stranger, membership=request, approve=True)
    assert _status(group, request.member) == "requested"


def test_invitation_only():
    group = make_group(join_policy=Group.JoinPolicy.INVITATION)
    guest = MemberFactory()
    with pytest.raises(services.GroupRefusal):
        services.group_join(group=group, member=guest)
    services.group_invite(group=group, by=group.organizer, invitee=guest)
    assert Notification.objects.filter(recipient=guest, kind="group_invitation").exists()
    services.invitation_answer(group=group, member=guest, accept=True)
    assert _status(group, guest) == "active"


@pytest.mark.parametrize("direction", ["newcomer_declared", "member_declared"])
@pytest.mark.parametrize("kind", ["dual", "block"])
def test_never_in_the_same_group(direction, kind):
    """Whoever declared it, a dual relationship or a block keeps the two apart: the
    join is refused with the neutral message, which says nothing about who or why."""
    group = make_group()
    inside = add_member(group).member
    newcomer = MemberFactory()
    a, b = (newcomer, inside) if direction == "newcomer_declared" else (inside, newcomer)
    if kind == "dual":
        DualRelationship.objects.create(member=a, other=b, kind="clinical")
    else:
        Block.objects.create(blocker=a, blocked=b)
    with pytest.raises(services.GroupRefusal) as refused:
        services.group_join(group=group, member=newcomer)
    assert refused.value.messages == [services.NOT_POSSIBLE]
    assert not Membership.objects.filter(group=group, member=newcomer).exists()


def test_approval_rechecks_who_joined_meanwhile():
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    asker = MemberFactory()
    request = services.group_join(group=group, member=asker)
    inside = add_member(group).member
    DualRelationship.objects.create(member=inside, other=asker, kind="personal")
    services.join_request_decide(group=group, by=group.organizer, membership=request, approve=True)
    assert _status(group, asker) == "declined"
    assert not Notification.objects.filter(recipient=asker).exists()


def test_invitation_refused_for_a_conflict():
    group = make_group(join_policy=Group.JoinPolicy.INVITATION)
    inside = add_member(group).member
    guest = MemberFactory()
    Block.objects.create(blocker=guest, blocked=inside)
    with pytest.raises(services.GroupRefusal):
        services.group_invite(group=group, by=group.organizer, invitee=guest)
    assert not Notification.objects.filter(recipient=guest).exists()


def test_tiers():
    group = make_group(allowed_tiers=[Profile.Tier.LICENSED])
    associate = MemberFactory(profile__credential_tier=Profile.Tier.ASSOCIATE)
    with pytest.raises(services.GroupRefusal):
        services.group_join(group=group, member=associate)
    licensed = MemberFactory(profile__credential_tier=Profile.Tier.LICENSED)
    assert services.group_join(group=group, member=licensed).status == "active"


def test_remove_keeps_a_private_note_and_frees_the_seat():
    group = make_group(capacity=3)
    gone = add_member(group).member
    add_member(group)
    waiting = services.group_join(group=group, member=MemberFactory())
    membership = Membership.objects.get(group=group, member=gone)
    services.membership_remove(
        group=group, by=group.organizer, membership=membership, note="Private"
    )
    membership.refresh_from_db()
    assert (membership.status, membership.note) == ("removed", "Private")
    assert _status(group, waiting.member) == "offered"
    with pytest.raises(services.GroupRefusal):
        services.group_join(group=group, member=gone)


def test_the_organizer_cannot_leave():
    group = make_group()
    with pytest.raises(Exception, match="hand it to another member"):
        services.membership_leave(group=group, member=group.organizer)


def test_join_request_page_flow(client):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    asker = MemberFactory()
    client.force_login(asker)
    response = client.post(f"/groups/{group.slug}/join/", {"introduction": "Hello there"})
    assert response.status_code == 302
    request = Membership.objects.get(group=group, member=asker)
    client.force_login(group.organizer)
    response = client.post(
        f"/groups/{group.slug}/members/{request.pk}/decide/", {"action": "approve"}
    )
    assert response.status_code == 302
    assert _status(group, asker) == "active"
    # A stranger cannot decide, and learns nothing (404).
    client.force_login(MemberFactory())
    assert client.post(f"/groups/{group.slug}/members/{request.pk}/remove/").status_code == 404


def test_the_removal_note_is_shown_to_organizers_only(client):
    group = make_group()
    gone = add_member(group, MemberFactory(profile__display_name="Gil Gone")).member
    stays = add_member(group).member
    membership = Membership.objects.get(group=group, member=gone)
    services.membership_remove(
        group=group, by=group.organizer, membership=membership, note="Kept missing sessions"
    )
    client.force_login(group.organizer)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Removed members" in page and "Kept missing sessions" in page and "Gil Gone" in page
    client.force_login(stays)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Kept missing sessions" not in page and "Gil Gone" not in page
