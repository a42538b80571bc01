"""matching.scoring: hand-computed examples, then properties over random members."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from matching.scoring import (
    EXCLUDED,
    PRIOR,
    WEIGHTS,
    Importance,
    Response,
    Row,
    Snapshot,
    pair_score,
    satisfaction,
    score_against_all,
    shared_priorities,
)

VERY, SOMEWHAT, A_LITTLE, IRRELEVANT = (
    Importance.VERY,
    Importance.SOMEWHAT,
    Importance.A_LITTLE,
    Importance.IRRELEVANT,
)


def r(choice, accepted, importance=SOMEWHAT, dealbreaker=False):
    """A response; `accepted` as a set of option indexes, for readable examples."""
    return Response(choice, sum(1 << i for i in accepted), importance, dealbreaker)


# --- Hand-computed examples --------------------------------------------------------------


def test_one_agreed_very_statement_is_not_a_perfect_match():
    a = {"harm-reduction": r(0, {0}, VERY)}
    b = {"harm-reduction": r(0, {0}, VERY)}
    # Each side: (16 met + 8 * 0.5) / (16 + 8) = 20 / 24.
    assert pair_score(a, b) == pytest.approx(20 / 24)
    # OkCupid's unshrunk share calls it 100 %, on one answer.
    assert pair_score(a, b, prior_weight=0) == pytest.approx(1.0)


def test_mixed_example():
    a = {
        "q1": r(0, {0}, VERY),
        "q2": r(1, {1}, SOMEWHAT),
        "q3": r(0, {0, 1}, A_LITTLE),  # B did not answer q3: it counts for neither side
    }
    b = {
        "q1": r(0, {0, 1}, SOMEWHAT),
        "q2": r(2, {1, 2}, A_LITTLE),  # A does not accept 2; B accepts A's 1
    }
    # A: total 16 + 4, met 16 -> (16 + 4) / (20 + 8).  B: total 4 + 1, all met -> 9 / 13.
    assert satisfaction(a, b) == pytest.approx(20 / 28)
    assert satisfaction(b, a) == pytest.approx(9 / 13)
    assert pair_score(a, b) == pytest.approx(math.sqrt(20 / 28 * 9 / 13))  # 0.7032
    assert pair_score(a, b, prior_weight=0) == pytest.approx(math.sqrt(16 / 20 * 1.0))


def test_weights_and_defaults():
    assert WEIGHTS == (0.0, 1.0, 4.0, 16.0)
    assert PRIOR == 0.5


def test_nothing_shared_or_only_irrelevant_scores_the_prior():
    assert pair_score({}, {}) == PRIOR
    assert pair_score({"q1": r(0, {0})}, {"q2": r(1, {1})}) == PRIOR
    a = {"q1": r(0, {0}, IRRELEVANT)}
    b = {"q1": r(1, {1}, IRRELEVANT)}
    assert pair_score(a, b) == PRIOR
    assert pair_score(a, b, prior_weight=0) == PRIOR  # 0 / 0 is no evidence, not 0 %


def test_dealbreaker_excludes_from_either_side_but_unanswered_does_not():
    a = {"conversion-practices": r(0, {0, 1}, VERY, dealbreaker=True), "q2": r(0, {0})}
    b_violates = {"conversion-practices": r(3, {3, 4}), "q2": r(0, {0})}
    b_silent = {"q2": r(0, {0})}
    assert pair_score(a, b_violates) is None
    assert pair_score(b_violates, a) is None
    assert pair_score(a, b_silent) is not None


def test_response_rejects_impossible_answers():
    for bad in (
        dict(choice=8, accepted=1),
        dict(choice=-1, accepted=1),
        dict(choice=0, accepted=0),
        dict(choice=0, accepted=256),
        dict(choice=0, accepted=1, importance=4),
        dict(choice=0, accepted=1, importance=IRRELEVANT, dealbreaker=True),
    ):
        with pytest.raises(ValueError):
            Response(**bad)


def test_shared_priorities_names_only_mutual_important_agreement():
    a = {
        "harm-reduction": r(0, {0, 1}, VERY),
        "sliding-scale": r(0, {0}, SOMEWHAT),
        "video-therapy": r(0, {0, 1}, A_LITTLE),  # too unimportant to A to be a reason
        "faith-integration": r(2, {2}, VERY),  # B answers 0: a disagreement, never named
        "trauma-informed-care": r(0, {0}, VERY),  # B does not accept A's answer
    }
    b = {
        "harm-reduction": r(1, {0, 1}, SOMEWHAT),
        "sliding-scale": r(0, {0, 1}, VERY),
        "video-therapy": r(1, {0, 1}, VERY),
        "faith-integration": r(0, {0, 1, 2}, VERY),
        "trauma-informed-care": r(0, {1}, VERY),
    }
    # Both SOMEWHAT-or-more on each; ordered by the lesser importance, then the greater.
    assert shared_priorities(a, b) == ["harm-reduction", "sliding-scale"]
    assert set(shared_priorities(b, a)) == {"harm-reduction", "sliding-scale"}


def test_no_reasons_for_an_excluded_pair():
    a = {"q1": r(0, {0}, VERY), "q2": r(0, {0}, VERY, dealbreaker=True)}
    b = {"q1": r(0, {0}, VERY), "q2": r(1, {0, 1}, VERY)}
    assert shared_priorities(a, b) == []
    assert shared_priorities(b, a) == []


def test_vectorised_matches_a_hand_computed_case():
    keys = ["q1", "q2", "q3"]
    a = {"q1": r(0, {0}, VERY), "q2": r(1, {1}, SOMEWHAT), "q3": r(0, {0, 1}, A_LITTLE)}
    b = {"q1": r(0, {0, 1}, SOMEWHAT), "q2": r(2, {1, 2}, A_LITTLE)}
    c = {"q3": r(1, {1}, VERY, dealbreaker=True)}  # rules out A, who answered 0
    snapshot = Snapshot.from_answers([a, b, c], keys)
    scores, excluded = score_against_all(0, snapshot)
    assert scores.dtype == np.float32
    assert scores[1] == pytest.approx(math.sqrt(20 / 28 * 9 / 13), rel=1e-6)
    assert list(excluded) == [False, False, True]
    assert scores[2] == EXCLUDED
    # Excluded pairs sort last, so a top-k never picks them up.
    assert np.argsort(-scores)[-1] == 2


def test_snapshot_is_column_major_and_checks_its_contract():
    snapshot = Snapshot.from_answers([{"q1": r(0, {0})}, {}], ["q1", "q2"])
    assert snapshot.choice_bit.flags.f_contiguous
    assert len(snapshot) == 2
    bits = np.zeros((1, 1), np.uint8)
    acc = np.zeros((1, 1), np.uint8)
    weight = np.zeros((1, 1), np.float32)
    breaker = np.zeros((1, 1), bool)
    Snapshot(("q",), bits, acc, weight, breaker)  # one member who answered nothing
    for bad in (
        dict(bits=np.full((1, 1), 3, np.uint8), acc=np.ones((1, 1), np.uint8)),  # 2 choices
        dict(acc=np.ones((1, 1), np.uint8)),  # accepts without answering
        dict(weight=np.ones((1, 1), np.float32)),  # weight without answering
        dict(breaker=np.ones((1, 1), bool)),
        dict(weight=np.zeros((1, 1), np.float64)),  # float64 is not welcome here
    ):
        arrays = dict(bits=bits, acc=acc, weight=weight, breaker=breaker) | bad
        with pytest.raises(ValueError):
            Snapshot(("q",), arrays["bits"], arrays["acc"], arrays["weight"], arrays["breaker"])


def test_from_answer_rows_rejects_duplicates_and_negative_positions():
    common = dict(keys=["q1"], n_members=2, choice=[0, 1], accepted=[1, 3])
    common |= dict(importance=[2, 2], dealbreaker=[False, False])
    with pytest.raises(ValueError):
        Snapshot.from_answer_rows(member_pos=[0, 0], statement_pos=[0, 0], **common)
    with pytest.raises(ValueError):
        Snapshot.from_answer_rows(member_pos=[0, -1], statement_pos=[0, 0], **common)
    ok = Snapshot.from_answer_rows(member_pos=[0, 1], statement_pos=[0, 0], **common)
    assert list(ok.choice_bit[:, 0]) == [1, 2]


def test_bad_arguments():
    snapshot = Snapshot.from_answers([{}], ["q1"])
    with pytest.raises(ValueError):
        score_against_all(0, snapshot, prior=1.5)
    with pytest.raises(ValueError):
        score_against_all(0, snapshot, prior_weight=-1)
    with pytest.raises(ValueError):
        score_against_all(Row.from_answers({}, ["q1", "q2"]), snapshot)


# --- Random members ----------------------------------------------------------------------

# No per-example deadline: on a busy two-core machine (CI, parallel suites) a slow example
# is the machine's doing, not a regression, and deadline failures would be noise.
no_deadline = settings(deadline=None)

# A questionnaire as {key: number of options}.
questionnaires = st.lists(st.integers(2, 5), min_size=1, max_size=8).map(
    lambda counts: {f"q{i}": n for i, n in enumerate(counts)}
)


@st.composite
def responses(draw, n_options, dealbreakers=True):
    importance = draw(st.sampled_from(Importance))
    return Response(
        choice=draw(st.integers(0, n_options - 1)),
        accepted=draw(st.integers(1, (1 << n_options) - 1)),
        importance=importance,
        # Mostly off, or nearly every random pair would be excluded.
        dealbreaker=dealbreakers and importance != IRRELEVANT and draw(st.integers(0, 4)) == 0,
    )


@st.composite
def members(draw, questionnaire, dealbreakers=True):
    answers = {}
    for key, n_options in questionnaire.items():
        if draw(st.integers(0, 4)):  # answered four times in five
            answers[key] = draw(responses(n_options, dealbreakers))
    return answers


@st.composite
def pairs(draw, dealbreakers=True):
    questionnaire = draw(questionnaires)
    a = draw(members(questionnaire, dealbreakers))
    b = draw(members(questionnaire, dealbreakers))
    return questionnaire, a, b


def _at_least(before, after):
    """`after` is no worse than `before`, where None (excluded) is the worst."""
    return before is None or (after is not None and after >= before - 1e-12)


@no_deadline
@given(pairs())
def test_symmetric_and_within_bounds(pair):
    _, a, b = pair
    score = pair_score(a, b)
    assert score == pair_score(b, a)
    assert score is None or 0.0 <= score <= 1.0
    assert set(shared_priorities(a, b)) == set(shared_priorities(b, a))


@no_deadline
@given(pairs(), st.data())
def test_a_violated_dealbreaker_always_excludes(pair, data):
    questionnaire, a, b = pair
    both = sorted(set(a) & set(b))
    assume(both)
    key = data.draw(st.sampled_from(both))
    everything = (1 << questionnaire[key]) - 1
    # A makes q a dealbreaker and accepts everything except B's answer.
    a[key] = Response(a[key].choice, everything & ~(1 << b[key].choice), VERY, True)
    assert pair_score(a, b) is None
    assert pair_score(b, a) is None
    assert shared_priorities(a, b) == []
    snapshot = Snapshot.from_answers([a, b], list(questionnaire))
    for me, other in ((0, 1), (1, 0)):
        scores, excluded = score_against_all(me, snapshot)
        assert excluded[other] and scores[other] == EXCLUDED


@no_deadline
@given(pairs(), st.data())
def test_more_agreement_never_lowers_the_score(pair, data):
    questionnaire, a, b = pair
    both = sorted(set(a) & set(b))
    assume(both)
    key = data.draw(st.sampled_from(both))
    mine, theirs = a[key], b[key]
    before = pair_score(a, b)
    # B changes their answer to one A accepts.
    acceptable = [i for i in range(questionnaire[key]) if mine.accepts(i)]
    new_choice = data.draw(st.sampled_from(acceptable))
    b_agrees = b | {
        key: Response(new_choice, theirs.accepted, theirs.importance, theirs.dealbreaker)
    }
    assert _at_least(before, pair_score(a, b_agrees))
    assert _at_least(before, pair_score(b_agrees, a))
    # A comes to accept B's current answer as well.
    a_accepts = a | {
        key: Response(
            mine.choice, mine.accepted | 1 << theirs.choice, mine.importance, mine.dealbreaker
        )
    }
    assert _at_least(before, pair_score(a_accepts, b))


@no_deadline
@given(questionnaires, st.data())
def test_no_shared_answers_scores_the_neutral_prior(questionnaire, data):
    keys = list(questionnaire)
    split = data.draw(st.integers(0, len(keys)))
    a = data.draw(members({k: questionnaire[k] for k in keys[:split]}))
    b = data.draw(members({k: questionnaire[k] for k in keys[split:]}))
    assert pair_score(a, b) == PRIOR
    snapshot = Snapshot.from_answers([a, b], keys)
    scores, excluded = score_against_all(0, snapshot)
    assert not excluded[1] and scores[1] == pytest.approx(PRIOR)


@no_deadline
@given(
    st.sampled_from([A_LITTLE, SOMEWHAT, VERY]),
    st.sampled_from([A_LITTLE, SOMEWHAT, VERY]),
    st.integers(2, 5),
)
def test_one_agreed_statement_scores_below_twenty(importance_a, importance_b, n_options):
    def agreeing(n):
        a = {f"q{i}": Response(0, 1, importance_a) for i in range(n)}
        b = {f"q{i}": Response(0, (1 << n_options) - 1, importance_b) for i in range(n)}
        return a, b

    one, twenty = pair_score(*agreeing(1)), pair_score(*agreeing(20))
    assert PRIOR < one < twenty < 1.0
    assert pair_score(*agreeing(1), prior_weight=0) == 1.0  # what shrinkage corrects


@no_deadline
@given(
    questionnaires.flatmap(
        lambda q: st.tuples(st.just(q), st.lists(members(q), min_size=1, max_size=12))
    ),
    st.integers(1, 5),
    st.floats(0.0, 1.0),
    st.sampled_from([0.0, 0.5, 8.0, 30.0]),
)
def test_vectorised_equals_scalar(case, chunk_rows, prior, prior_weight):
    questionnaire, people = case
    keys = list(questionnaire)
    snapshot = Snapshot.from_answers(people, keys)
    for me, my_answers in enumerate(people):
        expected = [
            pair_score(my_answers, o, prior=prior, prior_weight=prior_weight) for o in people
        ]
        for who in (me, Row.from_answers(my_answers, keys)):
            scores, excluded = score_against_all(
                who, snapshot, prior=prior, prior_weight=prior_weight, chunk_rows=chunk_rows
            )
            assert list(excluded) == [e is None for e in expected]
            want = np.array([EXCLUDED if e is None else e for e in expected])
            np.testing.assert_allclose(scores, want, rtol=1e-5, atol=1e-6)


@no_deadline
@given(
    questionnaires.flatmap(
        lambda q: st.tuples(st.just(q), st.lists(members(q), min_size=0, max_size=6))
    )
)
def test_from_answer_rows_equals_from_answers(case):
    questionnaire, people = case
    keys = list(questionnaire)
    cells = [(i, j, people[i].get(k)) for i in range(len(people)) for j, k in enumerate(keys)]
    cells = [cell for cell in cells if cell[2] is not None]
    built = Snapshot.from_answer_rows(
        keys=keys,
        n_members=len(people),
        member_pos=[i for i, _, _ in cells],
        statement_pos=[j for _, j, _ in cells],
        choice=[x.choice for _, _, x in cells],
        accepted=[x.accepted for _, _, x in cells],
        importance=[x.importance for _, _, x in cells],
        dealbreaker=[x.dealbreaker for _, _, x in cells],
    )
    reference = Snapshot.from_answers(people, keys)
    for name in ("choice_bit", "accepted", "weight", "dealbreaker"):
        np.testing.assert_array_equal(getattr(built, name), getattr(reference, name))


@no_deadline
@given(pairs(), st.data())
def test_reasons_depend_on_acceptance_not_on_the_answer(pair, data):
    """Privacy: whichever of the answers A accepts B gives, the reasons either of them
    sees are the same, so reasons cannot tell A which answer B gave."""
    questionnaire, a, b = pair
    both = sorted(set(a) & set(b))
    assume(both)
    key = data.draw(st.sampled_from(both))
    theirs = b[key]
    acceptable = [i for i in range(questionnaire[key]) if a[key].accepts(i)]

    def b_answering(choice):
        return b | {key: Response(choice, theirs.accepted, theirs.importance, theirs.dealbreaker)}

    first = b_answering(data.draw(st.sampled_from(acceptable)))
    second = b_answering(data.draw(st.sampled_from(acceptable)))
    assert shared_priorities(a, first) == shared_priorities(a, second)
    assert set(shared_priorities(first, a)) == set(shared_priorities(second, a))


@no_deadline
@given(pairs())
def test_reasons_are_only_mutual_important_agreements(pair):
    _, a, b = pair
    for key in shared_priorities(a, b):
        assert min(a[key].importance, b[key].importance) >= SOMEWHAT
        assert a[key].accepts(b[key].choice) and b[key].accepts(a[key].choice)
