"""Who meets whom in a coffee round: the pairing engine.

    from coffee.pairing import plan_round, Seeker, Pair
    pairs = plan_round(seekers, forbidden={(min_id, max_id), ...})

The caller (the round service) decides who is due, and which pairs may never meet
(blocks, dual relationships, "don't pair me", pairs that met within the look-back
window): `forbidden`. Here:

- scores come from the matching engine: `matching.scoring`'s mutual values score
  (computed for whole tiles at once, equal to `score_against_all`; a dealbreaker on
  either side excludes the pair), discounted as `purposes.with_evidence` does when
  the two share no answered statement, blended with a coffee fit by
  `purposes.blend` (scores.py);
- a pair is a candidate in person when both are open to it and the distance is within
  both members' travel, otherwise by video when both are open to it, otherwise not at
  all; `Pair.in_person` says which;
- candidates: every pair near enough in person, and for video a bounded pool of
  like-minded members each (candidates.py);
- the matching maximises the total score, waited members first (solve.py);
- the result is deterministic: the same seekers and exclusions, in any order, give the
  same pairs.

Where members come from when the snapshot lacks them, and what a member without
answers or a shown place gets: load.py.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from coffee.pairing import candidates as _candidates
from coffee.pairing import solve
from coffee.pairing.community import Community, Pair, Seeker
from coffee.pairing.scores import encode

# Rounds of more candidates for the members left over (candidates.bridges), while they
# pair more of them.
BRIDGE_ROUNDS = 3

__all__ = ["Community", "Pair", "Plan", "Seeker", "pair_community", "plan", "plan_round"]


def plan_round(
    seekers: Sequence[Seeker],
    *,
    forbidden: Collection[tuple[int, int]],
    snapshot=None,
) -> list[Pair]:
    """The pairs of a round, best first by nothing in particular: sorted by `a`.

    `snapshot`: a `matching.engine.MatchingSnapshot`; None takes this process's
    (`matching.engine.snapshot()`, brought up to date). Members it lacks are read from
    the database (load.py)."""
    if len(seekers) < 2:
        return []
    from coffee.pairing import load
    from matching import engine

    snap = engine.snapshot() if snapshot is None else snapshot
    return pair_community(load.community(seekers, snap), forbidden=forbidden)


def pair_community(
    comm: Community,
    *,
    forbidden: Collection[tuple[int, int]] = (),
    per_member: int = _candidates.PER_MEMBER,
) -> list[Pair]:
    """The pairs of a round for a community already in arrays (no database): what
    `plan_round` does once the seekers are loaded."""
    return plan(comm, forbidden=forbidden, per_member=per_member).pairs


@dataclass(frozen=True)
class Plan:
    """A round's pairs, and what finding them took (for the benchmark)."""

    pairs: list[Pair]
    scored: int  # pairs scored
    candidates: int  # candidate pairs the matching chose from
    seconds: dict[str, float]  # CPU seconds per step


def plan(
    comm: Community,
    *,
    forbidden: Collection[tuple[int, int]] = (),
    per_member: int = _candidates.PER_MEMBER,
) -> Plan:
    """`pair_community`, with figures."""
    seconds: dict[str, float] = {}
    started = time.process_time()

    def step(name: str) -> None:
        nonlocal started
        now = time.process_time()
        seconds[name] = seconds.get(name, 0.0) + now - started
        started = now

    n = len(comm)
    if n < 2:
        return Plan([], 0, 0, seconds)
    enc = encode(comm)
    rows_u, rows_v = _rows_of_pairs(comm.user_ids, forbidden)
    excluded = _candidates.Forbidden(n, rows_u, rows_v)
    step("encode")
    edges, scored = _candidates.candidates(comm, enc, excluded, per_member=per_member)
    step("candidates")
    mate = solve.match(n, edges, comm.waited, comm.user_ids)
    step("matching")
    for _ in range(BRIDGE_ROUNDS):
        left = int((mate < 0).sum())
        if not left:
            break
        more = _candidates.bridges(enc, excluded, edges, mate, per_member=per_member)
        edges = _candidates.merge(n, edges, more)
        step("bridges")
        mate = solve.improve(n, edges, comm.waited, mate)
        step("improve")
        if (mate < 0).sum() >= left:
            break
    pairs = pairs_from(comm, edges, mate)
    step("pairs")
    return Plan(pairs, scored, len(edges), seconds)


def _rows_of_pairs(user_ids: np.ndarray, pairs: Collection[tuple[int, int]]):
    """The forbidden pairs as row indexes (pairs naming someone not seeking are
    dropped; either order of the two ids is accepted)."""
    if not pairs:
        empty = np.zeros(0, np.int64)
        return empty, empty
    table = np.array(list(pairs), np.int64).reshape(-1, 2)
    where = np.searchsorted(user_ids, table)
    where = np.minimum(where, user_ids.size - 1)
    present = (user_ids[where] == table).all(axis=1)
    where = where[present]
    return where.min(axis=1), where.max(axis=1)


def pairs_from(comm: Community, edges, mate: np.ndarray) -> list[Pair]:
    """The matched candidate pairs as `Pair`s, sorted by the first member's id."""
    chosen = mate[edges.u] == edges.v
    u, v = edges.u[chosen], edges.v[chosen]
    ids = comm.user_ids
    return [
        Pair(a=int(a), b=int(b), score=float(score), in_person=bool(near))
        for a, b, score, near in zip(
            ids[u].tolist(),
            ids[v].tolist(),
            edges.score[chosen].tolist(),
            edges.in_person[chosen].tolist(),
            strict=True,
        )
    ]
