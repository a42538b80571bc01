"""Reasons in plain words: what they say for each purpose, and what they never say (an
answer, a disagreement, a dealbreaker, a hidden field, a dual relationship)."""

import random
import re

import numpy as np
import pytest

from matching import engine, purposes
from matching.models import Purpose, Questionnaire
from matching.purposes import COFFEE, GIVING, RECEIVING, Member, Vocabulary, unit_vector
from matching.reasons import MAX_CLAUSES, reason_for, soft_lower
from matching.suggestions import suggest
from members.models import DualRelationship, Term
from tests.matching.people import CONNECTIONS, ONLY_ME, PLACES, answer, person
from tests.matching.test_engine import _population

OAKLAND = unit_vector(*PLACES["oakland"])
BERKELEY = unit_vector(*PLACES["berkeley"])
STAGE = {slug: i for i, slug in enumerate(purposes.STAGES)}

VOCABULARY = Vocabulary.from_terms(
    [
        (1, "specialty", "trauma", "Trauma and PTSD"),
        (2, "specialty", "eating", "Eating disorders"),
        (3, "specialty", "grief", "Grief and loss"),
        (4, "modality", "emdr", "EMDR"),
        (5, "population", "adolescents", "Adolescents (13–17)"),
        (6, "population", "veterans", "Veterans and military families"),
        (7, "profession", "psychiatrist", "Psychiatrist"),
        (8, "profession", "lcsw", "Licensed Clinical Social Worker"),
        *((20 + i, "looking_for", slug, slug) for i, slug in enumerate(purposes.LOOKING_FOR)),
    ],
    ["California", "New York"],
)


def member(stage=None, terms=(), **fields) -> Member:
    sets = {name: np.uint64(bits) for name, bits in VOCABULARY.bitsets(terms).items()}
    for name in list(fields):
        if name in sets:
            sets[name] |= np.uint64(fields.pop(name))
    return Member(stage=STAGE[stage] if stage else purposes.UNKNOWN, **sets, **fields)


def test_soft_lower_keeps_acronyms():
    assert soft_lower("Eating disorders") == "eating disorders"
    assert soft_lower("EMDR") == "EMDR"
    assert soft_lower("LGBTQ+ clients") == "LGBTQ+ clients"
    assert soft_lower("Trauma and PTSD") == "trauma and PTSD"


@pytest.mark.parametrize(
    ("purpose", "me", "them", "topics", "expected"),
    [
        (
            purposes.PEER_CONSULTATION,
            member("mid", [1, 4]),
            member("mid", [1, 4, 20]),
            ["harm reduction", "trauma-informed care", "cultural humility"],
            "Shared focus on trauma and PTSD plus EMDR; also 5–15 years in practice; "
            "looking for peer consultation",
        ),
        (
            purposes.MENTORSHIP,
            member("early", [22]),
            member("seasoned", [21]),
            [],
            "Offers mentorship: 15+ years in practice",
        ),
        (
            purposes.MENTORSHIP,
            member("seasoned", [21]),
            member("student", [22]),
            ["harm reduction"],
            "Looking for a mentor: in training; you both prioritize harm reduction",
        ),
        (
            purposes.INTERDISCIPLINARY_PURPOSE,
            member(terms=[6], profession=8),
            member(terms=[6], profession=7),
            [],
            "Psychiatrist, also serving veterans and military families",
        ),
        (
            purposes.REFERRAL,
            member(terms=[1, 5], xyz=OAKLAND),
            member(terms=[2, 5], xyz=BERKELEY, referrals=purposes.REFERRALS_YES),
            ["harm reduction"],
            "Specializes in eating disorders; accepting referrals, 5 miles away; also sees "
            "adolescents (13–17)",
        ),
        (
            purposes.REFERRAL,
            member(terms=[1], telehealth=np.uint64(0b10)),
            member(terms=[3], telehealth=0b11, referrals=purposes.REFERRALS_WAITLIST),
            [],
            "Specializes in grief and loss; waitlist for referrals, telehealth in New York",
        ),
        (
            purposes.COFFEE_DATE,
            member(xyz=OAKLAND, looking_for=COFFEE),
            member(looking_for=COFFEE),
            ["harm reduction"],
            "Also up for a virtual coffee; you both prioritize harm reduction",
        ),
    ],
)
def test_reasons_read_as_plain_words(purpose, me, them, topics, expected):
    assert reason_for(purpose, me, them, topics=topics, vocabulary=VOCABULARY) == expected


def test_at_most_three_clauses():
    me = member("mid", [1, 4], xyz=OAKLAND, looking_for=COFFEE)
    them = member("mid", [1, 4, 20], xyz=BERKELEY, looking_for=COFFEE)
    for purpose in [None, *purposes.FITS]:
        reason = reason_for(purpose, me, them, topics=["harm reduction"], vocabulary=VOCABULARY)
        assert len(reason.split("; ")) <= MAX_CLAUSES


def test_mentoring_direction_is_named_only_for_a_mentoring_pair():
    unknown = member(looking_for=GIVING | RECEIVING)
    reason = reason_for(
        purposes.MENTORSHIP, member("early"), unknown, topics=[], vocabulary=VOCABULARY
    )
    assert "mentor" not in reason.lower()


