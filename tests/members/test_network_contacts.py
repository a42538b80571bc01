"""Last contact on /network/ from events and consultation groups (their `contacts.py`
plug-ins, gathered by members.network.last_contacts with messages and coffee dates):
the latest shared event that ended, the latest shared session both said yes to."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Rsvp as EventRsvp
from groups.models import Rsvp as SessionRsvp
from groups.models import Session
from members import network
from tests.events.factories import EventFactory, RsvpFactory
from tests.groups.factories import add_member, make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_an_event_both_went_to_counts_once_it_ended():
    me, her, stranger = MemberFactory.create_batch(3)
    now = timezone.now()
    old = EventFactory(starts_at=now - timedelta(days=40))
    recent = EventFactory(starts_at=now - timedelta(days=5))
    upcoming = EventFactory(starts_at=now + timedelta(days=5))
    canceled = EventFactory(starts_at=now - timedelta(days=2), cancelled_at=now - timedelta(days=9))
    for event in (old, recent, upcoming, canceled):
        RsvpFactory(event=event, user=me)
        RsvpFactory(event=event, user=her)
    # She went to another event without me; the stranger was only waitlisted.
    RsvpFactory(event=EventFactory(starts_at=now - timedelta(days=1)), user=her)
    RsvpFactory(event=recent, user=stranger, status=EventRsvp.Status.WAITLISTED)

    found = network.last_contacts(me, [her.pk, stranger.pk])
    assert found == {her.pk: recent.ends_at}


def test_a_session_both_said_yes_to_counts_once_it_started():
    me, her, absent = MemberFactory(), MemberFactory(), MemberFactory()
    group = make_group(organizer=me)
    add_member(group, her)
    add_member(group, absent)
    # Sessions are made for the coming months: move the first two into the past.
    first, second, upcoming = group.sessions.order_by("starts_at")[:3]
    now = timezone.now()
    for session, days in ((first, 40), (second, 10)):
        session.starts_at = now - timedelta(days=days)
        session.ends_at = session.starts_at + timedelta(minutes=90)
        session.save(update_fields=["starts_at", "ends_at"])
    latest_past = second
    for person in (me, her):
        SessionRsvp.objects.update_or_create(
            session=first, member=person, defaults={"answer": SessionRsvp.Answer.YES}
        )
    for session in (latest_past, upcoming):
        for person in (me, her):
            SessionRsvp.objects.update_or_create(
                session=session, member=person, defaults={"answer": SessionRsvp.Answer.YES}
            )
    SessionRsvp.objects.update_or_create(
        session=latest_past, member=absent, defaults={"answer": SessionRsvp.Answer.NO}
    )
    assert network.last_contacts(me, [her.pk, absent.pk]) == {her.pk: latest_past.starts_at}

    # A canceled session was no contact: the one before it is the last.
    Session.objects.filter(pk=latest_past.pk).update(status=Session.Status.CANCELLED)
    assert network.last_contacts(me, [her.pk]) == {her.pk: first.starts_at}
