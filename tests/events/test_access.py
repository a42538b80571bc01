"""Who sees what of an event: every role on the event page, and the rule that the
online link and the venue notes reach only members going (pages, fragments, files,
feeds, emails)."""

import pytest
from django.core import mail
from django.test import Client

from events.services import event_set_listed, event_update, organizer_add, rsvp_going
from members.services import block_create, calendar_token_regenerate
from notifications.delivery import build_email
from notifications.models import Notification
from tests.events.factories import EventFactory, OnlineEventFactory
from tests.members.factories import ApplicantFactory, MemberFactory, StaffFactory

pytestmark = pytest.mark.django_db

LINK = "https://meet.example.org/secret-room-4821"
NOTES = "Suite 300, ring the bell"


@pytest.fixture
def roles():
    event = OnlineEventFactory(capacity=1, venue_notes=NOTES, place_name="Oakland")
    going, waiting = MemberFactory.create_batch(2)
    rsvp_going(event=event, user=going)
    rsvp_going(event=event, user=waiting)
    co = MemberFactory()
    organizer_add(event=event, by=event.created_by, user=co)
    blocked_by_creator, blocking_creator = MemberFactory.create_batch(2)
    block_create(blocker=event.created_by, blocked=blocked_by_creator)
    block_create(blocker=blocking_creator, blocked=event.created_by)
    return event, {
        "visitor": None,
        "applicant": ApplicantFactory(),
        "member": MemberFactory(),
        "going": going,
        "waitlisted": waiting,
        "organizer": event.created_by,
        "co-organizer": co,
        "blocked by the organizer": blocked_by_creator,
        "blocking the organizer": blocking_creator,
        "staff": StaffFactory(),
    }


def ics_text(body: str) -> str:
    """An iCalendar file's text with folded lines joined and escapes undone."""
    return body.replace("\r\n ", "").replace("\\,", ",").replace("\\;", ";").replace("\\n", "\n")


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


EXPECTED = {
    "visitor": "login",
    "applicant": "status",
    "member": 200,
    "going": 200,
    "waitlisted": 200,
    "organizer": 200,
    "co-organizer": 200,
    "blocked by the organizer": 404,
    "blocking the organizer": 404,
    "staff": 200,
}


def test_every_role_on_the_event_page_and_the_link_only_for_those_going(roles):
    event, people = roles
    for role, user in people.items():
        response = _client(user).get(f"/events/{event.slug}/")
        expected = EXPECTED[role]
        if expected == "login":
            assert response.status_code == 302 and "/accounts/login/" in response.url, role
        elif expected == "status":
            assert response.status_code == 302 and response.url == "/apply/", role
        else:
            assert response.status_code == expected, role
        page = response.content.decode()
        shows_details = LINK in page or NOTES in page
        assert shows_details == (role == "going"), role


def test_the_link_is_never_on_the_list_the_calendar_of_others_or_a_fragment(roles):
    event, people = roles
    for role, user in people.items():
        if EXPECTED[role] != 200:
            continue
        client = _client(user)
        for url in ("/events/", "/events/?format=online", f"/events/{event.slug}/calendar.ics"):
            response = client.get(url, headers={"HX-Request": "true"})
            body = ics_text(response.content.decode())
            if url.endswith(".ics") and role == "going":
                assert LINK in body and NOTES in body
            else:
                assert LINK not in body and NOTES not in body, (role, url)


def test_the_private_feed_has_the_link_only_where_going(roles):
    event, people = roles
    for role in ("going", "waitlisted", "organizer", "member"):
        token = calendar_token_regenerate(user=people[role]).token
        body = ics_text(Client().get(f"/calendar/{token}.ics").content.decode())
        assert (LINK in body) == (role == "going"), role
        assert (event.title in body) == (role in ("going", "organizer")), role


def test_emails_of_a_change_carry_no_link(roles, django_capture_on_commit_callbacks):
    event, people = roles
    with django_capture_on_commit_callbacks(execute=True):
        event_update(
            event=event,
            editor=event.created_by,
            changes={"online_url": "https://meet.example.org/new-room-77"},
        )
    notes = Notification.objects.filter(kind="event_update")
    assert {n.recipient for n in notes} == {people["going"], people["waitlisted"]}
    for note in notes:
        message = build_email(note)
        text = message.body + "".join(str(alt[0]) for alt in message.alternatives)
        assert "meet.example.org" not in text
    assert all("meet.example.org" not in m.body for m in mail.outbox)


def test_the_public_page_shows_no_attendees_and_no_link(roles):
    event, people = roles
    event.public = True
    event.save()
    response = Client().get(f"/events/{event.slug}/")
    page = response.content.decode()
    assert response.status_code == 200 and event.title in page
    assert LINK not in page and NOTES not in page
    going_name = people["going"].profile.display_name
    assert going_name not in page


def test_unlisted_events_are_gone_but_for_organizers_and_staff(roles):
    event, people = roles
    event_set_listed(event=event, staff=people["staff"], listed=False)
    for role in ("member", "going", "organizer", "co-organizer", "staff"):
        status = _client(people[role]).get(f"/events/{event.slug}/").status_code
        assert status == (200 if role in ("organizer", "co-organizer", "staff") else 404), role
    listing = _client(people["member"]).get("/events/").content.decode()
    assert event.title not in listing


def test_other_tiers_do_not_see_a_tier_limited_event():
    event = EventFactory(allowed_tiers=["licensed"])
    peer = MemberFactory(profile__credential_tier="peer")
    licensed = MemberFactory(profile__credential_tier="licensed")
    assert _client(peer).get(f"/events/{event.slug}/").status_code == 404
    assert event.title not in _client(peer).get("/events/").content.decode()
    assert _client(licensed).get(f"/events/{event.slug}/").status_code == 200


def test_blocked_attendees_are_invisible_in_the_lists():
    event = EventFactory()
    viewer, blocked, other = MemberFactory.create_batch(3)
    for person in (blocked, other):
        rsvp_going(event=event, user=person)
    block_create(blocker=viewer, blocked=blocked)
    page = _client(viewer).get(f"/events/{event.slug}/").content.decode()
    assert other.profile.display_name in page
    assert blocked.profile.display_name not in page
    # The organizer's list follows the same rule, for the organizer.
    block_create(blocker=blocked, blocked=event.created_by)
    manage = _client(event.created_by).get(f"/events/{event.slug}/manage/").content.decode()
    assert other.profile.display_name in manage
    assert blocked.profile.display_name not in manage


def test_a_co_organizer_in_a_block_with_the_viewer_is_not_named():
    event = EventFactory()
    viewer, co, other_co = MemberFactory.create_batch(3)
    for person in (co, other_co):
        organizer_add(event=event, by=event.created_by, user=person)
    block_create(blocker=co, blocked=viewer)
    page = _client(viewer).get(f"/events/{event.slug}/").content.decode()
    organized_by = page.split("Organized by")[1].split("</dd>")[0]
    assert event.created_by.profile.display_name in organized_by
    assert other_co.profile.display_name in organized_by
    assert co.profile.display_name not in organized_by
