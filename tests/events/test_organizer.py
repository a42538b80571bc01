"""The organizer's tools: the attendee list with no-show records (organizers only),
the CSV export (safe against formula injection), the check-in list (search, one tap,
undo), co-organizers; and query budgets on every list."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.models import Rsvp
from events.services import check_in, organizer_add, rsvp_going
from events.views.organize import csv_safe
from members.services import calendar_token_regenerate
from tests.events.factories import EventFactory, OnlineEventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _past_event_with(member, *, checked_in: bool):
    now = timezone.now()
    event = EventFactory(
        starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=3) + timedelta(hours=2)
    )
    other = event.rsvps.create(user=MemberFactory(), status="going", going_since=event.starts_at)
    check_in(event=event, by=event.created_by, rsvp=other)  # attendance was taken
    rsvp = event.rsvps.create(user=member, status="going", going_since=event.starts_at)
    if checked_in:
        check_in(event=event, by=event.created_by, rsvp=rsvp)
    return event


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Dana Whitfield", "Dana Whitfield"),
        ("O'Neil = fine", "O'Neil = fine"),
    ],
)
def test_csv_cells_that_look_like_formulas_are_quoted(value, cell):
    assert csv_safe(value) == cell


def test_the_csv_export_lists_attendees_and_defuses_formulas():
    event = EventFactory(capacity=1)
    sneaky = MemberFactory(profile__display_name="=cmd|' /C calc'!A0")
    waiting = MemberFactory()
    rsvp_going(event=event, user=sneaky)
    rsvp_going(event=event, user=waiting)
    response = _client(event.created_by).get(f"/events/{event.slug}/manage/attendees.csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Name"
    assert rows[1][0] == "'=cmd|' /C calc'!A0" and rows[1][2] == "Going"
    assert rows[2][2] == "On the waitlist" and rows[2][3] == "1"
    assert sneaky.email not in response.content.decode()


def test_no_shows_across_hive_are_shown_to_organizers_only():
    member = MemberFactory()
    _past_event_with(member, checked_in=False)
    _past_event_with(member, checked_in=False)
    _past_event_with(member, checked_in=True)
    # An event where nobody was checked in says nothing about who came.
    now = timezone.now()
    untaken = EventFactory(
        starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=2, hours=-1)
    )
    untaken.rsvps.create(user=member, status="going", going_since=untaken.starts_at)
    assert Rsvp.objects.no_shows().filter(user=member).count() == 2

    event = EventFactory()
    rsvp_going(event=event, user=member)
    manage = _client(event.created_by).get(f"/events/{event.slug}/manage/")
    assert manage.status_code == 200
    going = manage.context["going"]
    assert [(row.name, row.no_shows) for row in going] == [(member.profile.display_name, 2)]
    assert "Past no-shows" in manage.content.decode()
    detail = _client(MemberFactory()).get(f"/events/{event.slug}/").content.decode()
    assert "no-show" not in detail.lower()


def test_check_in_with_one_tap_and_undo_through_htmx():
    event = OnlineEventFactory(starts_at=timezone.now() + timedelta(hours=1))
    people = [MemberFactory(profile__display_name=name) for name in ("Ada Byrne", "Bo Chen")]
    for person in people:
        rsvp_going(event=event, user=person)
    co = MemberFactory()
    organizer_add(event=event, by=event.created_by, user=co)
    client = _client(co)  # a co-organizer checks people in too
    page = client.get(f"/events/{event.slug}/check-in/?q=ada", headers={"HX-Request": "true"})
    assert "Ada Byrne" in page.content.decode() and "Bo Chen" not in page.content.decode()
    rsvp = Rsvp.objects.get(event=event, user=people[0])
    row = client.post(
        f"/events/{event.slug}/check-in/", {"rsvp": rsvp.pk}, headers={"HX-Request": "true"}
    )
    assert "Undo" in row.content.decode() and "<html" not in row.content.decode()
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is not None and rsvp.checked_in_by == co
    client.post(f"/events/{event.slug}/check-in/", {"rsvp": rsvp.pk, "undo": "1"})
    rsvp.refresh_from_db()
    assert rsvp.checked_in_at is None


def test_someone_not_going_cannot_be_checked_in():
    event = EventFactory(capacity=1, starts_at=timezone.now() + timedelta(hours=1))
    rsvp_going(event=event, user=MemberFactory())
    waiting = rsvp_going(event=event, user=MemberFactory())
    _client(event.created_by).post(f"/events/{event.slug}/check-in/", {"rsvp": waiting.pk})
    waiting.refresh_from_db()
    assert waiting.checked_in_at is None


def test_co_organizers_are_added_by_handle_and_can_manage():
    event = EventFactory()
    co = MemberFactory()
    client = _client(event.created_by)
    client.post(f"/events/{event.slug}/manage/", {"handle": co.profile.handle})
    assert _client(co).get(f"/events/{event.slug}/edit/").status_code == 200
    response = client.post(f"/events/{event.slug}/manage/", {"handle": "nobody-here"})
    assert "No member with this handle" in response.content.decode()


def _crowd(event, going: int, waiting: int = 0):
    event.capacity = going
    event.save()
    for person in MemberFactory.create_batch(going + waiting):
        rsvp_going(event=event, user=person)


# Budgets per page, the session, user and navigation queries included.
# The private feed: the token and its owner, then one query per app with dated things
# (events, consultation groups).
# The list: the count, the page's ids, then those events with the viewer's facts
# (events.listing.events_page: a deep page no longer computes them for every row skipped).
BUDGETS = {"list": 12, "list filtered": 12, "event": 15, "manage": 13, "check-in": 12, "feed": 4}


def test_query_budgets_do_not_grow_with_the_lists():
    member = MemberFactory()
    events = [EventFactory() for _ in range(3)]
    for event in events:
        _crowd(event, 2, 1)
    rsvp_going(event=events[0], user=MemberFactory())
    events[1].organizers.create(user=member)  # so "my events" is not empty
    token = calendar_token_regenerate(user=member).token
    client, organizer = _client(member), _client(events[0].created_by)
    urls = {
        "list": (client, "/events/"),
        "list filtered": (client, "/events/?mine=on&near=Oakland&when=month"),
        "event": (client, f"/events/{events[0].slug}/"),
        "manage": (organizer, f"/events/{events[0].slug}/manage/"),
        "check-in": (organizer, f"/events/{events[0].slug}/check-in/"),
        "feed": (Client(), f"/calendar/{token}.ics"),
    }

    def counts():
        found = {}
        for name, (who, url) in urls.items():
            who.get(url)  # warm: the first request after login records the session
            with CaptureQueriesContext(connection) as queries:
                assert who.get(url).status_code == 200
            found[name] = len(queries)
        return found

    small = counts()
    for event in events:
        for person in MemberFactory.create_batch(6):
            rsvp_going(event=event, user=person)
    for _ in range(12):
        rsvp_going(event=EventFactory(), user=member)
    events[0].rsvps.going().filter(pk=events[0].rsvps.going().first().pk).update(
        checked_in_at=timezone.now()
    )
    large = counts()
    assert large == small
    for name, budget in BUDGETS.items():
        assert large[name] <= budget, (name, large[name])
