"""Candidate pairs: which pairs are scored at all, and which few per member the
matching then considers.

Scoring every pair is 5 x 10^9 pairs at 100,000 seekers: too slow for a round. So pairs
are scored in tiles (scores.score_tile, a block of seekers against a block) along two
routes, and each member keeps their best `per_member` allowed pairs:

- In person. Seekers open to it with a known place fall into cubes of CELL_KM on the
  unit sphere's 3-D grid (the chord is the distance for anything a coffee date
  crosses). Each cube's seekers are scored against the seekers of every cube that can
  hold someone within the cube's largest travel distance, nearest cubes first, up to
  IN_PERSON_POOL of them: in a city everyone near is a candidate, which is the point.
- Virtual. Seekers open to video are sorted so like-minded members sit together (the
  values ordering below), cut into blocks of BLOCK, and each block is scored against
  itself and the next WINDOW blocks: every member is scored against about
  BLOCK * (2 * WINDOW + 1) others of similar outlook, exactly, instead of everyone.

The values ordering: members' answers as one-hot rows (the option each chose,
weighted by how much it matters to them) projected on the leading principal axes of
the round's own answers, then sorted by those coordinates, coarsest first. Two members
close in this order answered the statements that divide the membership the most alike,
which is what a high mutual score needs. It is a heuristic for *which* pairs to score;
every pair kept is scored exactly. The benchmark reports how close the result comes to
each member's best partner among all feasible ones.

Exclusions are masked inside each tile before the best are kept, so a member whose
favourites are all forbidden still keeps `per_member` allowed candidates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from coffee.pairing.community import Community
from coffee.pairing.scores import EXCLUDED, Encoded, final_scores, score_tile

CELL_KM = 20.0
IN_PERSON_POOL = 3072  # columns scored for one cube's seekers, nearest cubes first
BLOCK = 1024
WINDOW = 1  # blocks after (and, by symmetry, before) each block
ROWS_PER_TILE = 1024
PER_MEMBER = 12
COMPACT_EVERY = 30  # pairs held per member before they are compacted
EVICTEES = 3
LEFT_OVER_FACTOR = 4
BRIDGE_WINDOW = 3
STEPS_PER_SD = 2
_EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Edges:
    """Candidate pairs as rows of the community, u < v, each pair once."""

    u: np.ndarray  # int64
    v: np.ndarray  # int64
    score: np.ndarray  # float32
    in_person: np.ndarray  # bool

    def __len__(self) -> int:
        return self.u.shape[0]


class Forbidden:
    """The forbidden pairs as per-row neighbour lists (CSR), to mask tiles quickly."""

    def __init__(self, n: int, rows_u: np.ndarray, rows_v: np.ndarray) -> None:
        both_u = np.concatenate([rows_u, rows_v])
        both_v = np.concatenate([rows_v, rows_u])
        order = np.argsort(both_u, kind="stable")
        self.partners = both_v[order]
        self.indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(both_u, minlength=n), out=self.indptr[1:])
        self._column = np.full(n, -1, np.int64)

    def mask(self, score: np.ndarray, rows_i: np.ndarray, rows_j: np.ndarray, value) -> None:
        """Set `value` where (rows_i[a], rows_j[b]) is forbidden."""
        starts, stops = self.indptr[rows_i], self.indptr[rows_i + 1]
        counts = stops - starts
        total = int(counts.sum())
        if not total:
            return
        owner = np.repeat(np.arange(rows_i.shape[0]), counts)
        offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
        partners = self.partners[np.repeat(starts, counts) + offsets]
        self._column[rows_j] = np.arange(rows_j.shape[0])
        columns = self._column[partners]
        self._column[rows_j] = -1
        hit = columns >= 0
        score[owner[hit], columns[hit]] = value


def _best_of_rows(key: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of each row's `k` highest keys that are allowed (> EXCLUDED)."""
    if key.shape[1] > k:
        cols = np.argpartition(-key, k - 1, axis=1)[:, :k]
    else:
        cols = np.broadcast_to(np.arange(key.shape[1]), key.shape)
    rows = np.broadcast_to(np.arange(key.shape[0])[:, None], cols.shape)
    keep = key[rows, cols] > -0.5
    return rows[keep], cols[keep]


