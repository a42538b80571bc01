"""The score of every pair in a tile (a block of seekers against another block), by
matrix products.

Values
------
The values score is `matching.scoring`'s, exactly: for rows i and j,

    sat_i = (M_ij + k p) / (W_ij + k),  sat_j likewise,  v = sqrt(sat_i * sat_j)

with M_ij the weight of i's preferences that j's answers meet and W_ij the weight of
i's statements j answered, and a dealbreaker on either side excluding the pair.
`scoring.score_against_all` computes it for one member against everyone; a round needs
it for hundreds of millions of pairs, so here the sums become matrix products of
one-hot encodings, one BLAS call for a whole tile:

    M' = A_I @ C_J.T   A[i, (q, o)] = w_i[q]  if i accepts option o on q,
                                     -BREAK   if q is i's dealbreaker and o is not accepted,
                                      0       otherwise
                       C[j, (q, o)] = 1 if j chose option o on q
    W  = w_I @ D_J.T   D[j, q] = 1 if j answered q

A dealbreaker violated by j makes M'_ij negative (BREAK is more than any M can be), so
the same product gives M and i's dealbreakers. Weights are small integers (0, 1, 4,
16), so every product is an exact integer in float32, whatever order BLAS sums in: the
rest is the float32 arithmetic `score_against_all` does, in the same order, and the two
agree bit for bit (tested). The evidence discount (`purposes.with_evidence`: nothing
answered in common) uses D_I @ D_J.T.

The coffee fit
--------------
`purposes.coffee` gates on the suggestion radius and the "looking for coffee dates"
term; a round has better information, each member's own settings. So the fit here
keeps `purposes.coffee`'s shape (nearness 60 %, keenness 40 %, virtual counting as
half-near, FIT_FLOOR) with the round's gate: in person when both are open to it and
the distance is within *both* members' travel (the smaller of the two: neither is
asked to go further than they said), nearness falling from 1 at 0 km to 0.5 at that
distance; otherwise by video when both are open to it; otherwise the pair is not a
candidate. Keenness is full: both opted in. The final score is
`purposes.blend(with_evidence(v), fit, "coffee")`, in [0, 1].

Distances come from the places' unit vectors (as `purposes.Features` holds them), the
great-circle distance being 2 R asin(|p - q| / 2) as in `purposes.distances_km`. For a
whole tile, |p - q|^2 = |p|^2 + |q|^2 - 2 p . q is one (N, 3) matrix product, in float64
(float32 vectors are not exactly of length 1, so the lengths are kept rather than
taken as 1: a cosine test would be off by a few hundred metres). A pair may meet in
person iff |p - q|^2 <= (2 sin(reach / 2R))^2.

Ranking inside a tile uses `key`, a monotone transform of the final score (score **
(1 / a) with a the coffee values weight, so a video pair's key is the values score
times a constant) that avoids two powers per pair; the exact final score is computed
with `purposes` for the pairs kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coffee.pairing.community import Community
from matching import purposes, scoring

# purposes.coffee's mix: how near (virtual counts as 0.5) and how keen (here always 1).
NEAR_SHARE = 0.6
KEEN_SHARE = 0.4
VIRTUAL_NEARNESS = 0.5
# More than any met weight can sum to (64 statements x 16 = 1,024), and small enough that
# every sum stays an exact integer in float32 (64 x 2**14 < 2**24).
BREAK = float(2**14)
EXCLUDED = np.float32(scoring.EXCLUDED)
_ALPHA = purposes.VALUES_WEIGHT[purposes.COFFEE_DATE]
_KEY_POWER = (1 - _ALPHA) / _ALPHA  # key = score ** (1 / a) = v * fit ** ((1 - a) / a)
_F = np.float32
_EARTH = purposes.EARTH_RADIUS_KM


def fit_of(nearness):
    """The coffee fit of a nearness in [0.5, 1] (in person) or VIRTUAL_NEARNESS."""
    parts = np.asarray(nearness, np.float32) * _F(NEAR_SHARE) + _F(KEEN_SHARE)
    return parts * _F(1 - purposes.FIT_FLOOR) + _F(purposes.FIT_FLOOR)


VIRTUAL_FIT = fit_of(VIRTUAL_NEARNESS)
_VIRTUAL_KEY = _F(float(VIRTUAL_FIT) ** _KEY_POWER)


@dataclass(frozen=True)
class Encoded:
    """A community's answers and places as matrices, one row per seeker (module
    docstring). Answer columns are (statement, option) cells someone chose; a cell
    nobody chose can meet no preference and break no dealbreaker, so it is left out."""

    accepts: np.ndarray  # (N, C) float32 A
    chose: np.ndarray  # (N, C) float32 C
    statement: np.ndarray  # (C,) the statement (column of the (N, Q) arrays) of each
    weight: np.ndarray  # (N, Q) float32, 0 where unanswered
    answered: np.ndarray  # (N, Q) float32 D
    place: np.ndarray  # (N, 3) float64 unit vectors, 0 where unknown
    length2: np.ndarray  # (N,) float64 |p|^2
    # The chord of the travel distance, squared, for members who may meet in person
    # (open to it, a known place, a travel distance), else -1: no distance reaches it.
    reach2: np.ndarray  # (N,) float64
    travel_km: np.ndarray  # (N,) float64
    virtual: np.ndarray  # (N,) bool


def encode(comm: Community) -> Encoded:
    """The matrices of `comm` (a few passes over its (N, Q) arrays)."""
    values = comm.values
    n, q = values.choice_bit.shape
    choice_bit = np.ascontiguousarray(values.choice_bit)
    accepted = np.ascontiguousarray(values.accepted)
    weight = np.ascontiguousarray(values.weight, dtype=np.float32)
    breaker = np.ascontiguousarray(values.dealbreaker)
    columns = [
        (s, o)
        for s in range(q)
        for o in range(scoring.MAX_OPTIONS)
        if np.any(choice_bit[:, s] == (1 << o))
    ]
    accepts = np.zeros((n, len(columns)), np.float32)
    chose = np.zeros((n, len(columns)), np.float32)
    for c, (s, o) in enumerate(columns):
        chose[:, c] = choice_bit[:, s] == (1 << o)
        ok = ((accepted[:, s] >> o) & 1) != 0
        accepts[:, c] = np.where(ok, weight[:, s], np.where(breaker[:, s], -BREAK, 0.0))
    place = np.stack([comm.x, comm.y, comm.z], axis=1).astype(np.float64)
    located = comm.located
    place[~located] = 0.0
    travel = comm.travel_km.astype(np.float64)
    meets = comm.in_person & located & (travel > 0)
    chord = 2 * np.sin(np.minimum(travel / (2 * _EARTH), np.pi / 2))
    reach2 = np.where(meets, chord**2, -1.0)
    return Encoded(
        accepts=accepts,
        chose=chose,
        statement=np.array([s for s, _ in columns], np.intp),
        weight=weight,
        answered=(choice_bit != 0).astype(np.float32),
        place=place,
        length2=(place**2).sum(axis=1),
        reach2=reach2,
        travel_km=travel,
        virtual=comm.virtual.copy(),
    )


@dataclass(frozen=True)
class Tile:
    """Rows I against rows J."""

    key: np.ndarray  # (|I|, |J|) float32: increasing with the score, EXCLUDED where not allowed
    values: np.ndarray  # float32: the values score with the evidence discount
    in_person: np.ndarray  # bool: allowed, and in person possible


def values_tile(enc: Encoded, rows_i: np.ndarray, rows_j: np.ndarray):
    """(values score, dealbreaker-excluded, statements both answered) for rows I x J:
    `scoring.score_against_all`'s figures, by matrix products."""
    met_i = enc.accepts[rows_i] @ enc.chose[rows_j].T
    met_j = enc.chose[rows_i] @ enc.accepts[rows_j].T
    total_i = enc.weight[rows_i] @ enc.answered[rows_j].T
    total_j = enc.answered[rows_i] @ enc.weight[rows_j].T
    shared = enc.answered[rows_i] @ enc.answered[rows_j].T
    excluded = met_i < 0
    excluded |= met_j < 0
    my_side = _shrink(met_i, total_i)
    their_side = _shrink(met_j, total_j)
    scores = np.multiply(my_side, their_side, out=my_side)
    with np.errstate(invalid="ignore"):  # an excluded pair's sides may be negative
        np.sqrt(scores, out=scores)
    np.minimum(scores, _F(1.0), out=scores)
    scores[excluded] = EXCLUDED
    return scores, excluded, shared


