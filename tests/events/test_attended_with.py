"""After an event: the page of the people a checked-in member attended with (checked in
too, in good standing, not in a block with them), each with one-click "connect" and
"remind me to follow up", and the honest state of any connection, request or reminder,
in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from events.services import check_in, followups_send
from members.models import Connection, FollowUp, User
from members.services import (
    block_create,
    connection_accept,
    connection_request,
    follow_up_set,
)
from notifications.models import Notification
from tests.events.factories import EventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def _past_event(**kwargs):
    now = timezone.now()
    return EventFactory(
        starts_at=now - timedelta(hours=3), ends_at=now - timedelta(hours=1), **kwargs
    )


def _attend(event, *people, checked_in=True):
    for person in people:
        rsvp = event.rsvps.create(user=person, status="going", going_since=event.starts_at)
        if checked_in:
            check_in(event=event, by=event.created_by, rsvp=rsvp)


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _url(event):
    return f"/events/{event.slug}/attended-with/"


@pytest.fixture
def gathering():
    event = _past_event(capacity=20)
    me, friend, blocked, blocking, suspended = MemberFactory.create_batch(5)
    absent = MemberFactory()
    _attend(event, me, friend, blocked, blocking, suspended)
    _attend(event, absent, checked_in=False)
    block_create(blocker=me, blocked=blocked)
    block_create(blocker=blocking, blocked=me)
    User.objects.filter(pk=suspended.pk).update(membership_status=User.Status.SUSPENDED)
    return event, {
        "me": me,
        "friend": friend,
        "blocked": blocked,
        "blocking": blocking,
        "suspended": suspended,
        "absent": absent,
    }


def test_lists_only_the_visible_colleagues_who_were_checked_in(gathering):
    event, people = gathering
    page = _client(people["me"]).get(_url(event)).content.decode()
    assert people["friend"].profile.display_name in page
    for role in ("blocked", "blocking", "suspended", "absent", "me"):
        assert f'id="companion-{people[role].profile.handle}"' not in page, role
    assert f'action="/members/{people["friend"].profile.handle}/connect/"' in page


def test_only_a_checked_in_attendee_of_a_past_event_may_open_it(gathering):
    event, people = gathering
    organizer_not_checked_in = event.created_by
    for user, expected in (
        (people["absent"], 404),
        (organizer_not_checked_in, 404),
        (MemberFactory(), 404),
        (people["friend"], 200),
    ):
        assert _client(user).get(_url(event)).status_code == expected
    visitor = _client(None).get(_url(event))
    assert visitor.status_code == 302 and "/accounts/login/" in visitor.url

    upcoming = EventFactory(starts_at=timezone.now() + timedelta(hours=2))
    early = MemberFactory()
    _attend(upcoming, early)  # check-in opens a day before: not yet an attendance
    assert _client(early).get(_url(upcoming)).status_code == 404


def test_one_click_connect_comes_back_here_and_shows_the_request_sent(gathering):
    event, people = gathering
    client = _client(people["me"])
    handle = people["friend"].profile.handle
    response = client.post(f"/members/{handle}/connect/", {"next": _url(event)})
    assert response.status_code == 302 and response.url == _url(event)
    assert Connection.objects.between(people["me"], people["friend"]).exists()
    page = client.get(_url(event)).content.decode()
    row = page.split(f'id="companion-{handle}"')[1].split("</li>")[0]
    assert "Request sent" in row
    assert "/connect/" not in row


def test_each_state_is_shown_as_it_is():
    event = _past_event(capacity=20)
    me, connected, asked_me, i_asked, stranger = MemberFactory.create_batch(5)
    _attend(event, me, connected, asked_me, i_asked, stranger)
    connection_accept(connection=connection_request(sender=connected, recipient=me), user=me)
    connection_request(sender=asked_me, recipient=me)
    connection_request(sender=me, recipient=i_asked)
    page = _client(me).get(_url(event)).content.decode()

    def row(user):
        handle = user.profile.handle
        return page.split(f'id="companion-{handle}"')[1].split("</li>")[0]

    for person, badge in ((connected, "Connected"), (i_asked, "Request sent")):
        assert badge in row(person)
        assert "/connect/" not in row(person) and "/accept/" not in row(person)
    assert f'action="/members/{asked_me.profile.handle}/accept/"' in row(asked_me)
    assert "Asked to connect with you" in row(asked_me)
    assert f'action="/members/{stranger.profile.handle}/connect/"' in row(stranger)
    assert "Connected" not in row(stranger) and "Request sent" not in row(stranger)


def test_one_click_remind_me_to_follow_up_comes_back_here_and_shows_the_date(gathering):
    event, people = gathering
    client = _client(people["me"])
    friend = people["friend"]
    handle = friend.profile.handle
    page = client.get(_url(event)).content.decode()
    row = page.split(f'id="companion-{handle}"')[1].split("</li>")[0]
    assert f'action="/network/{handle}/follow-up/"' in row
    assert 'name="source" value="event"' in row and "Remind me" in row
    assert "Reminder set" not in row

    form = {"weeks": "2", "source": "event", "about": event.title, "next": _url(event)}
    response = client.post(f"/network/{handle}/follow-up/", form)
    assert response.status_code == 302 and response.url == _url(event)
    reminder = FollowUp.objects.pending().get(owner=people["me"], other=friend)
    assert (reminder.source, reminder.about) == ("event", event.title)
    page = client.get(_url(event)).content.decode()
    row = page.split(f'id="companion-{handle}"')[1].split("</li>")[0]
    assert f'datetime="{reminder.due_on:%Y-%m-%d}"' in row
    assert "Reminder set for" in row and "Move the reminder" in row
    # Private: the friend's own page says nothing of it.
    theirs = _client(friend).get(_url(event)).content.decode()
    assert "Reminder set" not in theirs


def test_a_reminder_set_elsewhere_shows_here_too(gathering):
    event, people = gathering
    reminder = follow_up_set(owner=people["me"], other=people["friend"], weeks=6)
    page = _client(people["me"]).get(_url(event)).content.decode()
    assert f'datetime="{reminder.due_on:%Y-%m-%d}"' in page


def test_the_event_page_links_here_only_for_those_checked_in(gathering):
    event, people = gathering
    link = f'href="{_url(event)}"'
    assert link in _client(people["me"]).get(f"/events/{event.slug}/").content.decode()
    assert link not in _client(people["absent"]).get(f"/events/{event.slug}/").content.decode()


def test_the_follow_up_notification_opens_this_page(gathering):
    event, people = gathering
    followups_send(now=event.ends_at + timedelta(hours=2))
    note = Notification.objects.get(recipient=people["me"], kind="event_followup")
    assert note.url == _url(event)


def test_the_page_costs_the_same_for_one_colleague_or_many(django_assert_max_num_queries):
    def build(count):
        event = _past_event(capacity=30)
        me = MemberFactory()
        others = MemberFactory.create_batch(count)
        _attend(event, me, *others)
        # Every state present, so each branch of the page is drawn.
        if count > 1:
            connection_request(sender=me, recipient=others[0])
            connection_request(sender=others[1], recipient=me)
            follow_up_set(owner=me, other=others[2], weeks=3)
        return event, me, others

    small_event, small_me, _ = build(1)
    client = _client(small_me)
    client.get(_url(small_event))  # the session, warmed
    with django_assert_max_num_queries(50) as small:
        assert client.get(_url(small_event)).status_code == 200
    small_count = len(small.captured_queries)  # read now: the next request clears the log
    big_event, big_me, others = build(12)
    client = _client(big_me)
    client.get(_url(big_event))
    with django_assert_max_num_queries(small_count) as big:
        page = client.get(_url(big_event)).content.decode()
        big_count = len(big.captured_queries)
    assert all(person.profile.display_name in page for person in others)
    assert big_count == small_count
