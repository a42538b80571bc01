"""Purpose-aware fit and the final blend: pure numpy, no Django.

`matching.scoring` says how well two members' values agree. A suggestion also has a
purpose (peer consultation, mentorship, interdisciplinary, referrals, coffee): each
purpose here is one function that takes the viewer (`Member`, scalars) and everyone
else (`Features`, one array per attribute) and returns a `Fit`: a score in
[FIT_FLOOR, 1] and a gate (`allowed`). The engine blends the fit with the values score
(`blend`) and keeps the best (`top_k`).

Every attribute here is one a member shows to all members: the engine leaves a field
at its "unknown" value (stage -1, profession -1, NaN coordinates, empty bitsets,
referrals NO) when its privacy group is hidden, so a hidden field can neither gate nor
rank. Unknown never passes a gate that needs the field: a member with a hidden career
stage is not suggested as a mentor, because we cannot say they are one.

Term sets are uint64 bitsets (one bit per vocabulary entry of that kind; the engine
assigns the bits), so "shared specialties" is one AND and one popcount per member.

The blend
---------
    v'    = v                  if the two share at least one answered statement
          = v * NO_EVIDENCE    otherwise (v is then exactly scoring.PRIOR)
    final = v' ** a * fit ** (1 - a)          a = VALUES_WEIGHT[purpose]

A weighted geometric mean, like the values score itself: a candidate must do
reasonably on both, and a great fit cannot buy back poor values agreement (or the other
way round) as a weighted sum would let it. Fits never reach 0 (FIT_FLOOR), so the gate
alone decides who is out. `a` is 0.5 (equal say) except for referrals (0.4: a referral
is about the client's needs first) and coffee (0.6: a coffee date is social, shared
values matter more than logistics).

NO_EVIDENCE = 0.9: a colleague who shares no answered statement with the viewer gets
the neutral prior (0.5) shrunk to 0.45, so they rank below anyone with neutral or
better evidence and above anyone with evidence of disagreement. An unknown colleague
is not a bad one, but a known good one comes first.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, NamedTuple

import numpy as np

# Career stages in order; the index is the ordinal the arrays hold.
STAGES = ("student", "early", "mid", "seasoned")
UNKNOWN = -1

# "What I'm looking for" slugs the purposes read, at fixed bits; the engine puts any
# other looking-for term at the bits after these.
LOOKING_FOR = (
    "peer-consultation",
    "mentorship-giving",
    "mentorship-receiving",
    "interdisciplinary-collaboration",
    "coffee-dates",
    "referrals",
)
PEER, GIVING, RECEIVING, INTERDISCIPLINARY, COFFEE, REFERRALS = (
    np.uint64(1 << bit) for bit in range(len(LOOKING_FOR))
)

# accepting_referrals as an ordinal: no (or not shown) < waitlist < yes.
REFERRALS_NO, REFERRALS_WAITLIST, REFERRALS_YES = 0, 1, 2

PEER_CONSULTATION = "peer_consultation"
MENTORSHIP = "mentorship"
INTERDISCIPLINARY_PURPOSE = "interdisciplinary"
REFERRAL = "referral"
COFFEE_DATE = "coffee"

REFERRAL_RADIUS_KM = 50.0
COFFEE_RADIUS_KM = 25.0
MENTOR_GAP = 2  # stages between mentor and mentee: student/early with mid/seasoned
FIT_FLOOR = 0.1
NO_EVIDENCE = 0.9
VALUES_WEIGHT = {
    PEER_CONSULTATION: 0.5,
    MENTORSHIP: 0.5,
    INTERDISCIPLINARY_PURPOSE: 0.5,
    REFERRAL: 0.4,
    COFFEE_DATE: 0.6,
}
EARTH_RADIUS_KM = 6371.0088

_ZERO = np.uint64(0)
ANY_SPECIALTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
# The arrays stay in float32: numpy promotes a float32 array combined with a float64
# array (or a bool array with a Python float) to float64, at twice the memory traffic,
# so constants here are float32.
_F = np.float32
# Saturated counts, by popcount (0..64): none 0, then linear up to 3 ("a third shared
# specialty says little more"). A table lookup beats min() and a division.
_SATURATED = np.minimum(np.arange(65, dtype=np.float32), _F(3)) / _F(3)


@dataclass(frozen=True)
class Vocabulary:
    """The bit each taxonomy term takes in its kind's bitset, and the labels to name
    them in reasons. Built from (id, kind, slug, label) rows of the Term table."""

    # Term kind (members.models.Term.Kind values) -> the Features field of its bitset.
    KINDS: ClassVar[dict[str, str]] = {
        "specialty": "specialties",
        "modality": "modalities",
        "population": "populations",
        "looking_for": "looking_for",
    }
    FIELDS: ClassVar[tuple[str, ...]] = tuple(KINDS.values())

    bit_of: dict[int, tuple[str, int]]  # term id -> (field, bit)
    labels: dict[str, tuple[str, ...]]  # field -> the label of each bit
    professions: dict[int, str]  # profession term id -> label
    jurisdictions: tuple[str, ...] = ()  # the name of each telehealth bit
    # Scope of practice (members.scope), by profession term id: the specialties bitset
    # the profession treats, and its discipline's index. Missing: unknown.
    scope_bits: dict[int, int] = dataclasses.field(default_factory=dict)
    disciplines: dict[int, int] = dataclasses.field(default_factory=dict)

    @classmethod
    def from_terms(
        cls,
        rows: Iterable[tuple[int, str, str, str]],
        jurisdictions: Sequence[str] = (),
        scopes: Mapping | None = None,
    ) -> Vocabulary:
        """Bits go by term id within a kind (ids never change), except that the
        LOOKING_FOR slugs the purposes read come first, at their fixed bits. `scopes`:
        profession slug -> members.scope.Scope (its `specialties` and `discipline`)."""
        by_kind: dict[str, list[tuple[int, str, str]]] = {}
        professions = {}
        profession_slugs = {}
        for pk, kind, slug, label in rows:
            if kind == "profession":
                professions[pk] = label
                profession_slugs[pk] = slug
            elif kind in cls.KINDS:
                by_kind.setdefault(kind, []).append((pk, slug, label))
        bit_of, labels = {}, {}
        for kind, field in cls.KINDS.items():
            terms = sorted(by_kind.get(kind, []))
            if kind == "looking_for":
                fixed = {slug: bit for bit, slug in enumerate(LOOKING_FOR)}
                terms.sort(key=lambda term: (fixed.get(term[1], len(fixed)), term[0]))
                missing = set(fixed) - {slug for _, slug, _ in terms}
                if missing:
                    raise ValueError(f"looking-for terms missing: {sorted(missing)}")
            if len(terms) > 64:
                raise ValueError(f"{len(terms)} {field} no longer fit a 64-bit set")
            for bit, (pk, _, _) in enumerate(terms):
                bit_of[pk] = (field, bit)
            labels[field] = tuple(label for _, _, label in terms)
        specialty_bit = {
            slug: bit_of[pk][1] for pk, slug, _ in by_kind.get("specialty", []) if pk in bit_of
        }
        scope_bits, disciplines, names = {}, {}, {}
        for pk, slug in profession_slugs.items():
            scope = (scopes or {}).get(slug)
            if scope is None:
                continue
            scope_bits[pk] = sum(
                1 << specialty_bit[s] for s in scope.specialties if s in specialty_bit
            )
            disciplines[pk] = names.setdefault(scope.discipline, len(names))
        return cls(bit_of, labels, professions, tuple(jurisdictions), scope_bits, disciplines)

    def bitsets(self, term_ids: Iterable[int] | None) -> dict[str, int]:
        """A profile's terms as one bitset per field (other kinds are ignored)."""
        sets = dict.fromkeys(self.FIELDS, 0)
        for pk in term_ids or ():
            found = self.bit_of.get(pk)
            if found is not None:
                sets[found[0]] |= 1 << found[1]
        return sets

    def names(self, field: str, bits) -> list[str]:
        """The labels of the terms in a bitset (field "telehealth": jurisdiction names),
        in bit order."""
        bits = int(bits)
        labels = self.jurisdictions if field == "telehealth" else self.labels.get(field, ())
        return [label for bit, label in enumerate(labels) if bits >> bit & 1]


