"""The pairing round: who is due, who may never be paired, and that a round runs once
however often it is started, one date per member per round."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, transaction

from coffee import rounds
from coffee.models import CoffeeDate, CoffeeSettings, Participant, Round
from matching import engine
from members.models import Block, DualRelationship, User
from tests.coffee.factories import coffee_member, make_date, make_round, opt_in
from tests.members.factories import MemberFactory

pytestmark = pytest.mark.django_db

MONDAY = datetime(2026, 7, 6, 4, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.reset()
    yield
    engine.reset()


def dated_pairs(round_: Round) -> set[frozenset[int]]:
    return {frozenset((a, b)) for a, b in round_.dates.values_list("member_a_id", "member_b_id")}


def test_a_round_pairs_everyone_due_once_and_records_who_waited():
    people = [coffee_member(f"Person {n}") for n in range(5)]
    result = rounds.round_run(now=MONDAY)
    assert result.created
    round_ = result.round
    assert round_.key == "2026-W28" and round_.week == MONDAY.date()
    assert round_.eligible_count == 5 and round_.paired_count == 4
    assert round_.dates.count() == 2
    # One row per member in the round, paired or not.
    rows = {p.member_id: p for p in Participant.objects.filter(round=round_)}
    assert set(rows) == {p.pk for p in people}
    unpaired = [p for p in rows.values() if p.date_id is None]
    assert len(unpaired) == 1 and unpaired[0].response == ""
    assert all(p.response == "pending" for p in rows.values() if p.date_id)
    # Next week the one left out goes first.
    later = rounds.round_run(now=MONDAY + timedelta(days=7)).round
    waited = Participant.objects.get(round=later, member_id=unpaired[0].member_id)
    assert waited.waited and waited.date_id is not None


def test_running_the_same_week_twice_creates_nothing_more():
    for n in range(4):
        coffee_member(f"Person {n}")
    first = rounds.round_run(now=MONDAY)
    again = rounds.round_run(now=MONDAY + timedelta(hours=3))
    assert first.created and not again.created
    assert again.round.pk == first.round.pk
    assert Round.objects.count() == 1
    assert CoffeeDate.objects.count() == 2
    assert Participant.objects.count() == 4


def test_the_database_refuses_a_second_round_row_or_a_second_seat():
    round_ = make_round(now=MONDAY)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_round(now=MONDAY, key=round_.key)
    member = MemberFactory()
    Participant.objects.create(round=round_, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.create(round=round_, member=member)


def test_who_is_due():
    due = coffee_member("Due Dana")
    partner = coffee_member("Due Partner")
    opted_out = coffee_member("Opted Out", settings={"opted_in": False})
    snoozed = coffee_member("Snoozed Sam", settings={"snoozed_until": MONDAY.date()})
    snooze_over = coffee_member(
        "Snooze Over", settings={"snoozed_until": MONDAY.date() - timedelta(days=1)}
    )
    paused = coffee_member("Paused Pat")
    CoffeeSettings.objects.filter(user=paused).update(
        paused_at=MONDAY, paused_reason=CoffeeSettings.PauseReason.UNANSWERED
    )
    lapsed = coffee_member("Lapsed Lee")
    User.objects.filter(pk=lapsed.pk).update(membership_status=User.Status.LAPSED)
    leaving = coffee_member("Leaving Lou")
    User.objects.filter(pk=leaving.pk).update(deletion_requested_at=MONDAY)
    no_profile = MemberFactory(profile=None)
    opt_in(no_profile)
    seekers = rounds.due_seekers(week=MONDAY.date(), now=MONDAY)
    assert {s.user_id for s in seekers} == {due.pk, partner.pk, snooze_over.pk}
    assert not {opted_out.pk, snoozed.pk} & {s.user_id for s in seekers}


@pytest.mark.parametrize(
    ("cadence", "weeks_since", "due"),
    [
        ("weekly", 1, True),
        ("fortnightly", 1, False),
        ("fortnightly", 2, True),
        ("monthly", 3, False),
        ("monthly", 4, True),
    ],
)
def test_cadence_counts_weeks_since_the_last_date(cadence, weeks_since, due):
    me = coffee_member("Me", settings={"cadence": cadence})
    other = coffee_member("Other", settings={"opted_in": False})
    before = MONDAY - timedelta(weeks=weeks_since)
    make_date(me, other, round_=make_round(now=before))
    seekers = rounds.due_seekers(week=MONDAY.date(), now=MONDAY)
    assert (me.pk in {s.user_id for s in seekers}) is due


def test_settings_become_seekers():
    near = coffee_member("Near", settings={"format": "in_person", "travel_km": 12.5})
    video = coffee_member("Video", settings={"format": "virtual"})
    seekers = {s.user_id: s for s in rounds.due_seekers(week=MONDAY.date(), now=MONDAY)}
    assert seekers[near.pk].in_person and not seekers[near.pk].virtual
    assert seekers[near.pk].travel_km == 12.5
    assert seekers[video.pk].virtual and not seekers[video.pk].in_person
    assert seekers[video.pk].travel_km == 0.0


def test_never_across_a_block_a_dual_relationship_or_a_recent_date():
    """Four members, every pairing among them barred but one: the round finds it."""
    a, b, c, d = (coffee_member(name) for name in ("Ann A", "Ben B", "Cai C", "Dee D"))
    Block.objects.create(blocker=a, blocked=b)
    DualRelationship.objects.create(member=c, other=a, kind="do_not_introduce")
    make_date(b, c, round_=make_round(now=MONDAY - timedelta(weeks=11)))
    DualRelationship.objects.create(member=d, other=b, kind="clinical")
    Block.objects.create(blocker=d, blocked=c)
    # Only a–d is left; b and c wait.
    round_ = rounds.round_run(now=MONDAY).round
    assert dated_pairs(round_) == {frozenset((a.pk, d.pk))}


def test_a_date_older_than_the_look_back_window_no_longer_bars_the_pair():
    a, b = coffee_member("Ann A"), coffee_member("Ben B")
    make_date(a, b, round_=make_round(now=MONDAY - timedelta(weeks=13)))
    round_ = rounds.round_run(now=MONDAY).round
    assert dated_pairs(round_) == {frozenset((a.pk, b.pk))}


def test_a_round_s_sql_does_not_grow_with_the_membership():
    """The whole round, pairing included, in the same number of statements for 6 and for
    40 members (bulk inserts, batched reads)."""

    def statements(n: int, when: datetime) -> int:
        for i in range(n):
            coffee_member(f"Member {when.day}-{i}")
        engine.reset()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            rounds.round_run(now=when)
        return len(captured)

    rounds.round_run(now=MONDAY - timedelta(weeks=1))  # each run below closes one round
    small = statements(6, MONDAY)
    CoffeeSettings.objects.update(opted_in=False)
    large = statements(40, MONDAY + timedelta(weeks=1))
    assert large == small, (small, large)


def test_staff_rounds_pair_only_those_still_due_this_week():
    a, b, c = coffee_member("Ann A"), coffee_member("Ben B"), coffee_member("Cai C")
    staff = MemberFactory(is_staff=True)
    rounds.round_run(now=MONDAY)  # two are paired, one waits
    d = coffee_member("Dee D")  # opts in on Tuesday
    later = rounds.round_run(now=MONDAY + timedelta(days=1), run_by=staff, key="click-1")
    assert later.created and later.round.kind == Round.Kind.STAFF
    paired_now = {pk for pair in dated_pairs(later.round) for pk in pair}
    assert paired_now == {d.pk} | (
        {a.pk, b.pk, c.pk} - _paired_in(Round.objects.get(key="2026-W28"))
    )
    # The same click again: nothing more.
    again = rounds.round_run(now=MONDAY + timedelta(days=1), run_by=staff, key="click-1")
    assert not again.created
    # A second click (another key): nobody is due any more this week.
    third = rounds.round_run(now=MONDAY + timedelta(days=1), run_by=staff, key="click-2")
    assert third.created and third.round.eligible_count == 0
    # Each member has at most one date this week.
    weeks = Participant.objects.filter(date__isnull=False).values_list("member_id", flat=True)
    assert len(list(weeks)) == len(set(weeks))


def _paired_in(round_: Round) -> set[int]:
    return set(
        Participant.objects.filter(round=round_, date__isnull=False).values_list(
            "member_id", flat=True
        )
    )
