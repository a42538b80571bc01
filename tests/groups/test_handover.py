"""Handing a group over: the organizer asks a member who accepted the current
agreement; that member accepts (they organize, the previous organizer stays a member,
the change is audited and members are told) or declines (the organizer is told)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from groups import organizing, services
from groups.models import Group, Membership
from members.models import AuditEvent, Block, DualRelationship
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _role(group, user) -> tuple[str, str]:
    membership = Membership.objects.get(group=group, member=user)
    return membership.role, membership.status


@pytest.fixture
def group():
    group = make_group(join_policy=Group.JoinPolicy.REQUEST)
    group.heir = add_member(group).member
    group.other = add_member(group).member
    return group


def test_the_member_asked_accepts_and_organizes(group):
    before = group.organizer
    organizing.handover_ask(group=group, by=before, to=group.heir)
    asked = Notification.objects.get(recipient=group.heir, kind="group_handover")
    assert asked.context["asked"] is True
    organizing.handover_answer(group=group, member=group.heir, accept=True)
    group.refresh_from_db()
    assert group.organizer == group.heir and group.handover_to is None
    assert _role(group, group.heir) == ("organizer", "active")
    # The previous organizer stays in the group, agreement and all.
    assert _role(group, before) == ("member", "active")
    assert Membership.objects.get(group=group, member=before).has_current_agreement(group)
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_HANDED_OVER)
    assert (event.subject, event.actor) == (group.heir, before)
    assert event.data["group"] == group.pk
    told = set(
        Notification.objects.filter(kind="group_organizer_changed").values_list(
            "recipient_id", flat=True
        )
    )
    assert told == {before.pk, group.other.pk}
    # The new organizer organizes; the previous one no longer does, and may now leave.
    services.agreement_publish(group=group, by=group.heir, clauses="New words.")
    with pytest.raises(PermissionDenied):
        services.agreement_publish(group=group, by=before, clauses="Old words.")
    services.membership_leave(group=group, member=before)
    assert _role(group, before) == ("member", "left")


def test_declining_changes_nothing_and_tells_the_organizer(group):
    organizing.handover_ask(group=group, by=group.organizer, to=group.heir)
    organizing.handover_answer(group=group, member=group.heir, accept=False)
    group.refresh_from_db()
    assert group.handover_to is None
    assert _role(group, group.organizer) == ("organizer", "active")
    declined = Notification.objects.get(recipient=group.organizer, kind="group_handover")
    assert declined.context["declined"] is True
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_HANDED_OVER).exists()


def test_only_the_organizer_asks_and_only_the_member_asked_answers(group):
    with pytest.raises(PermissionDenied):
        organizing.handover_ask(group=group, by=group.other, to=group.heir)
    organizing.handover_ask(group=group, by=group.organizer, to=group.heir)
    with pytest.raises(ValidationError):
        organizing.handover_answer(group=group, member=group.other, accept=True)
    group.refresh_from_db()
    assert group.organizer != group.other


def test_only_to_a_member_with_the_current_agreement(group):
    stale = add_member(group, accept=False).member
    outsider = MemberFactory()
    for person in (stale, outsider, group.organizer):
        with pytest.raises(ValidationError):
            organizing.handover_ask(group=group, by=group.organizer, to=person)
    # A new version withdraws it until they accept again: the answer is refused then.
    organizing.handover_ask(group=group, by=group.organizer, to=group.heir)
    services.agreement_publish(group=group, by=group.organizer, clauses="v2")
    organizing.handover_answer(group=group, member=group.heir, accept=True)
    group.refresh_from_db()
    assert group.organizer != group.heir and group.handover_to is None


@pytest.mark.parametrize("kind", ["block", "dual"])
def test_never_to_someone_in_a_block_or_dual_relationship_with_a_member(group, kind):
    """The organizer is a public fact of the group: a member in a block with the new
    organizer would lose the group. The refusal is neutral."""
    if kind == "block":
        Block.objects.create(blocker=group.other, blocked=group.heir)
    else:
        DualRelationship.objects.create(member=group.heir, other=group.other, kind="personal")
    with pytest.raises(services.GroupRefusal) as refused:
        organizing.handover_ask(group=group, by=group.organizer, to=group.heir)
    assert refused.value.messages == [services.HANDOVER_NOT_POSSIBLE]


def test_leaving_lets_a_pending_handover_lapse(group):
    organizing.handover_ask(group=group, by=group.organizer, to=group.heir)
    services.membership_leave(group=group, member=group.heir)
    group.refresh_from_db()
    assert group.handover_to is None


def test_the_pages(client, group):
    """The organizer asks from the group's page, the member answers there; someone
    else posting an answer gets a 404 and changes nothing."""
    heir_membership = Membership.objects.get(group=group, member=group.heir)
    client.force_login(group.organizer)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Hand the group over" in page
    client.post(
        f"/groups/{group.slug}/handover/", {"action": "ask", "member": str(heir_membership.pk)}
    )
    group.refresh_from_db()
    assert group.handover_to == group.heir
    client.force_login(group.other)
    assert "Would you organize" not in client.get(f"/groups/{group.slug}/").content.decode()
    assert client.post(f"/groups/{group.slug}/handover/", {"action": "accept"}).status_code == 404
    client.force_login(group.heir)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Would you organize this group?" in page
    assert "You are asked to organize" in client.get("/").content.decode()
    client.post(f"/groups/{group.slug}/handover/", {"action": "accept"})
    group.refresh_from_db()
    assert group.organizer == group.heir


def test_asking_someone_outside_the_group_by_id_is_refused(client, group):
    elsewhere = add_member(make_group(name="Another circle")).pk
    client.force_login(group.organizer)
    client.post(f"/groups/{group.slug}/handover/", {"action": "ask", "member": str(elsewhere)})
    group.refresh_from_db()
    assert group.handover_to is None