@dataclass(frozen=True, slots=True)
class Features:
    """Everyone's purpose attributes, one (N,) array each."""

    stage: np.ndarray  # int8, STAGES index or UNKNOWN
    profession: np.ndarray  # int32, Term id or UNKNOWN
    # float32 unit vector of the practice place, NaN unknown. Three columns rather than
    # an (N, 3) block: distances are then a few passes over contiguous memory.
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    specialties: np.ndarray  # uint64 bitset
    modalities: np.ndarray  # uint64 bitset
    populations: np.ndarray  # uint64 bitset
    looking_for: np.ndarray  # uint64 bitset, LOOKING_FOR bits first
    referrals: np.ndarray  # int8, REFERRALS_*
    telehealth: np.ndarray  # uint64 bitset over the jurisdictions
    # From the profession (so shown with it): the specialties its scope of practice
    # covers (ANY_SPECIALTY where no scope is known to the caller, 0 for a hidden
    # profession), and its discipline (UNKNOWN where hidden or not known).
    scope: np.ndarray  # uint64 bitset over specialties
    discipline: np.ndarray  # int16

    def __len__(self) -> int:
        return self.stage.shape[0]

    @classmethod
    def stack(cls, members: Sequence[Member]) -> Features:
        """Features of a few members (the same functions then serve one pair)."""
        xyz = np.array([m.point for m in members], np.float32).reshape(len(members), 3)
        return cls(
            stage=np.array([m.stage for m in members], np.int8),
            profession=np.array([m.profession for m in members], np.int32),
            x=xyz[:, 0].copy(),
            y=xyz[:, 1].copy(),
            z=xyz[:, 2].copy(),
            specialties=np.array([m.specialties for m in members], np.uint64),
            modalities=np.array([m.modalities for m in members], np.uint64),
            populations=np.array([m.populations for m in members], np.uint64),
            looking_for=np.array([m.looking_for for m in members], np.uint64),
            referrals=np.array([m.referrals for m in members], np.int8),
            telehealth=np.array([m.telehealth for m in members], np.uint64),
            scope=np.array([m.scope for m in members], np.uint64),
            discipline=np.array([m.discipline for m in members], np.int16),
        )

    def member(self, index: int) -> Member:
        return Member(
            stage=int(self.stage[index]),
            profession=int(self.profession[index]),
            xyz=np.array([self.x[index], self.y[index], self.z[index]], np.float32),
            specialties=self.specialties[index],
            modalities=self.modalities[index],
            populations=self.populations[index],
            looking_for=self.looking_for[index],
            referrals=int(self.referrals[index]),
            telehealth=self.telehealth[index],
            scope=self.scope[index],
            discipline=int(self.discipline[index]),
        )


