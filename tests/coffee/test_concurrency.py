"""Races on real concurrent database connections (one thread each): rounds started at
the same moment (beat twice, a retried task, staff clicking) create nothing twice, and
two members saying yes at the same moment open one conversation, once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from django.db import connection

from coffee import rounds, services
from coffee.models import CoffeeDate, Participant, Round
from matching import engine
from messaging.models import Conversation
from notifications.models import Notification
from tests.coffee.factories import coffee_member, make_date
from tests.members.factories import StaffFactory

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.reset()
    yield
    engine.reset()


def _all_at_once(jobs) -> list[Exception]:
    barrier = threading.Barrier(len(jobs))
    errors = []

    def run(job):
        try:
            barrier.wait()
            job()
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _no_member_twice() -> None:
    seats = list(Participant.objects.values_list("round__week", "member_id"))
    assert len(seats) == len(set(seats)), "a member is in two rounds of one week"
    paired = list(
        Participant.objects.filter(date__isnull=False).values_list("round__week", "member_id")
    )
    assert len(paired) == len(set(paired)), "a member has two dates in one week"


def test_the_same_weeks_round_started_four_times_at_once_runs_once():
    for n in range(6):
        coffee_member(f"Member {n}")
    engine.snapshot()  # built once here, not raced for by the threads
    errors = _all_at_once([lambda: rounds.round_run(now=MONDAY) for _ in range(4)])
    assert errors == []
    assert Round.objects.count() == 1
    assert CoffeeDate.objects.count() == 3
    assert Participant.objects.count() == 6
    _no_member_twice()


def test_staff_clicks_racing_the_scheduled_round_pair_nobody_twice():
    for n in range(6):
        coffee_member(f"Member {n}")
    staff = StaffFactory()
    engine.snapshot()
    jobs = [lambda: rounds.round_run(now=MONDAY)]
    jobs += [
        lambda k=key: rounds.round_run(now=MONDAY, run_by=staff, key=k)
        for key in ("click-a", "click-b", "click-a")
    ]
    assert _all_at_once(jobs) == []
    assert Round.objects.count() == 3  # the week's, and one per distinct click
    assert CoffeeDate.objects.count() == 3
    _no_member_twice()


def test_both_saying_yes_at_the_same_moment_opens_one_conversation_once():
    ann, ben = coffee_member("Ann"), coffee_member("Ben")
    date = make_date(ann, ben)
    errors = _all_at_once(
        [
            lambda: services.date_accept(date=date, member=ann),
            lambda: services.date_accept(date=date, member=ben),
        ]
    )
    assert errors == []
    date.refresh_from_db()
    assert date.status == CoffeeDate.Status.CONFIRMED
    assert Conversation.objects.count() == 1
    assert Notification.objects.filter(kind="coffee_update").count() == 2


def test_a_yes_racing_a_pass_leaves_one_consistent_outcome():
    ann, ben = coffee_member("Ann"), coffee_member("Ben")
    date = make_date(ann, ben)
    services.date_accept(date=date, member=ann)
    errors = _all_at_once(
        [
            lambda: services.date_accept(date=date, member=ben),
            lambda: services.date_pass(date=date, member=ann),
        ]
    )
    date.refresh_from_db()
    if date.status == CoffeeDate.Status.CONFIRMED:  # the yes won; the pass came too late
        assert [type(e) for e in errors] == [services.IllegalTransition]
        assert Conversation.objects.count() == 1
    else:  # the pass won; the yes found the date closed
        assert date.status == CoffeeDate.Status.PASSED
        assert [type(e) for e in errors] == [services.IllegalTransition]
        assert not Conversation.objects.exists()
