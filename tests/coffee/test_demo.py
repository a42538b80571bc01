"""The coffee demo: part of the community opted in, past rounds with their outcomes,
member@hive.test's intro to answer and check-in waiting, and this week's round left
for staff to run."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from coffee import rounds
from coffee.models import CoffeeDate, CoffeeSettings, Participant, Round
from hive.demo import DEMO_LOGINS, DemoContext, demo_clear, demo_seed
from members.models import User, may_introduce
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_demo_has_what_the_issue_promises():
    context = demo_seed(DemoContext(members=60, seed=5))
    people = User.objects.filter(pk__in=context.people).count()
    opted_in = CoffeeSettings.objects.filter(opted_in=True).count()
    assert 0.3 * people <= opted_in <= 0.6 * people
    assert Round.objects.count() == 4
    statuses = set(CoffeeDate.objects.values_list("status", flat=True))
    assert {"confirmed", "passed", "expired", "proposed"} <= statuses
    assert Participant.objects.filter(met="yes").exclude(rating="").exists()
    # Never across a block or a dual relationship, one date per member per round.
    for date in CoffeeDate.objects.select_related("member_a", "member_b"):
        assert may_introduce(date.member_a, date.member_b)
    seats = list(Participant.objects.filter(date__isnull=False).values_list("round", "member"))
    assert len(seats) == len(set(seats))

    member = User.objects.get(email=DEMO_LOGINS["member"])
    client = Client()
    client.force_login(member)
    page = client.get("/coffee/").content.decode()
    assert "Yes, let's meet" in page
    assert "Why you two:" in page
    assert "Did you meet" in page
    assert Notification.objects.filter(recipient=member, kind="coffee_intro").exists()
    home = client.get("/").content.decode()
    assert "this round?" in home
    # Nothing of the demo's past is left for the morning chore to send, at any hour.
    for hour in range(0, 24, 3):
        assert rounds.morning_notes_send(now=timezone.now() + timedelta(hours=hour)) == 0

    # This week's round is left to run, and pairs people when it does.
    staff = User.objects.get(email=DEMO_LOGINS["staff"])
    result = rounds.round_run(run_by=staff, key="demo-click")
    assert result.created and result.paired > 0
    # The member login's open intro survives it.
    assert CoffeeDate.objects.filter(
        status="proposed", participants__member=member, round__kind="scheduled"
    ).exists()
    assert demo_clear(context) > 0
    assert not Round.objects.exists() and not CoffeeSettings.objects.exists()