@dataclass(frozen=True, slots=True)
class Member:
    """One member's purpose attributes (the viewer's, when ranking for them)."""

    stage: int = UNKNOWN
    profession: int = UNKNOWN
    xyz: np.ndarray | None = None  # float32 (3,), NaN unknown; None means unknown too
    specialties: np.uint64 = _ZERO
    modalities: np.uint64 = _ZERO
    populations: np.uint64 = _ZERO
    looking_for: np.uint64 = _ZERO
    referrals: int = REFERRALS_NO
    telehealth: np.uint64 = _ZERO
    scope: np.uint64 = ANY_SPECIALTY
    discipline: int = UNKNOWN

    def wants(self, bit: np.uint64) -> bool:
        return bool(np.uint64(self.looking_for) & bit)

    @property
    def located(self) -> bool:
        return self.xyz is not None and bool(np.all(np.isfinite(self.xyz)))

    @property
    def point(self) -> np.ndarray:
        return self.xyz if self.xyz is not None else np.full(3, np.nan, np.float32)


class Fit(NamedTuple):
    score: np.ndarray  # float32 (N,), in [FIT_FLOOR, 1] where allowed
    allowed: np.ndarray  # bool (N,)


def unit_vectors(latitude: np.ndarray, longitude: np.ndarray) -> np.ndarray:
    """Many places as float32 (N, 3) unit vectors, NaN rows where unknown; computed in
    float64 like `unit_vector`, so one member's row equals their `unit_vector`."""
    lat, lon = np.radians(latitude), np.radians(longitude)
    xyz = np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=1)
    return xyz.astype(np.float32)


