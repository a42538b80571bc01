"""Suggestions a colleague would agree with: hand-written scenarios, each a small
community where the right answer is plain to a clinician, and precision@3 over them.

For a scenario with `good` people, precision is the share of the first k suggestions
that are good, k = min(3, len(good)): the good ones must come first, and a bad one in
the first k costs. A scenario with no good person expects an empty tab (a weak match
is worse than none). The test asserts the mean is at least TARGET, and prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.db import transaction

from matching import engine
from matching.models import Purpose
from matching.suggestions import suggest
from tests.matching.people import CONNECTIONS, ONLY_ME, person

pytestmark = pytest.mark.django_db
TARGET = 0.9

LCSW = "licensed-clinical-social-worker"
ASW = "associate-clinical-social-worker"
LPC = "licensed-professional-counselor"
LMFT = "marriage-and-family-therapist"
PSYD = "clinical-psychologist"
MD = "psychiatrist"
NP = "psychiatric-nurse-practitioner"
RD = "registered-dietitian"
PEER = "certified-peer-support-specialist"
LAC = "licensed-addiction-counselor"
CM = "case-manager"
OT = "occupational-therapist"
SCHOOL = "school-counselor"


def who(profession=LCSW, place="portland", stage="mid", **kwargs) -> dict:
    return dict(profession=profession, place=place, stage=stage, **kwargs)


def taking(profession, *specialties, place="beaverton", referrals="yes", **kwargs) -> dict:
    """Someone accepting referrals for these specialties."""
    kwargs.setdefault("populations", ["adolescents-13-17"])
    return who(profession, place, referrals=referrals, specialties=list(specialties), **kwargs)


@dataclass
class Scenario:
    name: str
    purpose: str
    viewer: dict
    good: list[dict]
    bad: list[dict] = field(default_factory=list)


TEEN_LCSW = who(LCSW, specialties=["anxiety", "depression"], populations=["adolescents-13-17"])
OR = ["OR"]
WA = ["WA"]

SCENARIOS = [
    # --- Referrals: what I don't treat, within their scope, taking referrals, reachable.
    Scenario(
        "an adolescent LCSW in Portland refers an eating disorder to the nearby RD",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(RD, "eating-disorders")],
        bad=[
            taking(MD, "adhd", "medication-management", place="boise"),
            taking(LCSW, "anxiety"),  # nothing I don't already offer
        ],
    ),
    Scenario(
        "a dietitian listing personality disorders is no referral for them",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(PSYD, "personality-disorders")],
        bad=[taking(RD, "personality-disorders", "sexuality")],
    ),
    Scenario(
        "medication management goes to the nearby prescriber, not a therapist listing it",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(NP, "medication-management"), taking(MD, "medication-management")],
        bad=[taking(LPC, "medication-management")],
    ),
    Scenario(
        "not accepting referrals is not a referral",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(MD, "bipolar-disorder", place="gresham")],
        bad=[taking(MD, "bipolar-disorder", referrals="no")],
    ),
    Scenario(
        "far away counts only by telehealth in a shared state",
        Purpose.REFERRAL,
        who(LCSW, specialties=["anxiety"], populations=["adults"], telehealth=OR),
        good=[taking(LPC, "trauma-and-ptsd", place="seattle", telehealth=["WA", "OR"])],
        bad=[taking(LPC, "trauma-and-ptsd", place="seattle", telehealth=WA)],
    ),
    Scenario(
        "nearer first, other things equal",
        Purpose.REFERRAL,
        who(LCSW, specialties=["anxiety"], populations=["adults"], telehealth=OR),
        good=[taking(PSYD, "obsessive-compulsive-disorder", place="beaverton")],
        bad=[taking(PSYD, "obsessive-compulsive-disorder", place="boise", telehealth=OR)],
    ),
    Scenario(
        "accepting now before a waitlist",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(RD, "eating-disorders")],
        bad=[taking(RD, "eating-disorders", referrals="waitlist")],
    ),
    Scenario(
        "a prescriber refers recovery support to a peer specialist",
        Purpose.REFERRAL,
        who(MD, specialties=["medication-management", "substance-use"], populations=["adults"]),
        good=[taking(PEER, "recovery-and-lived-experience", populations=["people-in-recovery"])],
        bad=[taking(LCSW, "medication-management", "substance-use")],
    ),
    Scenario(
        "what I already treat is no referral; what I lack is",
        Purpose.REFERRAL,
        who(LCSW, specialties=["eating-disorders"], populations=["children-0-12"]),
        good=[taking(OT, "sensory-processing", populations=["children-0-12"])],
        bad=[taking(RD, "eating-disorders", populations=["children-0-12"])],
    ),
    Scenario(
        "a specialty hidden from members is never a ground",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[taking(RD, "eating-disorders")],
        bad=[taking(PSYD, "trauma-and-ptsd", visibility={"practice": CONNECTIONS})],
    ),
    Scenario(
        "three eating-disorder colleagues nearby before the far and the full",
        Purpose.REFERRAL,
        TEEN_LCSW,
        good=[
            taking(RD, "eating-disorders"),
            taking(LCSW, "eating-disorders", place="gresham"),
            taking(PSYD, "eating-disorders", place="portland"),
        ],
        bad=[
            taking(RD, "eating-disorders", place="boise"),
            taking(LPC, "eating-disorders", place="seattle"),
            taking(RD, "eating-disorders", referrals="no"),
        ],
    ),
    Scenario(
        "a dealbreaker excludes the best-placed referral",
        Purpose.REFERRAL,
        dict(TEEN_LCSW, answers={"conversion-practices": (0, 0b1, 3, True)}),
        good=[taking(RD, "eating-disorders", place="gresham")],
        bad=[taking(RD, "eating-disorders", answers={"conversion-practices": (3, 0b1111, 3)})],
    ),
    # --- Interdisciplinary: another discipline serving the same people.
    Scenario(
        "a teen therapist meets the dietitian and the prescriber who see teens",
        Purpose.INTERDISCIPLINARY,
        TEEN_LCSW,
        good=[
            who(RD, populations=["adolescents-13-17"]),
            who(MD, populations=["adolescents-13-17"]),
        ],
        bad=[
            who(LPC, populations=["adolescents-13-17"]),  # another therapist
            who(RD, populations=["older-adults-65"]),  # nobody in common
        ],
    ),
    Scenario(
        "a peer specialist meets the addiction counselor and case manager",
        Purpose.INTERDISCIPLINARY,
        who(PEER, populations=["people-in-recovery"]),
        good=[
            who(LAC, populations=["people-in-recovery"]),
            who(CM, populations=["people-in-recovery"]),
        ],
        bad=[who(PEER, populations=["people-in-recovery"])],
    ),
    Scenario(
        "a psychiatrist meets therapists, not another prescriber",
        Purpose.INTERDISCIPLINARY,
        who(MD, populations=["adults"]),
        good=[who(LCSW, populations=["adults"]), who(LMFT, populations=["adults"])],
        bad=[who(NP, populations=["adults"])],
    ),
    Scenario(
        "a dietitian meets the therapists of their clients",
        Purpose.INTERDISCIPLINARY,
        who(RD, populations=["young-adults-18-25"]),
        good=[who(LPC, populations=["young-adults-18-25"])],
        bad=[who(RD, populations=["young-adults-18-25"]), who(LPC, populations=["couples"])],
    ),
    Scenario(
        "a hidden profession cannot be called another discipline",
        Purpose.INTERDISCIPLINARY,
        TEEN_LCSW,
        good=[who(OT, populations=["adolescents-13-17"])],
        bad=[
            who(RD, populations=["adolescents-13-17"], visibility={"credentials": ONLY_ME}),
        ],
    ),
    Scenario(
        "an OT meets the school counselor serving children",
        Purpose.INTERDISCIPLINARY,
        who(OT, populations=["children-0-12"]),
        good=[who(SCHOOL, populations=["children-0-12"])],
        bad=[who(OT, populations=["children-0-12"])],
    ),
    # --- Mentorship: a real stage gap and a mentor who offers it.
    Scenario(
        "a student finds a seasoned mentor who offers it",
        Purpose.MENTORSHIP,
        who(ASW, stage="student", looking_for=["mentorship-receiving"]),
        good=[who(LCSW, stage="seasoned", looking_for=["mentorship-giving"])],
        bad=[
            who(LCSW, stage="early", looking_for=["mentorship-giving"]),  # no real gap
            who(LCSW, stage="seasoned"),  # does not offer
        ],
    ),
    Scenario(
        "an early-career clinician is offered seasoned mentors only",
        Purpose.MENTORSHIP,
        who(LPC, stage="early", looking_for=["mentorship-receiving"]),
        good=[
            who(LPC, stage="seasoned", looking_for=["mentorship-giving"]),
            who(PSYD, stage="seasoned", looking_for=["mentorship-giving"]),
        ],
        bad=[
            who(LPC, stage="mid", looking_for=["mentorship-giving"]),
            who(LPC, stage="early", looking_for=["mentorship-giving"]),
        ],
    ),
    Scenario(
        "a seasoned mentor is offered juniors who asked",
        Purpose.MENTORSHIP,
        who(LMFT, stage="seasoned", looking_for=["mentorship-giving"]),
        good=[
            who(LMFT, stage="student", looking_for=["mentorship-receiving"]),
            who(LCSW, stage="early", looking_for=["mentorship-receiving"]),
        ],
        bad=[
            who(LMFT, stage="student"),  # did not ask
            who(LMFT, stage="mid", looking_for=["mentorship-receiving"]),  # no real gap
        ],
    ),
    Scenario(
        "an associate social worker's mentor is a social worker first",
        Purpose.MENTORSHIP,
        who(ASW, stage="student", looking_for=["mentorship-receiving"]),
        good=[who(LCSW, stage="seasoned", looking_for=["mentorship-giving"])],
        bad=[who(RD, stage="seasoned", looking_for=["mentorship-giving"])],
    ),
    Scenario(
        "a seasoned clinician who does not offer mentoring gets no mentees",
        Purpose.MENTORSHIP,
        who(LCSW, stage="seasoned"),
        good=[],
        bad=[who(LCSW, stage="student", looking_for=["mentorship-receiving"])],
    ),
    Scenario(
        "a hidden stage is no mentor",
        Purpose.MENTORSHIP,
        who(LPC, stage="early", looking_for=["mentorship-receiving"]),
        good=[who(LPC, stage="seasoned", looking_for=["mentorship-giving"])],
        bad=[
            who(
                LPC,
                stage="seasoned",
                looking_for=["mentorship-giving"],
                visibility={"credentials": CONNECTIONS},
            )
        ],
    ),
    # --- Peer consultation: a similar stage and an overlapping focus.
    Scenario(
        "a mid-career trauma therapist consults with peers in trauma",
        Purpose.PEER_CONSULTATION,
        who(LCSW, specialties=["trauma-and-ptsd"], modalities=["emdr"]),
        good=[
            who(LPC, specialties=["trauma-and-ptsd"], modalities=["emdr"]),
            who(PSYD, stage="seasoned", specialties=["trauma-and-ptsd"]),
        ],
        bad=[
            who(LPC, stage="student", specialties=["trauma-and-ptsd"]),
            who(LPC, specialties=["couples-and-relationships"]),
        ],
    ),
    Scenario(
        "an early-career eating-disorder clinician consults with near peers",
        Purpose.PEER_CONSULTATION,
        who(LPC, stage="early", specialties=["eating-disorders"]),
        good=[
            who(LCSW, stage="early", specialties=["eating-disorders"]),
            who(RD, stage="mid", specialties=["eating-disorders"]),
        ],
        bad=[
            who(LCSW, stage="seasoned", specialties=["eating-disorders"]),
            who(LCSW, stage="early", specialties=["anxiety"]),
        ],
    ),
    Scenario(
        "those looking for peer consultation come first",
        Purpose.PEER_CONSULTATION,
        who(LCSW, specialties=["grief-and-loss"]),
        good=[who(LPC, specialties=["grief-and-loss"], looking_for=["peer-consultation"])],
        bad=[who(LPC, stage="seasoned", specialties=["grief-and-loss"])],
    ),
    Scenario(
        "a viewer whose stage is hidden gets no peers (and is told to share it)",
        Purpose.PEER_CONSULTATION,
        who(LCSW, specialties=["anxiety"], visibility={"credentials": ONLY_ME}),
        good=[],
        bad=[who(LPC, specialties=["anxiety"])],
    ),
    Scenario(
        "a shared modality is a shared focus",
        Purpose.PEER_CONSULTATION,
        who(LPC, specialties=["anxiety"], modalities=["dialectical-behavior-therapy-dbt"]),
        good=[
            who(LCSW, specialties=["self-harm"], modalities=["dialectical-behavior-therapy-dbt"])
        ],
        bad=[who(LCSW, specialties=["couples-and-relationships"], modalities=["gottman-method"])],
    ),
    # --- Coffee: near enough, or both up for a virtual one.
    Scenario(
        "coffee nearby, not in another state",
        Purpose.COFFEE,
        who(LCSW),
        good=[who(LPC, place="beaverton")],
        bad=[who(LPC, place="boise")],
    ),
    Scenario(
        "a virtual coffee with someone far who is up for it",
        Purpose.COFFEE,
        who(LCSW, looking_for=["coffee-dates"]),
        good=[who(LPC, place="boise", looking_for=["coffee-dates"])],
        bad=[who(LPC, place="seattle")],
    ),
    Scenario(
        "near and keen first",
        Purpose.COFFEE,
        who(LCSW, looking_for=["coffee-dates"]),
        good=[who(LPC, place="gresham", looking_for=["coffee-dates"])],
        bad=[who(LPC, place="boise", looking_for=["coffee-dates"])],
    ),
]


def precision(scenario: Scenario) -> tuple[float, list[str]]:
    """Precision@min(3, good) of one scenario, in a savepoint rolled back afterwards."""
    with transaction.atomic():
        viewer = person("Viewer", **scenario.viewer)
        good = {person(f"Good {i}", **kw).pk for i, kw in enumerate(scenario.good)}
        names = {}
        for i, kw in enumerate(scenario.bad):
            names[person(f"Bad {i}", **kw).pk] = f"Bad {i}"
        engine.reset()
        result = suggest(viewer, scenario.purpose)
        shown = [item.profile.user_id for item in result.items]
        labels = [item.profile.display_name for item in result.items]
        transaction.set_rollback(True)
    engine.reset()
    if not scenario.good:
        return (1.0 if not shown else 0.0), labels
    k = min(3, len(scenario.good))
    return sum(uid in good for uid in shown[:k]) / k, labels


def test_there_are_at_least_thirty_scenarios_across_every_purpose():
    assert len(SCENARIOS) >= 30
    assert {s.purpose for s in SCENARIOS} == set(Purpose.values)


def test_precision_at_3_meets_the_target():
    scores = {}
    for scenario in SCENARIOS:
        scores[scenario.name], shown = precision(scenario)
        if scores[scenario.name] < 1:
            print(f"\n  {scores[scenario.name]:.2f} {scenario.name}: {shown}")
    mean = sum(scores.values()) / len(scores)
    print(f"\nprecision@3 over {len(scores)} scenarios: {mean:.3f}")
    assert mean >= TARGET
