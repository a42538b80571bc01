"""The demo community looks like a real one: every member's specialties, modalities and
populations are within their profession's scope of practice, associates name a
supervisor, and headlines and bios vary from card to card."""

import random
import re
from collections import Counter

from members.demo import seed_community
from members.demo.practice import draw_practice, weighted_sample
from members.models import Application, Profile, Term
from members.scope import scope_of, scopes

KIND_FIELD = {
    Term.Kind.SPECIALTY: "specialties",
    Term.Kind.MODALITY: "modalities",
    Term.Kind.POPULATION: "populations",
}


def test_every_demo_practice_is_within_its_professions_scope(db):
    seed_community(members=300, seed=3)
    profiles = Profile.objects.select_related("profession").prefetch_related("terms")
    checked = 0
    for profile in profiles:
        scope = scope_of(profile.profession.slug)
        for term in profile.terms.all():
            if term.kind in KIND_FIELD:
                assert term.slug in scope.weights(KIND_FIELD[term.kind]), (
                    profile.profession.slug,
                    term.slug,
                )
                checked += 1
    assert checked > 1000
    dietitians = [p for p in profiles if p.profession.slug == "registered-dietitian"]
    for profile in dietitians:
        assert "personality-disorders" not in {t.slug for t in profile.terms.all()}


def test_associates_name_their_supervisor_in_bio_and_application(db):
    seed_community(members=300, seed=4)
    associates = Profile.objects.filter(credential_tier=Profile.Tier.ASSOCIATE)
    assert associates.exists()
    for profile in associates:
        application = Application.objects.get(user=profile.user)
        assert application.supervisor_name
        assert application.supervisor_name in profile.bio
        assert profile.career_stage in ("student", "early")


def test_headlines_and_bio_sentences_vary(db):
    seed_community(members=300, seed=5)
    rows = list(Profile.objects.values_list("headline", "bio"))
    headlines = Counter(headline for headline, _ in rows)
    assert len(headlines) / len(rows) > 0.9
    sentences = Counter(s for _, bio in rows for s in re.split(r"(?<=\.)\s+", bio) if s)
    most_common, count = sentences.most_common(1)[0]
    assert count / len(rows) < 0.15, most_common


def test_practices_lean_by_profession_and_stage():
    rng = random.Random(9)
    prescriber = [draw_practice(rng, scope_of("psychiatrist"), "licensed") for _ in range(200)]
    share = sum("medication-management" in p.specialties for p in prescriber) / 200
    assert share > 0.8
    peers = [
        draw_practice(rng, scope_of("certified-peer-support-specialist"), "peer")
        for _ in range(200)
    ]
    assert sum("recovery-and-lived-experience" in p.specialties for p in peers) / 200 > 0.8
    students = [
        draw_practice(rng, scope_of("associate-professional-counselor"), "associate")
        for _ in range(200)
    ]
    assert all(p.stage in ("student", "early") for p in students)
    assert sum("mentorship-receiving" in p.looking_for for p in students) / 200 > 0.4
    # Not clones: two LCSWs rarely list the same specialties.
    lcsw = [
        tuple(
            sorted(
                draw_practice(
                    rng, scope_of("licensed-clinical-social-worker"), "licensed"
                ).specialties
            )
        )
        for _ in range(200)
    ]
    assert Counter(lcsw).most_common(1)[0][1] < 10
    assert len(scopes()) == 20


def test_weighted_sample_is_deterministic_and_distinct():
    weights = {"a": 10, "b": 1, "c": 1, "d": 0.1}
    first = weighted_sample(random.Random(1), weights, 3)
    assert first == weighted_sample(random.Random(1), weights, 3)
    assert len(set(first)) == 3
    heavy = Counter(weighted_sample(random.Random(i), weights, 1)[0] for i in range(500))
    assert heavy["a"] > 300