def unit_vector(latitude: float | None, longitude: float | None) -> np.ndarray:
    """One place as a float32 unit vector (NaN if unknown). Distances between nearby
    points stay precise in float32 this way, unlike a float32 haversine."""
    if latitude is None or longitude is None:
        return np.full(3, np.nan, np.float32)
    return unit_vectors(np.array([latitude], float), np.array([longitude], float))[0]


def distances_km(me: Member, them: Features) -> np.ndarray:
    """Great-circle distance from me to everyone (float32, NaN where either is unknown),
    from the chord between the unit vectors: 2R asin(|p - q| / 2). In place, a column
    at a time: no (N, 3) temporaries."""
    if not me.located:
        return np.full(len(them), np.nan, np.float32)
    chord = np.subtract(them.x, me.xyz[0])
    np.square(chord, out=chord)
    step = np.empty_like(chord)
    for column, mine in ((them.y, me.xyz[1]), (them.z, me.xyz[2])):
        np.subtract(column, mine, out=step)
        np.square(step, out=step)
        chord += step
    np.sqrt(chord, out=chord)
    chord *= _F(0.5)
    np.minimum(chord, _F(1.0), out=chord)  # rounding must not leave asin's range
    np.arcsin(chord, out=chord)
    chord *= _F(2 * EARTH_RADIUS_KM)
    return chord


def distance_between(a: Member, b: Member) -> float | None:
    """The distance between two members in km, None if either place is unknown."""
    distance = float(distances_km(a, Features.stack([b]))[0])
    return None if math.isnan(distance) else distance


def _saturated(bits: np.ndarray) -> np.ndarray:
    return _SATURATED[np.bitwise_count(bits)]


def _has(bits: np.ndarray, bit: np.uint64) -> np.ndarray:
    return (bits & bit) != 0


def _fit(parts: np.ndarray, allowed: np.ndarray) -> Fit:
    """Scale a [0, 1] mix of parts into [FIT_FLOOR, 1] (a fit of 0 would veto in the
    geometric blend; only the gate may do that)."""
    parts *= _F(1 - FIT_FLOOR)
    parts += _F(FIT_FLOOR)
    return Fit(parts, allowed)


def _nearness(distance: np.ndarray, radius: float) -> np.ndarray:
    """1 at 0 km falling to 0.5 at `radius`, 0 beyond it or where unknown."""
    near = distance <= _F(radius)  # NaN compares False
    return np.where(near, _F(1) - _F(0.5 / radius) * distance, _F(0))


# --- The purposes ------------------------------------------------------------------------