def _shrink(met: np.ndarray, total: np.ndarray) -> np.ndarray:
    """scoring._shrink with the module's prior, in the same float32 steps (in place)."""
    met += _F(scoring.PRIOR_WEIGHT * scoring.PRIOR)
    total += _F(scoring.PRIOR_WEIGHT)
    if scoring.PRIOR_WEIGHT > 0:
        return np.divide(met, total, out=met)
    out = np.full(met.shape, _F(scoring.PRIOR), dtype=np.float32)
    np.divide(met, total, out=out, where=total > 0)
    return out


def score_tile(enc: Encoded, rows_i: np.ndarray, rows_j: np.ndarray) -> Tile:
    """Every pair of rows I x J, keyed and gated (the caller masks a row against itself
    and the forbidden pairs)."""
    values, excluded, shared = values_tile(enc, rows_i, rows_j)
    # purposes.with_evidence, in place: nothing answered in common is weaker evidence.
    values[shared == 0] *= _F(purposes.NO_EVIDENCE)
    values[excluded] = EXCLUDED
    reach_i, reach_j = enc.reach2[rows_i], enc.reach2[rows_j]
    in_person = np.zeros(values.shape, bool)
    if reach_i.max() >= 0 and reach_j.max() >= 0:
        chord2 = enc.place[rows_i] @ enc.place[rows_j].T
        chord2 *= -2
        chord2 += enc.length2[rows_i][:, None]
        chord2 += enc.length2[rows_j][None, :]
        in_person = chord2 <= np.minimum.outer(reach_i, reach_j)
        in_person &= ~excluded
    key = values * _VIRTUAL_KEY
    key[excluded] = EXCLUDED
    virtual_i, virtual_j = enc.virtual[rows_i], enc.virtual[rows_j]
    if not (virtual_i.all() and virtual_j.all()):
        key[~np.logical_and.outer(virtual_i, virtual_j) & ~in_person] = EXCLUDED
    if in_person.any():
        a, b = np.nonzero(in_person)
        fit = fit_of(nearness(enc, rows_i[a], rows_j[b]))
        key[a, b] = values[a, b] * np.power(fit, _F(_KEY_POWER))
    return Tile(key=key, values=values, in_person=in_person)


def distances(enc: Encoded, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Great-circle km between rows u[k] and v[k] (places known)."""
    chord = np.linalg.norm(enc.place[u] - enc.place[v], axis=1)
    return 2 * _EARTH * np.arcsin(np.minimum(chord / 2, 1.0))


def nearness(enc: Encoded, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Nearness of in-person pairs: 1 at 0 km, 0.5 at the smaller travel distance."""
    reach = np.minimum(enc.travel_km[u], enc.travel_km[v])
    ratio = np.minimum(distances(enc, u, v) / reach, 1.0)
    return (1 - 0.5 * ratio).astype(np.float32)


def final_scores(
    enc: Encoded, u: np.ndarray, v: np.ndarray, values: np.ndarray, in_person: np.ndarray
) -> np.ndarray:
    """The pairs' scores: purposes.blend of the values score (evidence applied) and the
    fit, for allowed pairs u[k], v[k]."""
    fit = np.full(u.shape, VIRTUAL_FIT, np.float32)
    if in_person.any():
        fit[in_person] = fit_of(nearness(enc, u[in_person], v[in_person]))
    return purposes.blend(values.astype(np.float32), fit, purposes.COFFEE_DATE)
