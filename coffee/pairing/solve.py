"""A maximum-weight matching over the candidate pairs, approximately: greedy, then local
improvements.

The objective is the total score plus WAIT_BONUS for every member paired who waited
last round. A bonus of 1 is worth more than any pair's score (scores are in [0, 1]), so
no exchange ever leaves a waited member out to raise the others' total by a pair's
score: "goes first" without a separate pass that would pair them with whoever is left.
And since it counts per member, a waited member is paired with their best available
partner, not herded onto another waited member.

1. Greedy: pairs in order of score (pairs with a waited member first), each taken when
   both members are still free. A half-approximation in theory, and in practice it
   strands members with few candidates (someone open only to meeting in person, in a
   small town) whose candidates others took first.
2. Local improvements, alternating until nothing changes (at most PASSES rounds):
   - Paths from each member left free: the best alternating path breaking up to DEPTH
     pairs, within STEPS neighbours looked at (a budget in steps, not seconds, so the
     result stays deterministic). One that ends at another free member pairs
     everyone on it: one pair more. One that ends at a broken pair's member frees
     them, when the gain is worth it.
   - Swaps, vectorised over every candidate pair at once: (a, m) (b, o) -> (a, b) (m, o)
     when both new pairs are candidates and the total rises; the best non-overlapping
     swaps are applied together, then the next round.
   Every move keeps a valid matching and strictly raises the objective, so this ends.

Exact solvers (Edmonds' blossom algorithm, networkx's `max_weight_matching`) take hours
at this size in pure Python. The benchmark compares this with networkx on a
1,000-member sample.
"""

from __future__ import annotations

from array import array

import numpy as np

from coffee.pairing.candidates import Edges

WAIT_BONUS = 1.0
SCARCE = 0
PASSES = 6
SWAP_ROUNDS = 8
DEPTH = 3  # pairs a path may break up
STEPS = 400  # neighbours looked at per path search
_EPS = 1e-9


def tie_key(user_u: np.ndarray, user_v: np.ndarray) -> np.ndarray:
    """A fixed pseudo-random order for pairs of equal score (a multiplicative hash of
    both ids), so ties do not favour low ids round after round."""
    mixed = user_u.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    mixed ^= user_v.astype(np.uint64) * np.uint64(0xC2B2AE3D27D4EB4F)
    mixed ^= mixed >> np.uint64(29)
    return mixed * np.uint64(0xBF58476D1CE4E5B9)


def match(n: int, edges: Edges, waited: np.ndarray, user_ids: np.ndarray) -> np.ndarray:
    """Each row's partner (a row), -1 when unpaired. `edges` are sorted by (u, v), as
    candidates.Collector.edges returns them."""
    mate = np.full(n, -1, np.int64)
    if not len(edges):
        return mate
    u, v = edges.u, edges.v
    either = waited[u] | waited[v]
    degree = np.bincount(np.concatenate([u, v]), minlength=n)
    scarce = np.minimum(degree[u], degree[v]) <= SCARCE
    order = np.lexsort((tie_key(user_ids[u], user_ids[v]), -edges.score, ~scarce, ~either))
    mates = [-1] * n
    for a, b in zip(u[order].tolist(), v[order].tolist(), strict=True):
        if mates[a] < 0 and mates[b] < 0:
            mates[a], mates[b] = b, a
    mate[:] = mates
    return improve(n, edges, waited, mate)


def improve(n: int, edges: Edges, waited: np.ndarray, mate: np.ndarray) -> np.ndarray:
    """`mate` (a valid matching over `edges`) improved in place by local moves."""
    u, v = edges.u, edges.v
    weight = edges.score.astype(np.float64)
    weight += WAIT_BONUS * (waited[u].astype(np.float64) + waited[v])
    _Improver(n, u, v, weight, mate).run()
    return mate


