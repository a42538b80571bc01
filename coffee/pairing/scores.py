"""The score of every pair in a tile (a block of seekers against another block), by
matrix products.

The values score is `matching.scoring`'s, exactly: for rows i and j,

    sat_i = (M_ij + k p) / (W_ij + k),  sat_j likewise,  v = sqrt(sat_i * sat_j)

with M_ij the weight of i's preferences that j's answers meet and W_ij the weight of
i's statements j answered, and a dealbreaker on either side excluding the pair.
`scoring.score_against_all` computes it for one member against everyone; a round needs
it for millions of pairs, so here the sums become matrix products of one-hot
encodings, one BLAS call for a whole tile:

    M = A_I @ C_J.T    A[i, (q, o)] = w_i[q] * [option o accepted by i on q]
                       C[j, (q, o)] = [j chose option o on q]
    W = w_I @ D_J.T    D[j, q] = [j answered q]
    breaks = B_I @ C_J.T > 0    B[i, (q, o)] = [q is i's dealbreaker and o not accepted]

Weights are small integers (0, 1, 4, 16), so every product is an exact integer in
float32, whatever order BLAS sums in: the rest is the same float32 operations
`score_against_all` does, in the same order, and the two agree bit for bit (tested).

Then the coffee blend of `matching.purposes` (`with_evidence`, then `blend` with the
coffee purpose's weight) with the round's own fit: `purposes.coffee` gates on the
suggestion radius and the "looking for coffee dates" term, but a round has better
information, each member's own settings. So the fit here keeps `purposes.coffee`'s
shape (nearness 60 %, keenness 40 %, virtual counting as half-near) with the round's
gate: in person when both are open to it and the distance is within *both* members'
travel (the smaller of the two: neither is asked to go further than they said),
nearness falling from 1 at 0 km to 0.5 at that distance; otherwise virtual when both
are open to it; otherwise the pair is not a candidate. Keenness is always full: both
opted in to coffee dates.
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

_F = np.float32


@dataclass(frozen=True)
class Encoded:
    """A community's answers as one-hot float32 matrices, one row per seeker (see the
    module docstring). Columns are (statement, option) cells someone chose; a cell
    nobody chose can meet no preference and break no dealbreaker, so it is left out."""

    accepts: np.ndarray  # (N, C) weight where the option is accepted
    chose: np.ndarray  # (N, C) 1 where it is the member's answer
    weight: np.ndarray  # (N, Q) the member's weight, 0 where unanswered
    answered: np.ndarray  # (N, Q) 1 where answered
    breaks: np.ndarray  # (N, Cd) 1 where a dealbreaker rules the option out
    chose_d: np.ndarray  # (N, Cd) `chose` restricted to the dealbreaker columns
    any_breaker: np.ndarray  # (N,) bool: the member has a dealbreaker at all


def encode(values: scoring.Snapshot) -> Encoded:
    """The matrices of `values` (a few passes over the (N, Q) arrays)."""
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
        accepts[:, c] = weight[:, s] * ((accepted[:, s] >> o) & 1)
    breaking = [c for c, (s, _) in enumerate(columns) if np.any(breaker[:, s])]
    breaks = np.zeros((n, len(breaking)), np.float32)
    for k, c in enumerate(breaking):
        s, o = columns[c]
        breaks[:, k] = breaker[:, s] & (((accepted[:, s] >> o) & 1) == 0)
    return Encoded(
        accepts=accepts,
        chose=chose,
        weight=weight,
        answered=(choice_bit != 0).astype(np.float32),
        breaks=breaks,
        chose_d=np.ascontiguousarray(chose[:, breaking]),
        any_breaker=breaker.any(axis=1),
    )


@dataclass(frozen=True)
class Tile:
    """Rows I against rows J: the final score, and where the pair may meet."""

    score: np.ndarray  # (|I|, |J|) float32, scoring.EXCLUDED where not allowed
    allowed: np.ndarray  # bool: no dealbreaker, and in person or virtual possible
    in_person: np.ndarray  # bool: in person possible (a subset of allowed)


def values_tile(enc: Encoded, rows_i: np.ndarray, rows_j: np.ndarray):
    """(values score, dealbreaker-excluded, statements both answered) for rows I x J:
    `scoring.score_against_all`'s figures, by matrix products."""
    met_i = enc.accepts[rows_i] @ enc.chose[rows_j].T
    met_j = enc.chose[rows_i] @ enc.accepts[rows_j].T
    total_i = enc.weight[rows_i] @ enc.answered[rows_j].T
    total_j = enc.answered[rows_i] @ enc.weight[rows_j].T
    shared = enc.answered[rows_i] @ enc.answered[rows_j].T
    excluded = np.zeros(met_i.shape, bool)
    if enc.breaks.shape[1]:
        bi, bj = enc.any_breaker[rows_i], enc.any_breaker[rows_j]
        if bi.any():
            sub = np.flatnonzero(bi)
            excluded[sub] |= (enc.breaks[rows_i[sub]] @ enc.chose_d[rows_j].T) > 0
        if bj.any():
            sub = np.flatnonzero(bj)
            excluded[:, sub] |= (enc.chose_d[rows_i] @ enc.breaks[rows_j[sub]].T) > 0
    my_side = _shrink(met_i, total_i)
    their_side = _shrink(met_j, total_j)
    scores = np.multiply(my_side, their_side, out=my_side)
    np.sqrt(scores, out=scores)
    np.minimum(scores, _F(1.0), out=scores)
    scores[excluded] = _F(scoring.EXCLUDED)
    return scores, excluded, shared


