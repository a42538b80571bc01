"""Event notifications: changes of time, place or link to everyone going or waiting,
reminders 24 h and 1 h ahead exactly once (none for a moment already past at RSVP),
and the follow-up listing the people you attended with."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from events.services import (
    check_in,
    event_cancel,
    event_update,
    followups_send,
    reminders_send,
    rsvp_going,
)
from members.services import block_create
from notifications import tasks
from notifications.models import Notification
from notifications.services import notify
from tests.events.factories import EventFactory
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_time_place_or_link_changes_tell_going_and_waitlisted_but_a_title_does_not():
    event = EventFactory(capacity=1)
    going, waiting, gone = MemberFactory.create_batch(3)
    for person in (going, waiting):
        rsvp_going(event=event, user=person)
    event_update(event=event, editor=event.created_by, changes={"title": "A better title"})
    assert not Notification.objects.filter(kind="event_update").exists()
    event_update(event=event, editor=event.created_by, changes={"venue_notes": "Room 12 instead"})
    told = Notification.objects.filter(kind="event_update")
    assert {n.recipient for n in told} == {going, waiting}
    assert told.first().context["what"] == ["venue notes"]
    assert not Notification.objects.filter(recipient=gone).exists()


def test_reminders_go_once_each_a_day_and_an_hour_ahead():
    start = timezone.now() + timedelta(days=2)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    member = MemberFactory()
    rsvp_going(event=event, user=member)
    assert reminders_send(now=start - timedelta(hours=25)) == 0
    assert reminders_send(now=start - timedelta(hours=24)) == 1
    assert reminders_send(now=start - timedelta(hours=23, minutes=45)) == 0  # once
    assert reminders_send(now=start - timedelta(minutes=60)) == 1
    assert reminders_send(now=start - timedelta(minutes=55)) == 0
    notes = Notification.objects.filter(recipient=member, kind="event_reminder")
    assert sorted(n.context["hours"] for n in notes) == [1, 24]


def test_no_reminder_for_a_moment_already_past_when_the_seat_was_taken():
    start = timezone.now() + timedelta(hours=5)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=1))
    member = MemberFactory()
    rsvp_going(event=event, user=member)  # 5 h ahead: the 24 h moment is gone
    assert reminders_send(now=start - timedelta(hours=23, minutes=30)) == 0
    assert reminders_send(now=start - timedelta(hours=1)) == 1
    notes = Notification.objects.filter(recipient=member, kind="event_reminder")
    assert [n.context["hours"] for n in notes] == [1]


def test_cancelled_events_and_the_waitlist_get_no_reminder():
    start = timezone.now() + timedelta(days=2)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=1), capacity=1)
    rsvp_going(event=event, user=MemberFactory())
    waiting = MemberFactory()
    rsvp_going(event=event, user=waiting)
    reminders_send(now=start - timedelta(hours=24))
    assert not Notification.objects.filter(recipient=waiting, kind="event_reminder").exists()


def test_the_follow_up_lists_the_visible_people_you_attended_with_once():
    start = timezone.now() + timedelta(hours=2)
    event = EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), capacity=10)
    me, friend, blocked, absent = MemberFactory.create_batch(4)
    for person in (me, friend, blocked, absent):
        rsvp_going(event=event, user=person)
    for person in (me, friend, blocked):
        check_in(event=event, by=event.created_by, rsvp=event.rsvps.get(user=person))
    block_create(blocker=blocked, blocked=me)
    after = event.ends_at + timedelta(hours=2)
    followups_send(now=after)
    note = Notification.objects.get(recipient=me, kind="event_followup")
    names = [c["name"] for c in note.context["companions"]]
    assert names == [friend.profile.display_name]
    assert note.context["companions"][0]["url"].endswith(f"/members/{friend.profile.handle}/")
    assert not Notification.objects.filter(recipient=absent, kind="event_followup").exists()
    followups_send(now=after + timedelta(minutes=15))
    assert Notification.objects.filter(kind="event_followup").count() == 3  # once each
    theirs = Notification.objects.get(recipient=blocked, kind="event_followup")
    assert [c["name"] for c in theirs.context["companions"]] == [friend.profile.display_name]


def test_cancel_tells_everyone_in_one_write_and_one_broker_message(
    monkeypatch, django_capture_on_commit_callbacks
):
    batches = []
    monkeypatch.setattr(tasks.deliver_emails, "delay", batches.append)
    event = EventFactory(capacity=3)
    people = MemberFactory.create_batch(5)  # three going, two waitlisted
    for person in people:
        rsvp_going(event=event, user=person)
    # One of them was told already, by a run of the one-by-one path (same key).
    earlier = notify(
        recipient=people[0], kind="event_update", key=f"event-cancelled:{event.pk}:{people[0].pk}"
    )
    with django_capture_on_commit_callbacks(execute=True):
        event_cancel(event=event, by=event.created_by)
    told = Notification.objects.filter(kind="event_update")
    assert sorted((n.recipient_id, n.key) for n in told) == sorted(
        (p.pk, f"event-cancelled:{event.pk}:{p.pk}") for p in people
    )
    assert told.get(recipient=people[0]).pk == earlier.pk
    assert [sorted(batch) for batch in batches] == [
        sorted(n.pk for n in told if n.recipient_id != people[0].pk)
    ]


def test_telling_an_event_change_costs_the_same_queries_for_one_or_many():
    def cancel_with(count: int) -> int:
        event = EventFactory(capacity=count)
        for person in MemberFactory.create_batch(count):
            rsvp_going(event=event, user=person)
        with CaptureQueriesContext(connection) as queries:
            event_cancel(event=event, by=event.created_by)
        assert (
            Notification.objects.filter(kind="event_update", url__contains=event.slug).count()
            == count
        )
        return len(queries.captured_queries)

    assert cancel_with(1) == cancel_with(30)
