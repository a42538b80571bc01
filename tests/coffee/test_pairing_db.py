"""plan_round against the database: seekers read from the matching snapshot, or from
the database when the snapshot lacks them."""

import pytest

from coffee.pairing import Pair, Seeker, plan_round
from matching import engine
from tests.matching.people import person

pytestmark = pytest.mark.django_db

DEAL = ("conversion-practices", 0, 0b00001, 3, True)  # only "strongly agree" will do


@pytest.fixture(autouse=True)
def _fresh_engine():
    engine.reset()
    yield
    engine.reset()


def either(user, km=25.0, waited=False):
    return Seeker(user.pk, in_person=True, virtual=True, travel_km=km, waited=waited)


def test_near_members_meet_in_person_and_far_ones_by_video():
    oakland, berkeley = person(place="oakland"), person(place="berkeley")
    new_york, portland = person(place="new-york"), person(place="portland")
    seekers = [either(u) for u in (oakland, berkeley, new_york, portland)]
    pairs = plan_round(seekers, forbidden=set())
    assert len(pairs) == 2
    by_member = {p.a: p for p in pairs} | {p.b: p for p in pairs}
    near = by_member[oakland.pk]
    assert {near.a, near.b} == {oakland.pk, berkeley.pk} and near.in_person
    far = by_member[new_york.pk]
    assert {far.a, far.b} == {new_york.pk, portland.pk} and not far.in_person
    assert all(isinstance(p, Pair) and p.a < p.b and 0 <= p.score <= 1 for p in pairs)


def test_a_dealbreaker_of_a_member_missing_from_the_snapshot_is_respected():
    strict = person(place="oakland", suggest=False, answers={DEAL[0]: DEAL[1:]})
    against = person(place="berkeley", answers={DEAL[0]: (3, 0b11111)})
    snap = engine.snapshot()
    assert strict.pk not in snap.row_of
    seekers = [either(strict), either(against)]
    assert plan_round(seekers, forbidden=set(), snapshot=snap) == []
    agreeing = person(place="berkeley", answers={DEAL[0]: (0, 0b11111)})
    pairs = plan_round([*seekers, either(agreeing)], forbidden=set())
    assert [(p.a, p.b) for p in pairs] == [tuple(sorted((strict.pk, agreeing.pk)))]


def test_forbidden_pairs_are_never_paired_and_a_hidden_place_means_video_only():
    a = person(place="oakland")
    b = person(place="berkeley", visibility={"location": "only_me"})
    assert plan_round([either(a), either(b)], forbidden={(a.pk, b.pk)}) == []
    (pair,) = plan_round([either(a), either(b)], forbidden=set())
    assert not pair.in_person
    in_person_only = Seeker(b.pk, in_person=True, virtual=False, travel_km=50)
    assert plan_round([either(a), in_person_only], forbidden=set()) == []
