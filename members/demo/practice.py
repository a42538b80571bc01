"""A demo member's practice, drawn within their profession's scope (members/scope.py):
career stage, specialties, modalities, populations, what they are looking for, and the
headline and bio that describe it.

A community is not five clusters of clones: each person leans their own way within
their profession (their scope's weights tilted by a personal factor), their stage
shapes what they seek (a student wants a mentor, a seasoned clinician may offer to be
one), and their headline and bio are assembled from many short parts in varied orders,
so two cards rarely read alike.
"""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass

from members.scope import Scope

# Career stage by credential tier: associates are in training or early career;
# prescribers took longer to get here.
STAGES_BY_TIER = {
    "associate": [("student", 40), ("early", 60)],
    "peer": [("early", 35), ("mid", 40), ("seasoned", 25)],
    "licensed": [("student", 2), ("early", 30), ("mid", 41), ("seasoned", 27)],
    "allied": [("early", 30), ("mid", 42), ("seasoned", 28)],
}
STAGES_PRESCRIBING = [("early", 20), ("mid", 45), ("seasoned", 35)]

# "What I'm looking for": a base chance each, adjusted by stage below.
LOOKING_FOR_BASE = {
    "peer-consultation": 0.45,
    "mentorship-giving": 0.0,
    "mentorship-receiving": 0.0,
    "interdisciplinary-collaboration": 0.2,
    "study-group": 0.15,
    "coffee-dates": 0.35,
    "ce-buddy": 0.15,
    "referrals": 0.35,
}
MENTORSHIP_BY_STAGE = {  # (gives, seeks)
    "student": (0.0, 0.8),
    "early": (0.02, 0.5),
    "mid": (0.25, 0.08),
    "seasoned": (0.5, 0.0),
}
# Professions whose work is mostly alongside therapists say so more often.
COLLABORATIVE = {
    "nutrition",
    "prescribing",
    "peer-support",
    "occupational-therapy",
    "case-management",
    "creative-arts-therapy",
}


@dataclass(frozen=True)
class Practice:
    stage: str
    specialties: list[str]  # slugs, the member's main one first
    modalities: list[str]
    populations: list[str]
    looking_for: list[str]


def weighted_sample(rng: random.Random, weights: dict[str, float], k: int) -> list[str]:
    """k distinct keys, each drawn in proportion to its weight (Efraimidis–Spirakis:
    the k largest u ** (1 / w)); heavier first. Deterministic for the rng's state."""
    keyed = sorted(
        ((rng.random() ** (1.0 / w), slug) for slug, w in sorted(weights.items())),
        reverse=True,
    )
    return [slug for _, slug in keyed[:k]]


def _tilted(rng: random.Random, weights) -> dict[str, float]:
    """The profession's weights with a personal lean: each multiplied by a log-normal
    factor, so two LCSWs share the profession's habits, not its exact profile."""
    return {slug: w * math.exp(rng.gauss(0, 0.7)) for slug, w in weights.items()}


def draw_practice(rng: random.Random, scope: Scope, tier: str) -> Practice:
    """One member's practice within `scope`."""
    stages = STAGES_PRESCRIBING if scope.discipline == "prescribing" else STAGES_BY_TIER[tier]
    values, weights = zip(*stages, strict=True)
    stage = rng.choices(values, weights=weights, k=1)[0]
    chosen = {}
    for kind in ("specialties", "modalities", "populations"):
        low, high = scope.counts[kind]
        # Newer clinicians list a little less; a seasoned one has collected more.
        high = high - 1 if stage == "student" and high > low else high
        chosen[kind] = weighted_sample(
            rng, _tilted(rng, scope.weights(kind)), rng.randint(low, high)
        )
    gives, seeks = MENTORSHIP_BY_STAGE[stage]
    chance = dict(LOOKING_FOR_BASE, **{"mentorship-giving": gives, "mentorship-receiving": seeks})
    if scope.discipline in COLLABORATIVE:
        chance["interdisciplinary-collaboration"] = 0.6
        chance["referrals"] = 0.5
    if stage in ("student", "early"):
        chance["peer-consultation"] = 0.55
        chance["ce-buddy"] = 0.25
    looking_for = [slug for slug, p in chance.items() if rng.random() < p]
    if not looking_for:
        looking_for = [rng.choice(["peer-consultation", "coffee-dates", "referrals"])]
    return Practice(
        stage, chosen["specialties"], chosen["modalities"], chosen["populations"], looking_for
    )


# --- Words ---------------------------------------------------------------------------------


def short(label: str) -> str:
    """A population label without its age range: "Adolescents (13–17)" -> "Adolescents"."""
    return label.split(" (")[0]