def _shrink(met: np.ndarray, total: np.ndarray) -> np.ndarray:
    """scoring._shrink with the module's prior, in the same float32 steps."""
    numerator = met + _F(scoring.PRIOR_WEIGHT * scoring.PRIOR)
    denominator = total + _F(scoring.PRIOR_WEIGHT)
    out = np.full(met.shape, _F(scoring.PRIOR), dtype=np.float32)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def distances_tile(comm: Community, rows_i: np.ndarray, rows_j: np.ndarray) -> np.ndarray:
    """Great-circle km between rows I and J, as purposes.distances_km computes it (the
    chord between unit vectors), NaN where either place is unknown."""
    chord = np.square(comm.x[rows_i][:, None] - comm.x[rows_j][None, :])
    for column in (comm.y, comm.z):
        chord += np.square(column[rows_i][:, None] - column[rows_j][None, :])
    np.sqrt(chord, out=chord)
    chord *= _F(0.5)
    np.minimum(chord, _F(1.0), out=chord)
    np.arcsin(chord, out=chord)
    chord *= _F(2 * purposes.EARTH_RADIUS_KM)
    return chord


def fit_tile(comm: Community, rows_i: np.ndarray, rows_j: np.ndarray):
    """(fit, in person possible, virtual possible) for rows I x J (module docstring)."""
    virtual = comm.virtual[rows_i][:, None] & comm.virtual[rows_j][None, :]
    both = comm.in_person[rows_i][:, None] & comm.in_person[rows_j][None, :]
    nearness = np.full(virtual.shape, _F(VIRTUAL_NEARNESS), np.float32)
    in_person = np.zeros(virtual.shape, bool)
    if both.any():
        reach = np.minimum(comm.travel_km[rows_i][:, None], comm.travel_km[rows_j][None, :])
        distance = distances_tile(comm, rows_i, rows_j)
        in_person = both & (distance <= reach)  # NaN (unknown place) compares False
        ratio = np.divide(distance, reach, out=np.zeros_like(distance), where=in_person)
        near = _F(1) - _F(0.5) * ratio
        # In person is never worse than virtual: nearness >= 0.5 within reach.
        np.copyto(nearness, near, where=in_person)
    parts = nearness * _F(NEAR_SHARE) + _F(KEEN_SHARE)
    fit = parts * _F(1 - purposes.FIT_FLOOR) + _F(purposes.FIT_FLOOR)
    return fit, in_person, virtual


def score_tile(comm: Community, enc: Encoded, rows_i: np.ndarray, rows_j: np.ndarray) -> Tile:
    """Every pair of rows I x J, scored and gated (the caller masks a row against itself
    and the forbidden pairs)."""
    values, excluded, shared = values_tile(enc, rows_i, rows_j)
    fit, in_person, virtual = fit_tile(comm, rows_i, rows_j)
    allowed = ~excluded & (in_person | virtual)
    score = purposes.blend(purposes.with_evidence(values, shared), fit, purposes.COFFEE_DATE)
    score[~allowed] = _F(scoring.EXCLUDED)
    return Tile(score=score, allowed=allowed, in_person=in_person & allowed)