def peer_consultation(me: Member, them: Features) -> Fit:
    """Colleagues at a similar stage (the same or one apart, both known) whose
    specialties or modalities overlap mine; those looking for peer consultation and
    those at my very stage first."""
    focus_bits = np.bitwise_count(them.specialties & me.specialties)
    focus_bits += np.bitwise_count(them.modalities & me.modalities)
    wants = _has(them.looking_for, PEER)
    if me.stage == UNKNOWN:
        return Fit(np.full(len(them), _F(FIT_FLOOR)), np.zeros(len(them), bool))
    gap = np.abs(them.stage.astype(np.int8) - np.int8(me.stage))
    stage_fit = np.array([1.0, 0.5, 0.0, 0.0], np.float32)[np.minimum(gap, 3)]
    allowed = (them.stage != UNKNOWN) & (gap <= 1) & (focus_bits > 0)
    parts = stage_fit * _F(0.3)
    parts += _SATURATED[focus_bits] * _F(0.45)
    parts += wants * _F(0.25)
    return _fit(parts, allowed)


def mentorship_direction(me: Member, them: Features) -> np.ndarray:
    """+1 where they could mentor me, -1 where I could mentor them, 0 otherwise: a gap of
    MENTOR_GAP stages or more, and the senior offers mentorship ("mentorship: giving");
    when I am the senior, the junior must also be looking for a mentor (nobody is
    offered a mentee who did not ask)."""
    if me.stage == UNKNOWN:
        return np.zeros(len(them), np.int8)
    known = them.stage != UNKNOWN
    gap = them.stage.astype(np.int8) - np.int8(me.stage)
    they_mentor = known & (gap >= MENTOR_GAP) & _has(them.looking_for, GIVING)
    i_mentor = known & (gap <= -MENTOR_GAP) & _has(them.looking_for, RECEIVING)
    if not me.wants(GIVING):
        i_mentor[:] = False
    return they_mentor.astype(np.int8) - i_mentor.astype(np.int8)


def _same_discipline(me: Member, them: Features) -> np.ndarray:
    """Where their discipline (or, without scope data, profession) is mine."""
    if me.discipline != UNKNOWN:
        return (them.discipline != UNKNOWN) & (them.discipline == me.discipline)
    return (them.profession != UNKNOWN) & (them.profession == me.profession)


def mentorship(me: Member, them: Features) -> Fit:
    """Both directions: a mentor for me, or someone I could mentor (see
    `mentorship_direction`). Then: the junior asked for it too, a mentor of one's own
    discipline (an associate social worker learns most from a social worker), and a
    shared focus."""
    direction = mentorship_direction(me, them)
    asked = np.where(
        direction > 0, _F(1.0 if me.wants(RECEIVING) else 0.0), _F(1.0)
    )  # when I mentor, they asked by the gate
    focus = np.bitwise_count(them.specialties & me.specialties)
    focus += np.bitwise_count(them.modalities & me.modalities)
    parts = asked * _F(0.3)
    parts += _same_discipline(me, them) * _F(0.35)
    parts += _SATURATED[focus] * _F(0.35)
    return _fit(parts, direction != 0)


def interdisciplinary(me: Member, them: Features) -> Fit:
    """Another discipline (a dietitian, a prescriber, a peer specialist for a therapist;
    not one therapist for another) serving populations I serve."""
    shared = them.populations & me.populations
    known = (them.profession != UNKNOWN) & (me.profession != UNKNOWN)
    allowed = known & ~_same_discipline(me, them) & (them.profession != me.profession)
    allowed &= shared != 0
    parts = _saturated(shared) * _F(0.7)
    parts += _has(them.looking_for, INTERDISCIPLINARY) * _F(0.3)
    return _fit(parts, allowed)


def referral_specialties(me: Member, them: Features) -> np.ndarray:
    """The specialties a referral to them could be for: theirs, not mine, and within
    their profession's scope of practice (a dietitian is never a referral for
    personality disorders, whatever their profile lists)."""
    return them.specialties & ~np.uint64(me.specialties) & them.scope


