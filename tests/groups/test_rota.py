"""The presenter rota: fair round-robin, as a property over many sessions, and as the
services apply it (a presenter who says no is replaced; a swap changes hands)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from groups import sessions
from groups.models import Rsvp, Session, Swap
from groups.rota import Standing, choose_presenter
from tests.groups.factories import add_member, make_group

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def _run(members: int, absences: list[set[int]]) -> dict[int, int]:
    """Simulate the rota over len(absences) sessions; absences[i] said no to session i."""
    turns = dict.fromkeys(range(members), 0)
    last: dict[int, datetime | None] = dict.fromkeys(range(members))
    for index, away in enumerate(absences):
        when = T0 + timedelta(days=30 * index)
        chosen = choose_presenter(
            Standing(m, turns[m], last[m], T0 + timedelta(minutes=m))
            for m in range(members)
            if m not in away
        )
        if chosen is None:
            assert len(away) == members
            continue
        assert chosen not in away
        turns[chosen] += 1
        last[chosen] = when
    return turns


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=2, max_value=8).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(st.sets(st.integers(0, n - 1), max_size=n), min_size=1, max_size=60),
            st.sets(st.integers(0, n - 1), max_size=n - 1),
        )
    )
)
def test_always_willing_members_present_within_one_of_each_other(case):
    """However the others come and go, the members who never said no have presented
    within one turn of each other."""
    members, absences, reliable = case
    absences = [away - reliable for away in absences]
    turns = _run(members, absences)
    counts = [turns[m] for m in reliable]
    if counts:
        assert max(counts) - min(counts) <= 1


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=8), st.integers(min_value=1, max_value=80))
def test_with_everyone_willing_it_is_a_plain_round_robin(members, sessions):
    turns = _run(members, [set()] * sessions)
    assert max(turns.values()) - min(turns.values()) <= 1
    assert sum(turns.values()) == sessions


def test_nobody_willing_means_nobody_named():
    assert choose_presenter([]) is None


@pytest.mark.django_db
def test_sessions_rotate_through_the_members():
    group = make_group()
    for _ in range(2):
        add_member(group)
    upcoming = list(Session.objects.filter(group=group).order_by("starts_at"))
    presenters = [s.presenter_id for s in upcoming[:3]]
    assert len(set(presenters)) == 3  # three members, three sessions, three presenters


@pytest.mark.django_db
def test_a_presenter_who_says_no_is_replaced_by_a_willing_member():
    group = make_group()
    add_member(group)
    add_member(group)
    session = Session.objects.filter(group=group).order_by("starts_at").first()
    presenter = session.presenter
    sessions.rsvp_set(session=session, member=presenter, answer=Rsvp.Answer.NO)
    session.refresh_from_db()
    assert session.presenter_id not in (None, presenter.pk)


@pytest.mark.django_db
def test_a_swap_hands_the_session_over_only_when_accepted():
    group = make_group()
    other = add_member(group).member
    add_member(group)
    session = Session.objects.filter(group=group).exclude(presenter=other).first()
    presenter = session.presenter
    swap = sessions.swap_ask(session=session, by=presenter, asked=other)
    sessions.swap_answer(swap=swap, by=other, accept=False)
    session.refresh_from_db()
    assert session.presenter_id == presenter.pk
    swap = sessions.swap_ask(session=session, by=presenter, asked=other)
    sessions.swap_answer(swap=swap, by=other, accept=True)
    session.refresh_from_db()
    assert session.presenter_id == other.pk
    assert Swap.objects.get(pk=swap.pk).status == Swap.Status.ACCEPTED