class _Improver:
    """The local improvements (module docstring), in place on `mate`."""

    def __init__(self, n, u, v, weight, mate) -> None:
        self.n, self.u, self.v, self.weight, self.mate = n, u, v, weight, mate
        self.keys = u * n + v  # sorted: the edges come in (u, v) order
        # Adjacency, best candidate first, as Python lists for the path searches.
        both_u, both_v = np.concatenate([u, v]), np.concatenate([v, u])
        both_w = np.concatenate([weight, weight])
        order = np.lexsort((both_v, -both_w, both_u))
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(np.bincount(both_u, minlength=n), out=indptr[1:])
        self.ptr = indptr.tolist()
        # Typed arrays rather than lists: 8 bytes an entry instead of ~36 (an object
        # and a pointer), at millions of entries.
        self.nbr = array("q", both_v[order].tobytes())
        self.wt = array("d", both_w[order].tobytes())
        # Each member's best candidate's weight (0 without any): bounds what can gain.
        best = np.zeros(n)
        np.maximum.at(best, both_u, both_w)
        self.best = best
        self.top = best.tolist()
        self.paired_weight = np.zeros(n)
        chosen = mate[u] == v
        self.paired_weight[u[chosen]] = weight[chosen]
        self.paired_weight[v[chosen]] = weight[chosen]

    def run(self) -> None:
        # A free member's search is repeated only when a partner changed among their
        # candidates since the last one (what else it would find is the same).
        self.dirty = np.ones(self.n, bool)
        self.swap_dirty = np.ones(self.n, bool)
        for _ in range(PASSES):
            changed = self.paths()
            changed += self.swaps()
            if not changed:
                break

    # --- Paths from free members (Python, few of them) -----------------------------------

    def paths(self) -> int:
        mates = self.mate.tolist()
        weights = self.paired_weight.tolist()
        ptr, nbr = self.ptr, self.nbr
        dirty = self.dirty
        free = np.flatnonzero((self.mate < 0) & (np.diff(np.asarray(ptr)) > 0)).tolist()
        before = self.mate.copy()
        changed = 0
        for a in free:
            if mates[a] >= 0:
                continue
            if not (dirty[a] or dirty[nbr[ptr[a] : ptr[a + 1]]].any()):
                continue
            changed += self._path(a, mates, weights)
        self.mate[:] = mates
        self.paired_weight[:] = weights
        self.dirty = self.mate != before
        self.swap_dirty |= self.dirty
        return changed

    def _path(self, a: int, mates: list, weights: list) -> int:
        """The best alternating path from free `a`, applied if it gains."""
        ptr, nbr, wt, top = self.ptr, self.nbr, self.wt, self.top
        best_gain, best_path = _EPS, None
        path: list[int] = [a]  # a, y1, m1, y2, m2, ...: new pairs (a, y1), (m1, y2), ...
        taken: list[float] = []  # the weights of the new pairs
        on_path = {a}
        budget = STEPS

        def walk(x: int, gain: float, depth: int) -> None:
            nonlocal best_gain, best_path, budget
            # Every neighbour as the path's end first (a free one ends it with one pair
            # more), so a deep first branch cannot spend the budget before them.
            for i in range(ptr[x], ptr[x + 1]):
                budget -= 1
                y, w_xy = nbr[i], wt[i]
                if gain + w_xy <= best_gain:
                    break  # best first: nobody further on can gain more
                if y in on_path:
                    continue
                m = mates[y]
                if m < 0:
                    best_gain, best_path = gain + w_xy, ([*path, y], [*taken, w_xy])
                elif m not in on_path and gain + w_xy - weights[y] > best_gain:
                    best_gain = gain + w_xy - weights[y]
                    best_path = ([*path, y, m], [*taken, w_xy])
            if depth >= DEPTH:
                return
            for i in range(ptr[x], ptr[x + 1]):
                if budget < 0:
                    return
                y, w_xy = nbr[i], wt[i]
                if gain + w_xy <= best_gain:
                    return
                m = mates[y]
                if m < 0 or y in on_path or m in on_path:
                    continue
                g = gain + w_xy - weights[y]
                if g + top[m] > best_gain:
                    path.extend((y, m))
                    taken.append(w_xy)
                    on_path.update((y, m))
                    walk(m, g, depth + 1)
                    del path[-2:]
                    taken.pop()
                    on_path.difference_update((y, m))

        walk(a, 0.0, 1)
        walk = None  # noqa: F841  (the closure refers to itself: let it go now, not at gc)
        if best_path is None:
            return 0
        found, pair_weights = best_path
        if len(found) % 2:  # ends at a broken pair's member, now free
            mates[found[-1]] = -1
            weights[found[-1]] = 0.0
        for k, w in enumerate(pair_weights):
            x, y = found[2 * k], found[2 * k + 1]
            mates[x], mates[y] = y, x
            weights[x] = weights[y] = w
        return 1

    # --- Swaps (numpy, every candidate pair at once) ---------------------------------------

    def swaps(self) -> int:
        changed = 0
        for _ in range(SWAP_ROUNDS):
            done = self._swap_round()
            changed += done
            if not done:
                break
        return changed

    def _swap_round(self) -> int:
        u, v, weight, mate, have = self.u, self.v, self.weight, self.mate, self.paired_weight
        # Only pairs with a member whose partner changed since their last look can
        # have started to gain.
        stale = self.swap_dirty
        idx = np.flatnonzero(stale[u] | stale[v])
        stale[:] = False
        if not idx.size:
            return 0
        m, o = mate[u[idx]], mate[v[idx]]
        # (a, m) (b, o) -> (a, b) (m, o) for a candidate (a, b) = (u, v), both paired, not
        # with each other; first a bound without (m, o)'s weight, then the lookup.
        base = weight[idx] - have[u[idx]] - have[v[idx]]
        maybe = (m >= 0) & (o >= 0) & (m != v[idx])
        maybe &= base + self.best[np.maximum(m, 0)] > _EPS
        idx, m, o, base = idx[maybe], m[maybe], o[maybe], base[maybe]
        if not idx.size:
            return 0
        wanted = np.minimum(m, o) * self.n + np.maximum(m, o)
        at = np.minimum(np.searchsorted(self.keys, wanted), self.keys.size - 1)
        found = self.keys[at] == wanted
        gain = base + np.where(found, weight[at], -np.inf)
        good = found & (gain > _EPS)
        idx, at, gain = idx[good], at[good], gain[good]
        if not idx.size:
            return 0
        order = np.lexsort((idx, -gain))
        idx, at = idx[order], at[order]
        mates = mate.tolist()
        used = bytearray(self.n)
        applied = []
        for e, f, a, b in zip(
            idx.tolist(), at.tolist(), u[idx].tolist(), v[idx].tolist(), strict=True
        ):
            c, d = mates[a], mates[b]
            if used[a] or used[b] or used[c] or used[d]:
                continue
            used[a] = used[b] = used[c] = used[d] = 1
            mates[a], mates[b], mates[c], mates[d] = b, a, d, c
            applied.append((a, b, c, d, e, f))
        if not applied:
            return 0
        members = np.array([t[:4] for t in applied], np.int64)
        new_pair, other_pair = np.array([t[4] for t in applied]), np.array([t[5] for t in applied])
        mate[:] = mates
        have[members[:, 0]] = have[members[:, 1]] = weight[new_pair]
        have[members[:, 2]] = have[members[:, 3]] = weight[other_pair]
        self.dirty[members.ravel()] = True
        stale[members.ravel()] = True
        return len(applied)