def referral(me: Member, them: Features) -> Fit:
    """Someone to refer clients to: a specialty I lack that their profession treats
    (`referral_specialties`), accepting referrals (yes, or a waitlist), and reachable
    by my clients: practicing within REFERRAL_RADIUS_KM, or by telehealth in a
    jurisdiction we share. Ranked by that order: what they add (and for whom), then
    whether they take referrals now, then how near."""
    complement = referral_specialties(me, them)
    remote = (them.telehealth & me.telehealth) != 0
    reach = _nearness(distances_km(me, them), REFERRAL_RADIUS_KM)
    allowed = (them.referrals >= REFERRALS_WAITLIST) & (complement != 0) & ((reach > 0) | remote)
    np.maximum(reach, remote * _F(0.5), out=reach)
    parts = _saturated(complement) * _F(0.3)
    parts += ((them.populations & me.populations) != 0) * _F(0.2)
    parts += np.where(them.referrals == REFERRALS_YES, _F(0.2), _F(0.05))
    parts += reach * _F(0.25)
    parts += _has(them.looking_for, REFERRALS) * _F(0.05)
    return _fit(parts, allowed)


def coffee(me: Member, them: Features) -> Fit:
    """Near enough to meet (COFFEE_RADIUS_KM), or both up for coffee dates, which can be
    virtual. (Who met whom recently arrives with coffee rounds: not yet used.)"""
    nearness = _nearness(distances_km(me, them), COFFEE_RADIUS_KM)
    keen = _has(them.looking_for, COFFEE)
    virtual = keen & me.wants(COFFEE)
    allowed = (nearness > 0) | virtual
    np.maximum(nearness, virtual * _F(0.5), out=nearness)
    parts = nearness * _F(0.6)
    parts += keen * _F(0.4)
    return _fit(parts, allowed)


FITS = {
    PEER_CONSULTATION: peer_consultation,
    MENTORSHIP: mentorship,
    INTERDISCIPLINARY_PURPOSE: interdisciplinary,
    REFERRAL: referral,
    COFFEE_DATE: coffee,
}


# --- Blending and ranking ----------------------------------------------------------------


def with_evidence(values: np.ndarray, shared_statements: np.ndarray) -> np.ndarray:
    """The values score, discounted by NO_EVIDENCE where nothing is shared."""
    return np.where(shared_statements > 0, values, values * np.float32(NO_EVIDENCE)).astype(
        np.float32
    )


def blend(values: np.ndarray, fit: np.ndarray, purpose: str) -> np.ndarray:
    """values ** a * fit ** (1 - a), a = VALUES_WEIGHT[purpose] (module docstring)."""
    a = np.float32(VALUES_WEIGHT[purpose])
    clipped = np.maximum(values, np.float32(0.0))  # an excluded pair's -1 must not NaN
    return (np.power(clipped, a) * np.power(fit, np.float32(1) - a)).astype(np.float32)


def tie_key(viewer_id: int, user_ids: np.ndarray) -> np.ndarray:
    """A per-viewer pseudo-random order for equal scores (a multiplicative hash), so
    ties do not always favour the same members, yet the order is stable per viewer."""
    mixed = user_ids.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= np.uint64((viewer_id * 0xC2B2AE3D27D4EB4F) & 0xFFFFFFFFFFFFFFFF)
    mixed ^= mixed >> np.uint64(29)
    return mixed * np.uint64(0xBF58476D1CE4E5B9)


def top_k(scores: np.ndarray, tie: np.ndarray, k: int) -> np.ndarray:
    """Indexes of the `k` best scores, best first; equal scores by `tie` (pass only the
    rows still in the running).

    np.argpartition finds the k-th best score in linear time; every row scoring at
    least that much is then sorted (a tie at the boundary is resolved by `tie`, not by
    where argpartition happened to put it), so the result is exact and deterministic.
    """
    candidates = np.arange(scores.shape[0])
    if k <= 0 or candidates.size == 0:
        return candidates[:0]
    if candidates.size > k:
        kth = scores[np.argpartition(-scores, k - 1)[k - 1]]
        candidates = np.flatnonzero(scores >= kth)
    order = np.lexsort((tie[candidates], -scores[candidates]))
    return candidates[order[:k]]
