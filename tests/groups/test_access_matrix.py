"""Nothing of a group's content or membership reaches anyone not entitled to it: every
group page × every role, on the HTML actually sent, plus the calendar feed's entries
and who is notified of what.

Roles: visitor, applicant, a member outside the group, a member whose request waits,
a member who has not accepted the current agreement, a member, a member who stepped
out of this session's case, the organizer, members blocked by / blocking the organizer,
a member in a block with one of the group's members, staff.
"""

from __future__ import annotations

import pytest
from django.test import Client

from groups import services, sessions
from groups.calendar import calendar_entries
from groups.models import Group, Membership
from members.models import Block
from notifications.models import Notification
from tests.groups.factories import add_member, make_group
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

NOTES = "Notes-marker: the case turned on attachment."
POST = "Post-marker: see you all next month."


@pytest.fixture
def world():
    organizer = MemberFactory(profile__display_name="Orla Organizer")
    group = make_group(organizer=organizer, join_policy=Group.JoinPolicy.REQUEST)
    member = add_member(group, MemberFactory(profile__display_name="Mina Member")).member
    presenter_m = add_member(group, MemberFactory(profile__display_name="Pavel Presenter"))
    recused = add_member(group, MemberFactory(profile__display_name="Rhea Recused")).member
    stale = add_member(group, MemberFactory(profile__display_name="Stan Stale")).member
    session = group.sessions.order_by("starts_at").first()
    session.presenter = presenter_m.member
    session.presenter_confirmed = True  # as if they ticked the checklist: the rota keeps it
    session.save()
    sessions.recusal_declare(session=session, member=recused)
    sessions.notes_save(session=session, by=presenter_m.member, notes=NOTES)
    sessions.post_create(group=group, author=member, body=POST)
    # A new version that Stan has not accepted; everyone else re-accepts it.
    services.agreement_publish(group=group, by=organizer, clauses="Phones away.")
    group.refresh_from_db()
    for person in (member, presenter_m.member, recused):
        services.agreement_accept(group=group, member=person, version=group.agreement_version)
    requester = MemberFactory(profile__display_name="Reza Requester")
    services.group_join(group=group, member=requester, introduction="Hello")
    blocked_by_organizer = MemberFactory()
    Block.objects.create(blocker=organizer, blocked=blocked_by_organizer)
    blocking_organizer = MemberFactory()
    Block.objects.create(blocker=blocking_organizer, blocked=organizer)
    # Mina's blocker is in a block with Mina, who is in the group.
    blocks_member = add_member(group, MemberFactory(profile__display_name="Bea Blocker")).member
    services.agreement_accept(group=group, member=blocks_member, version=group.agreement_version)
    Block.objects.create(blocker=blocks_member, blocked=member)
    return {
        "group": group,
        "session": session,
        "roles": {
            "visitor": None,
            "applicant": ApplicantFactory(),
            "outsider": MemberFactory(),
            "requested": requester,
            "stale": stale,
            "member": member,
            "recused": recused,
            "presenter": presenter_m.member,
            "organizer": organizer,
            "blocked_by_organizer": blocked_by_organizer,
            "blocking_organizer": blocking_organizer,
            "blocks_member": blocks_member,
            "staff": StaffFactory(),
        },
    }


CONTENT = {"member", "recused", "presenter", "organizer", "blocks_member"}
HIDDEN = {"blocked_by_organizer", "blocking_organizer"}
OUT = {"visitor", "applicant"}


def _get(user, url):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url)