def lower(label: str) -> str:
    """For the middle of a sentence, keeping acronyms ("ADHD", "EMDR", "LGBTQ+")."""
    first, _, rest = label.partition(" ")
    if first[:1].isupper() and first[1:].islower():
        first = first.lower()
    return f"{first} {rest}".strip()


YEARS = {"student": "", "early": "{n} years", "mid": "{n} years", "seasoned": "over {n} years"}
YEARS_RANGE = {"early": (1, 4), "mid": (6, 14), "seasoned": (16, 30)}

HEADLINES = [
    "{letters} · {specialty} · {population}",
    "{Specialty} care for {population_l}",
    "{letters} working with {population_l} around {specialty_l}",
    "{modality} for {specialty_l}",
    "{modality} · {Specialty} and {specialty2_l}",
    "{population} · {specialty} · {city}",
    "{stage_phrase} {letters} in {city}",
    "Helping {population_l} with {specialty_l}",
]
HEADLINES_BY_DISCIPLINE = {
    "nutrition": [
        "Weight-inclusive dietitian for {specialty_l}",
        "{letters} · nutrition care for {specialty_l}",
        "Dietitian in {city}: {specialty_l} and {specialty2_l}",
    ],
    "prescribing": [
        "{letters} · medication management for {specialty2_l}",
        "Psychiatric care for {population_l} in {city}",
        "Collaborative prescriber: {specialty2_l} and {specialty3_l}",
    ],
    "peer-support": [
        "Peer specialist · recovery is possible",
        "{letters} · walking alongside {population_l}",
        "Lived experience, {specialty2_l}, and {modality}",
    ],
}
STAGE_PHRASES = {
    "student": "Pre-licensed",
    "early": "Early-career",
    "mid": "",
    "seasoned": "Seasoned",
}

OPENINGS = [
    "I work with {population_l} navigating {specialty_l}.",
    "Most of my caseload is {population_l} living with {specialty_l}.",
    "My practice centers on {specialty_l}, mostly with {population_l}.",
    "I came to this work through community mental health and now see {population_l} around "
    "{specialty_l}.",
    "For {years} I have sat with {population_l} facing {specialty_l}.",
    "{Specialty} is the thread through my work with {population_l}.",
    "I help {population_l} untangle {specialty_l}, and increasingly {specialty2_l}.",
]
OPENINGS_BY_DISCIPLINE = {
    "nutrition": [
        "I am a dietitian working with {population_l} on {specialty_l}.",
        "I help {population_l} make peace with food, whether the work is {specialty_l} or "
        "{specialty2_l}.",
    ],
    "prescribing": [
        "I provide medication management for {population_l}, most often around {specialty2_l}.",
        "My work is psychiatric evaluation and medication management, in close contact "
        "with each client's therapist.",
    ],
    "peer-support": [
        "I am in long-term recovery myself, and I walk alongside {population_l} in theirs.",
        "My lived experience is the heart of my work with {population_l}.",
    ],
    "occupational-therapy": [
        "I am an occupational therapist supporting {population_l} with {specialty_l}.",
    ],
    "case-management": [
        "I connect {population_l} with housing, benefits and care that actually fits.",
    ],
}
MIDDLES = [
    "I lean on {modality_l} and stay curious about what each person brings.",
    "{modality} is my home base, held loosely.",
    "Trained in {modality_l}; I care more about the relationship than the manual.",
    "I integrate {modality_l} with a lot of plain listening.",
    "My sessions draw on {modality_l}{and_modality2}.",
    "I was trained in {modality_l} and keep learning{and_modality2_learning}.",
    "",
]
EXTRAS = [
    "I see clients in person in {city} and by telehealth.",
    "I also offer a few sliding-scale spots each month.",
    "I keep {n2} sliding-scale slots open at any time.",
    "My office in {city} is wheelchair accessible, and I see clients online too.",
    "I consult regularly with a {group} group of colleagues in {city}.",
    "I teach a graduate seminar one evening a week.{senior}",
    "I supervise practicum students each fall.{senior}",
    "I also write about {specialty_l} for a local parents' newsletter.",
    "I speak {language} with clients as well as English.",
    "Before this I spent {n2} years in {previous}.",
    "I co-lead a {group} group on weekday evenings.",
    "",
    "",
]
PREVIOUS = [
    "school-based services",
    "a county crisis team",
    "inpatient psychiatry",
    "a university counseling center",
    "the VA",
    "residential treatment",
    "hospice care",
    "a community health center",
]
# Specialties that are the role itself: templates name them in words of their own.
CORE = {
    "medication-management",
    "recovery-and-lived-experience",
    "care-coordination",
    "psychological-assessment",
}
GROUPS = ["skills", "grief", "process", "parenting", "recovery", "consultation"]
CLOSINGS = [
    "Always glad to trade consultation and referrals.",
    "Looking for a small consultation group that meets monthly.",
    "Happy to grab coffee with anyone nearby who is building a practice.",
    "Interested in mentoring newer clinicians.{senior}",
    "Hoping to find colleagues for a reading group on trauma theory.",
    "Outside the office: gardening, choir, and too many podcasts.",
    "Outside of work I run slowly and bake badly.",
    "I'd love to hear from prescribers and dietitians who work with my clients.",
    "New to {city} and glad to meet colleagues here.",
    "Ask me about building a practice without burning out.",
    "",
]
SUPERVISED = [
    "I practice under the clinical supervision of {supervisor}.",
    "Pre-licensed, supervised by {supervisor}, and counting hours.",
    "Working toward licensure under the supervision of {supervisor}.",
]