# --- What reasons never say --------------------------------------------------------------


@pytest.mark.django_db
def test_hidden_groups_are_never_named(client):
    viewer = person(
        "Vera Viewer",
        stage="early",
        place="oakland",
        specialties=["grief-and-loss"],
        populations=["veterans-and-military-families"],
        looking_for=["coffee-dates", "mentorship-receiving"],
        telehealth=["CA"],
    )
    hidden = {
        "credentials": dict(stage="seasoned", profession="psychiatrist"),
        "practice": dict(
            specialties=["grief-and-loss", "eating-disorders"],
            populations=["veterans-and-military-families"],
            referrals="yes",
            looking_for=["coffee-dates", "mentorship-giving"],
        ),
        "location": dict(place="berkeley", telehealth=["CA"]),
    }
    everything = {k: v for fields in hidden.values() for k, v in fields.items()}
    for group in hidden:
        for setting in (CONNECTIONS, ONLY_ME):
            other = person(**everything, visibility={group: setting})
            appearances = 0
            for purpose in Purpose.values:
                for item in suggest(viewer, purpose).items:
                    if item.profile.user_id != other.pk:
                        continue
                    appearances += 1
                    text = item.reason.lower()
                    if group == "credentials":
                        assert "mentor" not in text and "psychiatrist" not in text
                        assert "years in practice" not in text
                    if group == "practice":
                        assert "grief" not in text and "eating" not in text
                        assert "veterans" not in text and "referrals" not in text
                        assert "coffee" not in text or "away" in text
                    if group == "location":
                        assert "km" not in text and "mile" not in text
                        assert "california" not in text
            assert appearances, (group, setting)  # the checks above did run
            other.delete()
            engine.reset()


@pytest.mark.django_db
def test_no_reason_names_an_answer_a_disagreement_a_dealbreaker_or_a_relationship():
    rng = random.Random(66)
    people = _population(rng, 40)
    for viewer, other in zip(people[::4], people[1::4], strict=False):
        DualRelationship.objects.create(
            member=viewer, other=other, kind=DualRelationship.Kind.PERSONAL
        )
    # Dealbreakers the viewer sets: unmet pairs vanish, met ones must not be flagged.
    for viewer in people[:10]:
        answer(viewer, "harm-reduction", 0, 0b11, 3, True)
    options = {
        label.lower()
        for statement in Questionnaire.objects.current().statements.all()
        for label in statement.options
    }
    forbidden = options | {"disagree", "dealbreaker", "deal-breaker", "introduce", "relationship"}
    forbidden |= {label.lower() for _, label in DualRelationship.Kind.choices}
    patterns = [re.compile(rf"(?<![\w-]){re.escape(word)}(?![\w-])") for word in forbidden]
    # What a reason may name: topics of shared priorities and taxonomy labels. They are
    # cut out first, so a word they share with an answer option is not a false alarm.
    allowed = {
        t.lower()
        for t in Questionnaire.objects.current().statements.values_list("topic", flat=True)
    } | {label.lower() for label in Term.objects.values_list("label", flat=True)}
    seen = 0
    for viewer in people[:20]:
        for purpose in Purpose.values:
            for item in suggest(viewer, purpose).items:
                text = item.reason.lower()
                for phrase in sorted(allowed, key=len, reverse=True):
                    text = text.replace(phrase, " ")
                hits = [p.pattern for p in patterns if p.search(text)]
                assert not hits, (item.reason, hits)
                assert len(item.reason.split("; ")) <= MAX_CLAUSES
                seen += 1
    assert seen > 100


# --- Informative: weighed against the viewer's other candidates --------------------------


def test_rare_shared_traits_are_named_and_common_ones_left_out():
    from matching.reasons import reasons_for

    me = member("mid", [1, 3, 4])
    common = [member("mid", [1]) for _ in range(5)]  # trauma: shared with everyone
    rare = member("mid", [1, 4])  # ... and EMDR, with this one only
    topics = [["harm reduction"]] * 5 + [["harm reduction", "cultural humility"]]
    texts = reasons_for(
        purposes.PEER_CONSULTATION, me, [*common, rare], topics=topics, vocabulary=VOCABULARY
    )
    assert texts[-1].startswith("Shared focus on EMDR")
    # "harm reduction" is shared with every candidate: never named; "cultural humility"
    # only with the last one: named, once.
    assert not any("harm reduction" in text for text in texts)
    assert texts[-1].endswith("you both prioritize cultural humility")
    assert all(text.count("prioritize") <= 1 for text in texts)
    # A trait every candidate has (the same stage) is left out when others say more.
    assert "also 5–15 years in practice" not in texts[-1]


def test_distances_are_in_miles_for_us_members_and_km_elsewhere():
    me = member(terms=[1], xyz=OAKLAND)
    them = member(terms=[3], xyz=BERKELEY, referrals=purposes.REFERRALS_YES)
    us = reason_for(purposes.REFERRAL, me, them, topics=[], vocabulary=VOCABULARY)
    abroad = reason_for(purposes.REFERRAL, me, them, topics=[], vocabulary=VOCABULARY, miles=False)
    assert "5 miles away" in us and "7 km away" in abroad