@pytest.mark.parametrize(
    "role",
    [
        "visitor",
        "applicant",
        "outsider",
        "requested",
        "stale",
        "member",
        "recused",
        "presenter",
        "organizer",
        "blocked_by_organizer",
        "blocking_organizer",
        "blocks_member",
        "staff",
    ],
)
def test_group_pages_by_role(world, role):
    group, session = world["group"], world["session"]
    user = world["roles"][role]
    detail = _get(user, f"/groups/{group.slug}/")
    session_page = _get(user, f"/groups/{group.slug}/sessions/{session.pk}/")
    all_sessions = _get(user, f"/groups/{group.slug}/sessions/")
    listing = _get(user, "/groups/")
    if role in OUT:
        for response in (detail, session_page, all_sessions, listing):
            assert response.status_code == 302
        return
    if role in HIDDEN:
        assert detail.status_code == 404
        assert session_page.status_code == 404
        assert all_sessions.status_code == 404
        assert group.name not in listing.content.decode()
        return
    # The list of all sessions: for those who see the content, with no notes in it.
    assert all_sessions.status_code == (200 if role in CONTENT else 404)
    assert NOTES not in all_sessions.content.decode()
    page = detail.content.decode()
    assert detail.status_code == 200
    assert group.name in listing.content.decode()
    # Never the member list in the listing.
    assert "Mina Member" not in listing.content.decode()
    if role in CONTENT:
        assert "Pavel Presenter" in page
        assert str(session.pk) in page
        if role == "blocks_member":
            # A block hides each from the other in the group's lists and threads.
            assert "Mina Member" not in page
            assert POST not in page
        else:
            assert "Mina Member" in page
            assert POST in page
        assert session_page.status_code == 200
        html = session_page.content.decode()
        assert (NOTES.split(":")[1].strip() in html) is (role != "recused")
        # Only the presenter and the organizer see who stepped out.
        assert ("Rhea Recused" in html) is (role in ("presenter", "organizer"))
    else:
        for name in ("Mina Member", "Pavel Presenter", "Rhea Recused", "Stan Stale"):
            assert name not in page, name
        assert POST not in page
        assert str(session.pk) not in page
        assert session_page.status_code == 404
    if role == "organizer":
        assert "Reza Requester" in page and "Hello" in page
    else:
        assert "Reza Requester" not in page
    if role == "stale":
        assert "accept the agreement" in page.lower()


def test_post_routes_refuse_those_without_the_current_agreement(world):
    group, session = world["group"], world["session"]
    for role in ("outsider", "requested", "stale", "staff"):
        client = Client()
        client.force_login(world["roles"][role])
        base = f"/groups/{group.slug}/sessions/{session.pk}/"
        for path in ("rsvp/", "recuse/", "notes/", "checklist/", "swap/", "change/"):
            assert client.post(base + path, {"answer": "yes", "notes": "x"}).status_code == 404
        assert client.post(f"/groups/{group.slug}/discussion/", {"body": "x"}).status_code == 404
    assert "x" not in set(group.posts.values_list("body", flat=True))


def test_unlisted_group_is_a_404_for_outsiders_but_not_for_staff():
    group = make_group(listed=False)
    outsider, staff = MemberFactory(), StaffFactory()
    assert _get(outsider, f"/groups/{group.slug}/").status_code == 404
    assert group.name not in _get(outsider, "/groups/").content.decode()
    response = _get(staff, f"/groups/{group.slug}/")
    assert response.status_code == 200
    assert "For staff" in response.content.decode()


def test_calendar_entries_only_with_the_current_agreement(world):
    roles = world["roles"]
    for role, user in roles.items():
        if user is None:
            continue
        entries = list(calendar_entries(user))
        if role in CONTENT:
            assert entries, role
            assert all(NOTES not in e.description for e in entries)
        else:
            assert entries == [], role


def test_notifications_go_only_to_those_entitled(world):
    group, session = world["group"], world["session"]
    organizer = world["roles"]["organizer"]
    Notification.objects.all().delete()
    sessions.session_cancel(session=session, by=organizer)
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    roles = world["roles"]
    expected = {roles[r].pk for r in CONTENT if r != "organizer"}
    assert told == expected
    Notification.objects.all().delete()
    services.agreement_publish(group=group, by=organizer, clauses="v3")
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    active = set(
        Membership.objects.filter(group=group).active().values_list("member_id", flat=True)
    )
    assert told == active - {organizer.pk}
    assert roles["requested"].pk not in told and roles["outsider"].pk not in told