class Collector:
    """Scores tiles and keeps the best pairs of every row and column of each."""

    def __init__(self, enc: Encoded, forbidden: Forbidden, per_member: int):
        self.enc, self.forbidden = enc, forbidden
        self.n = enc.accepts.shape[0]
        self.k = per_member
        self.parts: list[tuple[np.ndarray, ...]] = []
        self.held = 0
        self.pairs_scored = 0

    def tile(self, rows_i: np.ndarray, rows_j: np.ndarray, *, symmetric: bool = False) -> None:
        """Score rows_i x rows_j and keep each row's and each column's best. With
        `symmetric` (rows_j is rows_i) the columns are the rows again."""
        if not rows_i.size or not rows_j.size:
            return
        tile = score_tile(self.enc, rows_i, rows_j)
        key = tile.key
        self.pairs_scored += key.size
        if symmetric:
            np.fill_diagonal(key, EXCLUDED)
        else:
            key[rows_i[:, None] == rows_j[None, :]] = EXCLUDED
        self.forbidden.mask(key, rows_i, rows_j, EXCLUDED)
        a, b = _best_of_rows(key, self.k)
        if not symmetric:
            bt, at = _best_of_rows(np.ascontiguousarray(key.T), self.k)
            a, b = np.concatenate([a, at]), np.concatenate([b, bt])
        u, v = rows_i[a], rows_j[b]
        in_person = tile.in_person[a, b]
        score = final_scores(self.enc, u, v, tile.values[a, b], in_person)
        self.parts.append((np.minimum(u, v), np.maximum(u, v), score, in_person))
        self.held += u.size
        if self.held > COMPACT_EVERY * self.n:
            self.parts = [self._compacted()]
            self.held = self.parts[0][0].size

    def _compacted(self) -> tuple[np.ndarray, ...]:
        """The pairs kept so far, each once, and only among the best `per_member` of
        either member. Safe at any time: a pair out of both members' best now stays out
        as more pairs arrive. Done as the pairs pile up, so they never take much memory."""
        columns = zip(*self.parts, strict=True)
        u, v, score, in_person = (np.concatenate(column) for column in columns)
        _, first = np.unique(u * self.n + v, return_index=True)
        u, v, score, in_person = u[first], v[first], score[first], in_person[first]
        keep = _top_per_node(u, score, self.k) | _top_per_node(v, score, self.k)
        return u[keep], v[keep], score[keep], in_person[keep]

    def edges(self) -> Edges:
        """Every kept pair once, then only those among the best `per_member` of either
        of its two members, in (u, v) order."""
        if not self.parts:
            empty = np.zeros(0, np.int64)
            return Edges(empty, empty, np.zeros(0, np.float32), np.zeros(0, bool))
        return Edges(*self._compacted())


