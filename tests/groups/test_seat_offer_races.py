"""Seat offers on real concurrent database connections (one thread each): people
leaving at once, two sweeps at once, and an answer racing the sweep. Every seat is
offered once, never twice, and never more seats are held than the group has."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from groups import services
from groups.models import Membership
from notifications.models import Notification
from tests.groups.factories import make_group
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _all_at_once(jobs):
    barrier = threading.Barrier(len(jobs))
    errors, results = [], []

    def run(job):
        try:
            barrier.wait()
            results.append(job())
        except Exception as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors, results


def _group(capacity: int, waiting: int):
    group = make_group(capacity=capacity)
    seated = [
        services.group_join(group=group, member=MemberFactory()).member for _ in range(capacity - 1)
    ]
    line = [services.group_join(group=group, member=MemberFactory()).member for _ in range(waiting)]
    return group, seated, line


def _held(group) -> int:
    return Membership.objects.filter(group=group).holding_seats().count()


def test_four_leaving_at_once_offer_four_seats_to_the_first_four_once_each():
    group, seated, line = _group(capacity=6, waiting=6)
    errors, _ = _all_at_once(
        [lambda p=p: services.membership_leave(group=group, member=p) for p in seated[:4]]
    )
    assert errors == []
    assert _held(group) == 6
    offered = set(
        Membership.objects.filter(group=group, status="offered").values_list("member_id", flat=True)
    )
    assert offered == {p.pk for p in line[:4]}
    for person in line:
        told = Notification.objects.filter(recipient=person, kind="group_seat").count()
        assert told == (1 if person.pk in offered else 0)


def test_two_sweeps_at_once_lapse_each_offer_once():
    group, seated, line = _group(capacity=3, waiting=3)
    services.membership_leave(group=group, member=seated[0])
    later = timezone.now() + timedelta(hours=services.SEAT_OFFER_HOURS, minutes=1)
    errors, results = _all_at_once(
        [lambda: services.seat_offers_expire(now=later) for _ in range(3)]
    )
    assert errors == []
    assert sorted(results) == [0, 0, 1]
    assert Membership.objects.get(group=group, member=line[0]).status == "left"
    assert Membership.objects.get(group=group, member=line[1]).status == "offered"
    assert Membership.objects.get(group=group, member=line[2]).status == "waitlisted"
    assert Notification.objects.filter(recipient=line[0], kind="group_seat").count() == 2
    assert Notification.objects.filter(recipient=line[1], kind="group_seat").count() == 1
    assert _held(group) == 3


def test_taking_the_seat_while_the_sweep_runs_ends_in_one_outcome():
    """The member answers in the last moment while a sweep that started just after the
    deadline runs: whichever takes the group's lock first decides; never both (a seat
    taken and also offered on)."""
    group, seated, line = _group(capacity=3, waiting=2)
    services.membership_leave(group=group, member=seated[0])
    deadline = Membership.objects.get(group=group, member=line[0]).offer_expires_at
    errors, _ = _all_at_once(
        [
            lambda: services.seat_offer_answer(group=group, member=line[0], accept=True),
            lambda: services.seat_offers_expire(now=deadline),
        ]
    )
    first = Membership.objects.get(group=group, member=line[0]).status
    second = Membership.objects.get(group=group, member=line[1]).status
    assert (first, second) in {("active", "waitlisted"), ("left", "offered")}
    # The answer that lost the race was refused cleanly, nothing else failed.
    assert all("no seat waiting" in str(e) for e in errors) and len(errors) <= 1
    assert _held(group) == 3
