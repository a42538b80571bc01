"""Coffee dates in the rest of Hive: the member home's card, last contact on /network/,
the tasks the beat runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from coffee import services, tasks
from coffee.models import Round
from members.network import last_contacts
from tests.coffee.factories import coffee_member, make_date, make_round
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db


def test_home_asks_for_an_answer_then_a_check_in(client):
    ann = coffee_member("Ann Avery")
    ben = coffee_member("Ben Brooks")
    date = make_date(ann, ben)
    client.force_login(ann)
    page = client.get("/").content.decode()
    assert "Coffee with Ben Brooks this round?" in page
    assert f'action="/coffee/dates/{date.pk}/accept/"' in page
    services.date_accept(date=date, member=ann)
    services.date_accept(date=date, member=ben)
    page = client.get("/").content.decode()
    assert "Your coffee date with Ben Brooks is on" in page
    Round.objects.filter(pk=date.round_id).update(check_in_at=timezone.now())
    assert "Did you meet Ben Brooks?" in client.get("/").content.decode()
    services.date_check_in(date=date, member=ann, met="yes")
    page = client.get("/").content.decode()
    assert "Ben Brooks" not in page  # nothing waits any more; ann is opted in: no invite


def test_home_invites_members_who_have_not_opted_in(client):
    client.force_login(MemberFactory())
    assert "Meet a colleague for coffee" in client.get("/").content.decode()


def test_last_contact_on_the_network_counts_a_coffee_date_they_met_at():
    ann, ben, cai = coffee_member("Ann"), coffee_member("Ben"), coffee_member("Cai")
    met = make_date(ann, ben, round_=make_round(now=timezone.now() - timedelta(days=10)))
    services.date_accept(date=met, member=ann)
    services.date_accept(date=met, member=ben)
    services.date_check_in(date=met, member=ben, met="yes")
    make_date(ann, cai)  # never met: no contact
    found = last_contacts(ann, [ben.pk, cai.pk])
    assert set(found) == {ben.pk}
    assert abs(found[ben.pk] - timezone.now()) < timedelta(minutes=1)


def test_the_beat_tasks_call_their_services():
    coffee_member("Ann")
    coffee_member("Ben")
    assert tasks.run_round.apply().get() == 2
    assert tasks.run_round.apply().get() == 2  # the week's round, found again
    assert Round.objects.count() == 1
    assert isinstance(tasks.morning_notes.apply().get(), int)
