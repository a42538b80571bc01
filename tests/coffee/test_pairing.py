"""The pairing engine on random communities (no database): every pair it makes is
allowed, honest about meeting in person and scored as the matching engine scores it;
the result is a matching; waited members go first; the same input gives the same
pairs."""

from __future__ import annotations

import math
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coffee.pairing import Community, Seeker, pair_community, scores
from matching import purposes, scoring

KEYS = ("q0", "q1", "q2", "q3", "q4")
# Places a few km to a continent apart: Oakland, Berkeley (~7.5 km), San Jose (~62 km),
# New York; None is unknown (or hidden).
PLACES = ((37.8044, -122.2712), (37.8716, -122.2727), (37.3382, -121.8863), (40.7128, -74.006))
TRAVEL = (0.0, 5.0, 10.0, 30.0, 100.0)


@st.composite
def responses(draw):
    importance = draw(st.integers(0, 3))
    return scoring.Response(
        choice=draw(st.integers(0, 3)),
        accepted=draw(st.integers(1, 15)),
        importance=importance,
        dealbreaker=importance > 0 and draw(st.integers(0, 3)) == 0,
    )


@st.composite
def members(draw):
    answered = draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=len(KEYS)))
    return {
        "answers": {key: draw(responses()) for key in answered},
        "place": draw(st.sampled_from((*PLACES, None))),
        "in_person": draw(st.booleans()),
        "virtual": draw(st.booleans()),
        "travel_km": draw(st.sampled_from(TRAVEL)),
        "waited": draw(st.integers(0, 4)) == 0,
    }


@st.composite
def communities(draw, max_size=24):
    people = draw(st.lists(members(), max_size=max_size))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=len(people), unique=True))
    ids = ids[: len(people)]
    pairs = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    forbidden = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    # Either order of the two ids is accepted.
    forbidden = [pair if draw(st.booleans()) else pair[::-1] for pair in forbidden]
    return [dict(person, user_id=uid) for person, uid in zip(people, ids, strict=True)], forbidden


def build(people) -> Community:
    seekers = [seeker(p) for p in people]
    values = scoring.Snapshot.from_answers([p["answers"] for p in people], KEYS)
    xyz = np.array([purposes.unit_vector(*(p["place"] or (None, None))) for p in people])
    return Community.build(seekers, values=values, xyz=xyz.reshape(len(people), 3))


def seeker(p) -> Seeker:
    return Seeker(p["user_id"], p["in_person"], p["virtual"], p["travel_km"], p["waited"])


def distance(a, b) -> float | None:
    if a["place"] is None or b["place"] is None:
        return None
    here, there = (purposes.Member(xyz=purposes.unit_vector(*p["place"])) for p in (a, b))
    return purposes.distance_between(here, there)


def reference(a, b) -> tuple[float | None, bool]:
    """(score, in person) of a pair as the issue and matching define them, pair by
    pair: None when they may not be paired."""
    values = scoring.pair_score(a["answers"], b["answers"])
    if values is None:
        return None, False
    reach = min(a["travel_km"] if a["in_person"] else 0, b["travel_km"] if b["in_person"] else 0)
    km = distance(a, b)
    in_person = reach > 0 and km is not None and km <= reach
    if not in_person and not (a["virtual"] and b["virtual"]):
        return None, False
    nearness = 1 - 0.5 * km / reach if in_person else 0.5
    fit = purposes.FIT_FLOOR + (1 - purposes.FIT_FLOOR) * (0.4 + 0.6 * nearness)
    if not set(a["answers"]) & set(b["answers"]):
        values *= purposes.NO_EVIDENCE
    weight = purposes.VALUES_WEIGHT[purposes.COFFEE_DATE]
    return values**weight * fit ** (1 - weight), in_person


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(communities())
def test_every_pair_is_allowed_honest_and_scored_as_matching_scores_it(community):
    people, forbidden = community
    by_id = {p["user_id"]: p for p in people}
    pairs = pair_community(build(people), forbidden=forbidden)
    never = {tuple(sorted(pair)) for pair in forbidden}
    seen: set[int] = set()
    for pair in pairs:
        assert pair.a < pair.b and pair.a in by_id and pair.b in by_id
        assert (pair.a, pair.b) not in never
        assert not {pair.a, pair.b} & seen, "a member has two dates"
        seen |= {pair.a, pair.b}
        a, b = by_id[pair.a], by_id[pair.b]
        score, in_person = reference(a, b)
        assert score is not None, "paired across a dealbreaker or with no way to meet"
        assert pair.in_person == in_person
        assert pair.score == pytest.approx(score, abs=2e-6)
        assert 0 <= pair.score <= 1


@settings(max_examples=60, deadline=None)
@given(communities(max_size=16), st.randoms(use_true_random=False))
def test_the_same_seekers_in_any_order_give_the_same_pairs(community, rng):
    people, forbidden = community
    first = pair_community(build(people), forbidden=forbidden)
    shuffled = people[:]
    rng.shuffle(shuffled)
    assert pair_community(build(shuffled), forbidden=forbidden[::-1]) == first


@settings(max_examples=60, deadline=None)
@given(communities(max_size=12))
def test_two_members_left_over_could_not_have_been_paired(community):
    """Small rounds keep every allowed pair as a candidate, and the matching is then
    maximal: two members left over never had an allowed pair between them."""
    people, forbidden = community
    pairs = pair_community(build(people), forbidden=forbidden)
    paired = {p.a for p in pairs} | {p.b for p in pairs}
    never = {tuple(sorted(pair)) for pair in forbidden}
    left = [p for p in people if p["user_id"] not in paired]
    for i, a in enumerate(left):
        for b in left[i + 1 :]:
            pair = tuple(sorted((a["user_id"], b["user_id"])))
            assert pair in never or reference(a, b)[0] is None


