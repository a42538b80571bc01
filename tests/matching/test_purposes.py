"""Purpose fits, the blend and the top-k selection: pure numpy, no database."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matching import purposes
from matching.models import Purpose
from matching.purposes import (
    COFFEE,
    GIVING,
    INTERDISCIPLINARY,
    PEER,
    RECEIVING,
    REFERRALS_NO,
    REFERRALS_WAITLIST,
    REFERRALS_YES,
    Features,
    Member,
    Vocabulary,
    unit_vector,
)
from members.privacy import TERM_KIND_FIELDS

OAKLAND = unit_vector(37.8044, -122.2712)
BERKELEY = unit_vector(37.8716, -122.2727)
SAN_JOSE = unit_vector(37.3382, -121.8863)
SACRAMENTO = unit_vector(38.5816, -121.4944)
STAGE = {slug: i for i, slug in enumerate(purposes.STAGES)}


def bits(*positions) -> np.uint64:
    return np.uint64(sum(1 << p for p in positions))


def who(**fields) -> Member:
    if "stage" in fields and isinstance(fields["stage"], str):
        fields["stage"] = STAGE[fields["stage"]]
    return Member(**fields)


def fit(function, me, *others):
    result = function(me, Features.stack(list(others)))
    return list(result.allowed), [float(x) for x in result.score]


def haversine(a, b) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, p) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * purposes.EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def test_the_purposes_are_the_models_purposes_and_kinds_match_privacy():
    assert set(purposes.FITS) == set(Purpose.values) == set(purposes.VALUES_WEIGHT)
    assert {k: v for k, v in TERM_KIND_FIELDS.items() if k in Vocabulary.KINDS} == (
        Vocabulary.KINDS
    )


def test_distances_are_precise_in_float32():
    me = who(xyz=OAKLAND)
    them = Features.stack([who(xyz=BERKELEY), who(xyz=SAN_JOSE), who(), who(xyz=OAKLAND)])
    got = purposes.distances_km(me, them)
    assert got[0] == pytest.approx(haversine((37.8044, -122.2712), (37.8716, -122.2727)), 0.01)
    assert got[1] == pytest.approx(haversine((37.8044, -122.2712), (37.3382, -121.8863)), 0.01)
    assert math.isnan(got[2]) and got[3] == pytest.approx(0, abs=0.01)
    assert math.isnan(purposes.distances_km(who(), them)[0])


# --- Each purpose's gate and ordering ----------------------------------------------------


def test_peer_consultation_wants_a_similar_stage_and_a_shared_focus():
    me = who(stage="mid", specialties=bits(1, 2), modalities=bits(0))
    allowed, score = fit(
        purposes.peer_consultation,
        me,
        who(stage="mid", specialties=bits(1, 2), modalities=bits(0)),  # same stage, 3 shared
        who(stage="seasoned", specialties=bits(1)),  # one stage apart, 1 shared
        who(stage="student", specialties=bits(1, 2)),  # two apart: out
        who(stage="mid"),  # nothing shared, not looking: out
        who(stage="mid", looking_for=PEER),  # looking for it, but no shared focus: out
        who(specialties=bits(2)),  # stage unknown: we cannot say it is similar, out
        who(stage="mid", specialties=bits(2), looking_for=PEER),  # 1 shared and looking
    )
    assert allowed == [True, True, False, False, False, False, True]
    assert score[0] > score[1] and score[6] > score[1]
    # A viewer whose stage is unknown gets nobody: "similar" needs a stage to compare.
    unknown, _ = fit(
        purposes.peer_consultation, who(specialties=bits(1)), who(stage="mid", specialties=bits(1))
    )
    assert unknown == [False]


def test_mentorship_needs_a_stage_gap_and_a_mentor_who_offers_it():
    junior = who(stage="early", looking_for=RECEIVING, discipline=1)
    allowed, score = fit(
        purposes.mentorship,
        junior,
        who(stage="seasoned", looking_for=GIVING, discipline=1),  # offers, same discipline
        who(stage="seasoned", looking_for=GIVING, discipline=2),  # offers, another discipline
        who(stage="seasoned"),  # does not offer: out, however much I seek it
        who(stage="mid", looking_for=GIVING),  # one stage apart: out
        who(looking_for=GIVING),  # stage unknown: out
    )
    assert allowed == [True, True, False, False, False] and score[0] > score[1]
    # As the senior: only juniors who asked, and only if I offer.
    seasoned = who(stage="seasoned")
    asked = Features.stack([who(stage="student", looking_for=RECEIVING), who(stage="early")])
    assert list(purposes.mentorship_direction(seasoned, asked)) == [0, 0]
    offering = who(stage="seasoned", looking_for=GIVING)
    assert list(purposes.mentorship_direction(offering, asked)) == [-1, 0]


def test_interdisciplinary_needs_another_profession_and_shared_populations():
    me = who(profession=1, populations=bits(3, 4))
    allowed, score = fit(
        purposes.interdisciplinary,
        me,
        who(profession=2, populations=bits(3, 4), looking_for=INTERDISCIPLINARY),
        who(profession=2, populations=bits(3)),
        who(profession=1, populations=bits(3, 4)),  # same profession
        who(profession=2, populations=bits(5)),  # nobody in common
        who(populations=bits(3)),  # profession not shown
    )
    assert allowed == [True, True, False, False, False] and score[0] > score[1]


def test_referrals_need_a_complement_reach_and_room():
    me = who(specialties=bits(1), xyz=OAKLAND, telehealth=bits(5))
    allowed, score = fit(
        purposes.referral,
        me,
        who(specialties=bits(2), xyz=BERKELEY, referrals=REFERRALS_YES),
        who(specialties=bits(2), xyz=BERKELEY, referrals=REFERRALS_WAITLIST),
        who(specialties=bits(2), xyz=BERKELEY, referrals=REFERRALS_NO),  # not taking any
        who(specialties=bits(1), xyz=BERKELEY, referrals=REFERRALS_YES),  # nothing new
        who(specialties=bits(2), xyz=SACRAMENTO, referrals=REFERRALS_YES),  # too far
        who(specialties=bits(2), xyz=SACRAMENTO, telehealth=bits(5), referrals=REFERRALS_YES),
        who(specialties=bits(2), xyz=SAN_JOSE, referrals=REFERRALS_YES),  # 62 km: too far
    )
    assert allowed == [True, True, False, False, False, True, False]
    assert score[0] > score[1] and score[0] > score[5]


def test_coffee_is_near_enough_or_virtual_for_two_who_want_it():
    me = who(xyz=OAKLAND, looking_for=COFFEE)
    allowed, score = fit(
        purposes.coffee,
        me,
        who(xyz=BERKELEY, looking_for=COFFEE),
        who(xyz=BERKELEY),
        who(xyz=SAN_JOSE),  # too far, not keen
        who(xyz=SAN_JOSE, looking_for=COFFEE),  # virtual
        who(),  # nowhere, not keen
    )
    assert allowed == [True, True, False, True, False]
    assert score[0] > score[1] and score[0] > score[3]
    # Not keen myself: far-away keen colleagues are not virtual dates.
    assert fit(purposes.coffee, who(xyz=OAKLAND), who(xyz=SAN_JOSE, looking_for=COFFEE))[0] == [
        False
    ]


@pytest.mark.parametrize("purpose", list(purposes.FITS))
def test_unknown_fields_never_pass_a_gate_that_needs_them(purpose):
    nothing = Features.stack([who(), who(looking_for=PEER | COFFEE)])
    allowed = purposes.FITS[purpose](who(), nothing).allowed
    assert not allowed[0]
    if purpose != purposes.PEER_CONSULTATION:  # peer: "looking for it" is enough
        assert not allowed[1]


# --- The blend ---------------------------------------------------------------------------


unit = st.floats(0, 1, width=32)


@settings(max_examples=200, deadline=None)
@given(unit, unit, unit, unit, st.sampled_from(list(purposes.FITS)))
def test_the_blend_is_in_range_and_monotone(v1, v2, f1, f2, purpose):
    floor = purposes.FIT_FLOOR
    f1, f2 = floor + (1 - floor) * f1, floor + (1 - floor) * f2
    values, fits = np.float32([v1, v2]), np.float32([f1, f2])
    out = purposes.blend(values, fits, purpose)
    assert np.all((out >= 0) & (out <= 1))
    if v1 >= v2 and f1 >= f2:
        assert out[0] >= out[1]


def test_no_evidence_ranks_below_neutral_evidence_and_above_disagreement():
    values = np.float32([0.5, 0.5, 0.44])
    shared = np.array([3, 0, 5])
    out = purposes.with_evidence(values, shared)
    assert out[0] > out[1] > out[2]


def test_an_excluded_score_does_not_become_nan():
    out = purposes.blend(np.float32([-1.0]), np.float32([0.5]), purposes.COFFEE_DATE)
    assert out[0] == 0


# --- top_k -------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from([0.1, 0.3, 0.5, 0.5, 0.7, 0.9]), min_size=0, max_size=60),
    st.integers(0, 25),
    st.integers(1, 10_000),
)
def test_top_k_equals_a_full_sort_with_ties_by_the_key(raw, k, viewer):
    scores = np.float32(raw)
    rng = np.random.default_rng(len(raw) + k)
    allowed = rng.random(len(raw)) < 0.8
    ids = np.arange(1, len(raw) + 1, dtype=np.int64)
    tie = purposes.tie_key(viewer, ids)
    rows = np.flatnonzero(allowed)
    got = rows[purposes.top_k(scores[rows], tie[rows], k)]
    full = sorted(rows, key=lambda i: (-scores[i], tie[i]))[:k]
    assert list(got) == list(full)


def test_ties_are_ordered_differently_for_different_viewers():
    ids = np.arange(1, 101, dtype=np.int64)
    first = np.argsort(purposes.tie_key(1, ids))[:10]
    second = np.argsort(purposes.tie_key(2, ids))[:10]
    assert list(first) != list(second)


# --- The vocabulary ----------------------------------------------------------------------


def test_looking_for_slugs_take_their_fixed_bits_and_too_many_terms_are_refused():
    rows = [(10, "looking_for", "study-group", "Study")]
    rows += [(20 + i, "looking_for", slug, slug) for i, slug in enumerate(purposes.LOOKING_FOR)]
    rows += [(5, "specialty", "grief", "Grief"), (3, "specialty", "trauma", "Trauma")]
    vocabulary = Vocabulary.from_terms(rows)
    assert vocabulary.bitsets([23, 10, 5])["looking_for"] == (1 << 3) | (1 << 6)
    assert vocabulary.bitsets([5, 3])["specialties"] == 0b11
    assert vocabulary.names("specialties", 0b10) == ["Grief"]
    with pytest.raises(ValueError, match="missing"):
        Vocabulary.from_terms(rows[1:3])
    too_many = rows + [(100 + i, "modality", f"m{i}", "M") for i in range(65)]
    with pytest.raises(ValueError, match="64-bit"):
        Vocabulary.from_terms(too_many)


def test_referrals_are_grounded_only_in_specialties_the_profession_treats():
    me = who(specialties=bits(0), xyz=OAKLAND)
    near = dict(xyz=BERKELEY, referrals=REFERRALS_YES)
    allowed, _ = fit(
        purposes.referral,
        me,
        # A dietitian's profile lists eating disorders (bit 1) and personality
        # disorders (bit 2); their scope covers bit 1 only.
        who(specialties=bits(1, 2), scope=bits(1), **near),
        who(specialties=bits(2), scope=bits(1), **near),  # only out-of-scope: out
        who(specialties=bits(0), scope=bits(0), **near),  # nothing I lack: out
        who(specialties=bits(2), scope=np.uint64(0), **near),  # profession hidden: out
    )
    assert allowed == [True, False, False, False]
    grounds = purposes.referral_specialties(
        me, Features.stack([who(specialties=bits(1, 2), scope=bits(1))])
    )
    assert int(grounds[0]) == 1 << 1


def test_interdisciplinary_means_another_discipline():
    therapist = who(profession=1, discipline=0, populations=bits(3))
    allowed, _ = fit(
        purposes.interdisciplinary,
        therapist,
        who(profession=2, discipline=0, populations=bits(3)),  # another therapy license
        who(profession=3, discipline=4, populations=bits(3)),  # a dietitian
    )
    assert allowed == [False, True]
