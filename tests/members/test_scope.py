"""The scope-of-practice table (members/data/scope.json) is complete, names only real
terms, and says what a colleague would expect of each profession."""

import json

import pytest

from members import scope
from members.taxonomy import DATA as TAXONOMY

KIND_OF = {"specialties": "specialty", "modalities": "modality", "populations": "population"}


def _taxonomy():
    entries = json.loads(TAXONOMY.read_text(encoding="utf-8"))
    return {(e["kind"], e["slug"]) for e in entries}


def test_every_profession_has_a_scope_naming_only_real_terms():
    terms = _taxonomy()
    professions = {slug for kind, slug in terms if kind == "profession"}
    assert set(scope.scopes()) == professions
    for slug, found in scope.scopes().items():
        for kind in scope.KINDS:
            weights = found.weights(kind)
            assert weights, (slug, kind)
            unknown = {s for s in weights if (KIND_OF[kind], s) not in terms}
            assert not unknown, (slug, kind, unknown)
            low, high = found.counts[kind]
            assert 1 <= low <= high <= len(weights), (slug, kind)


@pytest.mark.parametrize(
    ("profession", "inside", "outside"),
    [
        (
            "registered-dietitian",
            ["eating-disorders", "diabetes-and-metabolic-health"],
            ["personality-disorders", "sexuality", "medication-management"],
        ),
        ("psychiatrist", ["medication-management", "bipolar-disorder"], ["eating-disorders-x"]),
        (
            "certified-peer-support-specialist",
            ["recovery-and-lived-experience"],
            ["personality-disorders", "medication-management"],
        ),
        (
            "licensed-clinical-social-worker",
            ["personality-disorders", "trauma-and-ptsd"],
            ["medication-management", "diabetes-and-metabolic-health"],
        ),
        ("occupational-therapist", ["sensory-processing"], ["couples-and-relationships"]),
    ],
)
def test_scopes_say_what_a_colleague_expects(profession, inside, outside):
    for specialty in inside:
        assert scope.treats(profession, specialty), specialty
    for specialty in outside:
        assert not scope.treats(profession, specialty), specialty


def test_associates_practice_under_supervision_and_disciplines_group_professions():
    assert scope.scope_of("associate-clinical-social-worker").supervised
    assert not scope.scope_of("licensed-clinical-social-worker").supervised
    assert (
        scope.scope_of("psychiatrist").discipline
        == scope.scope_of("psychiatric-nurse-practitioner").discipline
    )
    assert (
        scope.scope_of("registered-dietitian").discipline
        != scope.scope_of("licensed-professional-counselor").discipline
    )
    assert scope.scope_of(None) is None and not scope.treats("", "anxiety")