def _top_per_node(node: np.ndarray, score: np.ndarray, k: int) -> np.ndarray:
    """Mask of the edges among the `k` best of `node`. One sort of one int64 key: the
    node, then the score's bits inverted (non-negative float32s order as their bits);
    equal scores keep the edges' order, which is the pair order."""
    bits = score.astype(np.float32).view(np.uint32).astype(np.int64)
    order = np.argsort(node * (1 << 32) + ((1 << 32) - 1 - bits), kind="stable")
    ranked = node[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    rank = np.arange(order.size) - np.repeat(starts, np.diff(np.r_[starts, order.size]))
    keep = np.zeros(order.size, bool)
    keep[order[rank < k]] = True
    return keep


# --- The two routes ----------------------------------------------------------------------


def values_order(enc: Encoded, rows: np.ndarray, axes: int = 3) -> np.ndarray:
    """`rows` sorted so members of like outlook sit together (module docstring)."""
    if rows.size < 3 or not enc.chose.shape[1]:
        return rows
    # What each answered, counted by how much it matters to them.
    features = enc.chose[rows] * enc.weight[rows][:, enc.statement]
    centred = features - features.mean(axis=0)
    covariance = centred.T @ centred
    eigenvalues, eigenvectors = np.linalg.eigh(covariance.astype(np.float64))
    leading = eigenvectors[:, ::-1][:, :axes].astype(np.float32)
    # A sign convention, so the order is the same whatever the solver's sign choice.
    leading *= np.where(leading.sum(axis=0) < 0, -1, 1).astype(np.float32)
    coords = centred @ leading
    # Sorted by coarse steps of the leading axis, then of the next ones, and finely by
    # the last: neighbours in the order are close on every axis (the window overlapping
    # the blocks covers the seams between steps).
    keys = [rows, coords[:, -1]]
    for axis in range(coords.shape[1] - 2, -1, -1):
        spread = float(coords[:, axis].std()) or 1.0
        keys.append(np.floor(coords[:, axis] / spread * STEPS_PER_SD).astype(np.int64))
    return rows[np.lexsort(keys)]


def virtual_tiles(comm: Community, enc: Encoded) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """Blocks of like-minded seekers open to video, each against itself (symmetric)
    and the next WINDOW blocks."""
    rows = values_order(enc, np.flatnonzero(comm.virtual))
    blocks = [rows[i : i + BLOCK] for i in range(0, rows.size, BLOCK)]
    for b, block in enumerate(blocks):
        yield block, block, True
        for other in blocks[b + 1 : b + WINDOW + 1]:
            yield block, other, False


def _cells(comm: Community, rows: np.ndarray) -> np.ndarray:
    scale = _EARTH_RADIUS_KM / CELL_KM
    xyz = np.stack([comm.x[rows], comm.y[rows], comm.z[rows]], axis=1).astype(np.float64)
    return np.floor(xyz * scale).astype(np.int64)


def in_person_tiles(comm: Community) -> Iterator[tuple[np.ndarray, np.ndarray, bool]]:
    """Each cube's seekers open to in person against those of the cubes within reach,
    nearest first, up to IN_PERSON_POOL."""
    rows = np.flatnonzero(comm.in_person & comm.located & (comm.travel_km > 0))
    if rows.size < 2:
        return
    cells = _cells(comm, rows)
    unique, inverse = np.unique(cells, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    order = np.argsort(inverse, kind="stable")
    members = np.split(rows[order], np.cumsum(np.bincount(inverse, minlength=len(unique)))[:-1])
    reach = np.zeros(len(unique), np.float64)
    np.maximum.at(reach, inverse, comm.travel_km[rows])
    centres = (unique + 0.5) * CELL_KM  # km on the grid
    diagonal = CELL_KM * np.sqrt(3.0)
    for c in range(len(unique)):
        gap = np.sqrt(((centres - centres[c]) ** 2).sum(axis=1))
        near = np.flatnonzero(gap <= reach[c] + diagonal)
        near = near[np.lexsort((near, gap[near]))]
        pool = np.concatenate([members[i] for i in near])[:IN_PERSON_POOL]
        mine = members[c]
        for start in range(0, mine.size, ROWS_PER_TILE):
            yield mine[start : start + ROWS_PER_TILE], np.sort(pool), False


def bridges(
    enc: Encoded, forbidden: Forbidden, edges: Edges, mate: np.ndarray, *, per_member: int
) -> Edges:
    """More candidates where a first matching left members without a partner.

    Who is left over after the first matching? Members whose candidates all found
    someone they like more: those who score low with most (few answers shared, strict
    dealbreakers) and those with few candidates (open only to meeting in person, in a
    small town). Nobody keeps them among their own best, so no path in the candidate
    lists leads from one to another, and the matching cannot pair them. Two more sets
    of candidates, each member keeping their best `per_member`:
    - every pair of members left over, keeping LEFT_OVER_FACTOR times as many each:
      two of them are often a fine pair, and the best of each are wanted by many;
    - every pair among them and the partners of their EVICTEES best candidates: taking a
      candidate y from y's partner m leaves m to re-pair, usually with another such m'
      (a -> y, m -> m', z -> b pairs two members who were left over)."""
    free = mate < 0
    u = np.concatenate([edges.u, edges.v])
    v = np.concatenate([edges.v, edges.u])
    score = np.concatenate([edges.score, edges.score])
    pick = free[u] & ~free[v]
    u, v, score = u[pick], v[pick], score[pick]
    order = np.lexsort((v, -score, u))
    u, v = u[order], v[order]
    starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]])
    rank = np.arange(u.size) - np.repeat(starts, np.diff(np.r_[starts, u.size]))
    left = np.flatnonzero(free)
    among_left = Collector(enc, forbidden, per_member * LEFT_OVER_FACTOR)
    _every_pair(among_left, enc, left)
    collector = Collector(enc, forbidden, per_member)
    _every_pair(collector, enc, np.union1d(mate[v[rank < EVICTEES]], left))
    return merge(free.size, among_left.edges(), collector.edges())


def _every_pair(collector: Collector, enc: Encoded, rows: np.ndarray) -> None:
    """Score every pair of `rows`; when there are many, the like-minded blocks of the
    virtual route instead."""
    if rows.size > BLOCK * (BRIDGE_WINDOW + 1):
        rows = values_order(enc, rows)
    blocks = [rows[i : i + BLOCK] for i in range(0, rows.size, BLOCK)]
    for b, block in enumerate(blocks):
        collector.tile(block, block, symmetric=True)
        for other in blocks[b + 1 : b + BRIDGE_WINDOW + 1]:
            collector.tile(block, other)


def merge(n: int, first: Edges, second: Edges) -> Edges:
    """Both sets of candidate pairs, each pair once, in (u, v) order."""
    u, v, score, in_person = (
        np.concatenate([getattr(first, name), getattr(second, name)])
        for name in ("u", "v", "score", "in_person")
    )
    _, once = np.unique(u * n + v, return_index=True)
    return Edges(u[once], v[once], score[once], in_person[once])


def candidates(
    comm: Community, enc: Encoded, forbidden: Forbidden, *, per_member: int = PER_MEMBER
) -> tuple[Edges, int]:
    """The candidate pairs (best `per_member` of each member) and how many pairs were
    scored to find them."""
    collector = Collector(enc, forbidden, per_member)
    for rows_i, rows_j, symmetric in in_person_tiles(comm):
        collector.tile(rows_i, rows_j, symmetric=symmetric)
    for rows_i, rows_j, symmetric in virtual_tiles(comm, enc):
        collector.tile(rows_i, rows_j, symmetric=symmetric)
    return collector.edges(), collector.pairs_scored