def _fill(template: str, words: dict) -> str:
    return template.format(**words) if template else ""


def _pick(rng: random.Random, pool: list[str], words: dict) -> str:
    """One template of `pool` whose every blank this member can fill (a member with one
    specialty gets none that names a second)."""
    usable = [t for t in pool if all(name in words for _, name, _, _ in _FORMAT.parse(t) if name)]
    return rng.choice(usable) if usable else ""


_FORMAT = string.Formatter()


def describe(
    rng: random.Random,
    *,
    practice: Practice,
    scope: Scope,
    labels: dict[str, str],
    letters: str,
    city: str,
    language: str = "",
    supervisor: str = "",
) -> tuple[str, str]:
    """A (headline, bio) for a practice: parts drawn from pools of varied phrasings, the
    discipline's own first, with optional sentences, so cards rarely repeat."""
    spec = [labels[s] for s in practice.specialties] or ["Life transitions"]
    # What a prescriber or a peer specialist works on, beside what their role always is.
    focus = [labels[s] for s in practice.specialties if s not in CORE] or spec
    others = [label for label in dict.fromkeys(focus) if label != focus[0]]
    mods = [labels[s] for s in practice.modalities] or ["an integrative approach"]
    pops = [short(labels[s]) for s in practice.populations] or ["adults"]
    n_low, n_high = YEARS_RANGE.get(practice.stage, (1, 2))
    n = rng.randint(n_low, n_high)
    words = {
        "letters": letters,
        "city": city,
        "specialty": focus[0],
        "Specialty": focus[0][:1].upper() + focus[0][1:],
        "specialty_l": lower(focus[0]),
        **{f"specialty{i}_l": lower(label) for i, label in enumerate(others[:2], start=2)},
        "modality": mods[0],
        "modality_l": lower(mods[0]),
        "and_modality2": f" and {lower(mods[1])}" if len(mods) > 1 else "",
        "and_modality2_learning": f", lately in {lower(mods[1])}" if len(mods) > 1 else "",
        "population": pops[0],
        "population_l": lower(pops[0]),
        # Blanks a template may only use for some members (see _pick).
        **({"years": YEARS[practice.stage].format(n=n)} if YEARS[practice.stage] else {}),
        **({"senior": ""} if practice.stage in ("mid", "seasoned") else {}),
        "n2": rng.randint(2, 9),
        "previous": rng.choice(PREVIOUS),
        "group": rng.choice(GROUPS),
        **({"language": language} if language else {}),
        **({"supervisor": supervisor} if supervisor else {}),
        "stage_phrase": STAGE_PHRASES[practice.stage],
    }
    own_headlines = HEADLINES_BY_DISCIPLINE.get(scope.discipline, [])
    pool = own_headlines if own_headlines and rng.random() < 0.6 else HEADLINES
    headline = " ".join(
        _fill(_pick(rng, pool, words) or _pick(rng, HEADLINES, words), words).split()
    )
    own_openings = OPENINGS_BY_DISCIPLINE.get(scope.discipline, [])
    opening = _pick(rng, own_openings if own_openings and rng.random() < 0.6 else OPENINGS, words)
    parts = [
        opening or _pick(rng, OPENINGS, words),
        _pick(rng, MIDDLES, words),
        _pick(rng, EXTRAS, words),
    ]
    if supervisor:
        parts.insert(1, rng.choice(SUPERVISED))
    parts.append(_pick(rng, CLOSINGS, words))
    bio = " ".join(p for p in (_fill(t, words) for t in parts) if p)
    return headline[:1].upper() + headline[1:], bio