@settings(max_examples=100, deadline=None)
@given(communities(max_size=30))
def test_tile_values_equal_score_against_all_bit_for_bit(community):
    people, _ = community
    if not people:
        return
    comm = build(people)
    enc = scores.encode(comm)
    rows = np.arange(len(comm))
    values, excluded, _ = scores.values_tile(enc, rows, rows)
    for i in rows:
        expected, broken = scoring.score_against_all(int(i), comm.values)
        assert np.array_equal(excluded[i], broken)
        assert np.array_equal(values[i], expected)


# --- Examples ---------------------------------------------------------------------------


def person(uid, *, place=0, in_person=True, virtual=True, km=25.0, waited=False, answers=None):
    return {
        "user_id": uid,
        "answers": answers or {},
        "place": PLACES[place] if place is not None else None,
        "in_person": in_person,
        "virtual": virtual,
        "travel_km": km,
        "waited": waited,
    }


AGREE = {key: scoring.Response(0, 0b0001, 3) for key in KEYS}


def test_a_waited_member_goes_first_even_against_a_better_pair():
    # B and C agree on everything (the best pair there is); A and B share nothing.
    people = [person(1, waited=True), person(2, answers=AGREE), person(3, answers=AGREE)]
    (pair,) = pair_community(build(people))
    assert 1 in (pair.a, pair.b)
    people[0]["waited"] = False
    (pair,) = pair_community(build(people))
    assert (pair.a, pair.b) == (2, 3)


def test_waited_members_go_first_in_a_crowd():
    rng = random.Random(7)
    people = [
        person(uid, place=rng.randrange(3), waited=uid % 10 == 0, answers=_random_answers(rng))
        for uid in range(1, 102)
    ]  # 101 members all open to video: one is left over, never a waited one
    pairs = pair_community(build(people))
    paired = {p.a for p in pairs} | {p.b for p in pairs}
    assert len(pairs) == 50
    assert {uid for uid in range(10, 102, 10)} <= paired


def test_in_person_when_near_enough_for_both_and_video_otherwise():
    near_but_short = [person(1, km=5), person(2, place=1, km=30)]  # 7.5 km apart
    (pair,) = pair_community(build(near_but_short))
    assert not pair.in_person
    (pair,) = pair_community(build([person(1, km=10), person(2, place=1, km=30)]))
    assert pair.in_person
    in_person_only = [person(1, km=5, virtual=False), person(2, place=1, km=30)]
    assert pair_community(build(in_person_only)) == []
    hidden = [person(1, place=None), person(2, place=1, virtual=False)]
    assert pair_community(build(hidden)) == []


def test_a_dealbreaker_on_either_side_is_never_crossed():
    breaker = {"q0": scoring.Response(0, 0b0001, 3, dealbreaker=True)}
    other = {"q0": scoring.Response(1, 0b1111, 1)}
    people = [person(1, answers=breaker), person(2, answers=other)]
    assert pair_community(build(people)) == []
    people.append(person(3, answers={"q0": scoring.Response(0, 0b0010, 1)}))
    (pair,) = pair_community(build(people))  # 3 accepts nothing 1 answered, no dealbreaker
    assert (pair.a, pair.b) == (1, 3)


def test_deterministic_and_close_to_the_exact_optimum_on_a_mixed_round():
    rng = random.Random(3)
    people = [
        person(
            uid,
            place=rng.choice([0, 1, 2, 3, None]),
            in_person=rng.random() < 0.7,
            virtual=rng.random() < 0.7,
            km=rng.choice(TRAVEL[1:]),
            answers=_random_answers(rng),
        )
        for uid in range(1, 121)
    ]
    forbidden = {(rng.randint(1, 60), rng.randint(61, 120)) for _ in range(150)}
    pairs = pair_community(build(people), forbidden=forbidden)
    assert pair_community(build(people[::-1]), forbidden=forbidden) == pairs
    graph = nx.Graph()
    for i, a in enumerate(people):
        for b in people[i + 1 :]:
            score, _ = reference(a, b)
            if score is not None and (a["user_id"], b["user_id"]) not in forbidden:
                graph.add_edge(a["user_id"], b["user_id"], weight=score)
    best = sum(graph[a][b]["weight"] for a, b in nx.max_weight_matching(graph))
    total = sum(p.score for p in pairs)
    assert total <= best + 1e-6
    assert total >= 0.97 * best


def _random_answers(rng: random.Random) -> dict:
    answers = {}
    for key in KEYS:
        if rng.random() < 0.9:
            importance = rng.randint(0, 3)
            answers[key] = scoring.Response(
                rng.randint(0, 3),
                rng.randint(1, 15),
                importance,
                dealbreaker=importance > 0 and rng.random() < 0.1,
            )
    return answers


def test_scores_stay_within_bounds_for_extreme_places():
    # Antipodes and the poles: the distance formula must not leave asin's domain.
    people = [person(1), person(2), person(3)]
    people[0]["place"], people[1]["place"] = (90.0, 0.0), (-90.0, 0.0)
    people[2]["place"] = (0.0, 180.0)
    for pair in pair_community(build(people)):
        assert 0 <= pair.score <= 1 and not math.isnan(pair.score)
