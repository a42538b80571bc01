"""The optional introductory conversation before a request is decided (issue 14: join
policy "request with organizer approval and an optional introductory conversation"):
the organizer proposes when and how, the person who asked confirms or asks for another
time, each is told, and only the two of them see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from groups import organizing, services
from groups.models import Group, Membership
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_(db):
    group = make_group(join_policy=Group.JoinPolicy.REQUEST, intro_conversation=True)
    asker = MemberFactory(timezone="America/Los_Angeles")
    membership = services.group_join(group=group, member=asker, introduction="Hello")
    return group, asker, membership


def _when(days=3):
    # 17:00 UTC: 10:00 AM in Los Angeles (PDT) or 9:00 AM (PST).
    day = timezone.now() + timedelta(days=days)
    return day.replace(hour=17, minute=0, second=0, microsecond=0)


def test_proposed_confirmed_and_decided(request_):
    group, asker, membership = request_
    at = _when()
    organizing.intro_propose(
        group=group, by=group.organizer, membership=membership, at=at, channel="Video call"
    )
    proposed = Notification.objects.get(recipient=asker, kind="group_intro")
    assert proposed.context["at"] == at.isoformat() and proposed.context["channel"] == "Video call"
    organizing.intro_answer(group=group, member=asker, confirm=True)
    membership.refresh_from_db()
    assert membership.intro_status == Membership.Intro.CONFIRMED
    answered = Notification.objects.get(recipient=group.organizer, kind="group_intro")
    assert answered.context["confirmed"] is True
    # The conversation does not decide anything: the organizer still approves.
    assert membership.status == "requested"
    services.join_request_decide(
        group=group, by=group.organizer, membership=membership, approve=True
    )
    membership.refresh_from_db()
    assert membership.status == "active"


def test_another_time_then_a_new_proposal(request_):
    group, asker, membership = request_
    organizing.intro_propose(
        group=group, by=group.organizer, membership=membership, at=_when(), channel="Phone"
    )
    organizing.intro_answer(group=group, member=asker, confirm=False, reply="Evenings suit me")
    membership.refresh_from_db()
    assert (membership.intro_status, membership.intro_reply) == ("other_time", "Evenings suit me")
    note = Notification.objects.get(recipient=group.organizer, kind="group_intro")
    assert "another time" in note.in_app_text()
    organizing.intro_propose(
        group=group, by=group.organizer, membership=membership, at=_when(4), channel="Phone"
    )
    membership.refresh_from_db()
    assert (membership.intro_status, membership.intro_reply) == ("proposed", "")
    assert Notification.objects.filter(recipient=asker, kind="group_intro").count() == 2


def test_who_may_propose_and_answer(request_):
    group, asker, membership = request_
    member = add_member(group).member
    with pytest.raises(PermissionDenied):
        organizing.intro_propose(
            group=group, by=member, membership=membership, at=_when(), channel="x"
        )
    with pytest.raises(ValidationError):  # nothing proposed yet
        organizing.intro_answer(group=group, member=asker, confirm=True)
    with pytest.raises(ValidationError):  # not their request
        organizing.intro_answer(group=group, member=member, confirm=True)
    with pytest.raises(ValidationError):  # a time in the past
        organizing.intro_propose(
            group=group,
            by=group.organizer,
            membership=membership,
            at=timezone.now() - timedelta(hours=1),
            channel="x",
        )
    services.join_request_decide(
        group=group, by=group.organizer, membership=membership, approve=False
    )
    with pytest.raises(ValidationError):  # the request was answered
        organizing.intro_propose(
            group=group, by=group.organizer, membership=membership, at=_when(), channel="x"
        )


def test_the_pages(client, request_):
    """The organizer proposes from the request on the group's page; the person who
    asked sees it in their own zone and confirms; a member of the group sees nothing."""
    group, asker, membership = request_
    client.force_login(group.organizer)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Propose an introductory conversation first" in page
    at = _when()
    local = timezone.localtime(at, asker.zone)
    response = client.post(
        f"/groups/{group.slug}/members/{membership.pk}/introduction/",
        {"at": timezone.localtime(at, group.organizer.zone).strftime("%Y-%m-%dT%H:%M"),
         "channel": "Video call, link by message"},
    )  # fmt: skip
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.intro_at == at
    client.force_login(asker)
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "Video call, link by message" in page
    assert local.strftime("%-I:%M %p") in page  # in the asker's own zone
    assert "Confirm a conversation with the organizer" in client.get("/").content.decode()
    client.post(f"/groups/{group.slug}/introduction/", {"action": "confirm"})
    membership.refresh_from_db()
    assert membership.intro_status == "confirmed"
    client.force_login(add_member(group).member)
    assert (
        "Video call, link by message" not in client.get(f"/groups/{group.slug}/").content.decode()
    )


def test_a_bad_proposal_comes_back_with_what_was_typed(client, request_):
    group, _, membership = request_
    client.force_login(group.organizer)
    response = client.post(
        f"/groups/{group.slug}/members/{membership.pk}/introduction/",
        {"at": "2001-01-01T10:00", "channel": "Phone, 20 minutes"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose a time in the future." in html and "Phone, 20 minutes" in html
    membership.refresh_from_db()
    assert membership.intro_status == ""


def test_the_group_says_it_offers_a_conversation(client, request_):
    group, _, _ = request_
    client.force_login(MemberFactory())
    page = client.get(f"/groups/{group.slug}/").content.decode()
    assert "after a short introductory conversation" in page
    open_group = make_group(name="Open circle", intro_conversation=True)  # not by request
    assert not open_group.intro_conversation
