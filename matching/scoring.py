"""Values compatibility between two members: pure scoring, numpy only (no Django).

Every member answers statements of the values questionnaire. For each statement they give
their own answer (`choice`, an option index below 8), the answers they accept from a
colleague (`accepted`, a bitmask over option indexes), how much it matters to them
(`importance`) and, optionally, that it is a dealbreaker.

The score of a pair
-------------------
Let S be the statements that *both* A and B answered, w(i) the weight of importance i
(`WEIGHTS`), and for A's side

    W_A = sum over q in S of w(importance_A[q])
    M_A = sum over q in S of w(importance_A[q]) * [choice_B[q] in accepted_A[q]]

OkCupid's published satisfaction is M_A / W_A and the pair's match is
sqrt(sat_A * sat_B). We keep the geometric mean, which makes the score mutual (a
lopsided pair scores below the average of its two sides, and zero if either side is
wholly unmet), but replace each raw share by its posterior mean under a Beta prior:

    sat_A = (M_A + k * p) / (W_A + k)        p = PRIOR = 0.5, k = PRIOR_WEIGHT = 8
    score = sqrt(sat_A * sat_B)              in [0, 1]

Why: the raw share is overconfident when little is shared; one agreed statement gives
100 %, above a colleague who agrees on nineteen of twenty. Read each shared statement as
an observation "B meets A's preference", counted with A's importance weight; a
Beta(k*p, k*(1-p)) prior then gives the posterior mean above. So
- with nothing shared (or only statements A finds irrelevant) sat_A is exactly p, the
  neutral "we don't know yet", not 0 % or 100 %;
- evidence moves the score in proportion to how much it matters: one agreed VERY
  statement gives (16 + 4) / (16 + 8) = 0.83, twenty agreed SOMEWHAT statements
  (80 + 4) / (80 + 8) = 0.95, and the score only nears 1 as agreement piles up;
- the prior is worth k = 8 weight units (half of one VERY statement, two SOMEWHAT):
  enough to stop one or two answers from ranking a near-stranger first, small next to a
  whole questionnaire (19 statements all rated SOMEWHAT already weigh 76).
OkCupid's own description tempers the same flaw by subtracting a margin of error of
1/|S| from the percentage. That ignores importance and overshoots (one agreed answer:
100 % - 100 % = 0 %, below a pair who disagree on a little). A confidence lower bound
(e.g. Wilson) was the other candidate, but it puts pairs with nothing shared at the
bottom too, and an unknown colleague is not a bad one. `prior_weight=0` gives back the
unshrunk share (OkCupid's formula with our weights), for comparison.

Importance weights are 0, 1, 4, 16 (irrelevant, a little, somewhat, very): each step
matters four times the one below, so a VERY statement outweighs three SOMEWHAT ones.
OkCupid's 0, 1, 10, 50 is steeper because its "very" stood in for a veto; on a
questionnaire of ~20 statements one of its "very" outweighs the whole rest, and the
graded middle stops moving the ranking. Vetoes here are explicit dealbreakers, so the
scale can stay gentle.

Dealbreakers: if A marked q a dealbreaker, both answered q and B's answer is not one A
accepts (or the same the other way round), the pair is excluded (`None`, or `EXCLUDED`
with a mask in the vectorised form), whatever else they share. Unanswered is never a
violation: it is absence of evidence.

Properties kept (and property-tested): symmetric; within [0, 1]; a violated dealbreaker
on either side excludes; B changing an answer to one A accepts never lowers the score;
no shared statements gives exactly p; more agreed statements give a higher score.

Two implementations
-------------------
`pair_score` works on plain mappings (statement key -> `Response`) and is the readable
reference. `score_against_all` scores one member against every row of a columnar
`Snapshot` and must agree with it (tested); it is what suggestions use at scale.

Privacy
-------
`shared_priorities` is the only output here meant to be shown to members (as plain-words
reasons). It is built from agreement alone and is symmetric: it names statements both
members rate at least SOMEWHAT important where each accepts the other's answer, and
nothing for an excluded pair. It never names an answer, a disagreement or a dealbreaker.
It does tell A that B's answer is one A accepts (as any high score does): if A accepts a
single option, A can infer it. The spec accepts this ("you both prioritise harm
reduction"); a stricter rule would drop statements where either side accepts one option.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum

import numpy as np

MAX_OPTIONS = 8  # answers are option indexes < 8, so a uint8 bitmask holds accepted answers


class Importance(IntEnum):
    IRRELEVANT = 0
    A_LITTLE = 1
    SOMEWHAT = 2
    VERY = 3


# Indexed by Importance. Integers, so float32 sums over a questionnaire are exact.
WEIGHTS: tuple[float, ...] = (0.0, 1.0, 4.0, 16.0)
PRIOR = 0.5
PRIOR_WEIGHT = 8.0
# The score of an excluded pair in vectorised results. Not NaN: NaN sorts above every
# number, so np.argpartition / np.sort would put excluded pairs at the top of a ranking.
EXCLUDED = -1.0
# Rows scored per step of `score_against_all`; its temporaries (~0.5 MB) stay in L2.
DEFAULT_CHUNK_ROWS = 4096

_WEIGHTS_F32 = np.asarray(WEIGHTS, dtype=np.float32)


@dataclass(frozen=True, slots=True)
class Response:
    """One member's answer to one statement."""

    choice: int
    accepted: int  # bit i set: option i is acceptable from a colleague
    importance: int = Importance.SOMEWHAT
    dealbreaker: bool = False

    def __post_init__(self) -> None:
        if not 0 <= self.choice < MAX_OPTIONS:
            raise ValueError(f"choice must be in [0, {MAX_OPTIONS}), not {self.choice}")
        if not 0 < self.accepted < 1 << MAX_OPTIONS:
            raise ValueError(f"accepted must be a non-empty {MAX_OPTIONS}-bit mask")
        if self.importance not in Importance._value2member_map_:
            raise ValueError(f"unknown importance {self.importance!r}")
        if self.dealbreaker and self.importance == Importance.IRRELEVANT:
            raise ValueError("an irrelevant statement cannot be a dealbreaker")

    @property
    def weight(self) -> float:
        return WEIGHTS[self.importance]

    def accepts(self, choice: int) -> bool:
        return bool(self.accepted >> choice & 1)


Answers = Mapping[Hashable, Response]  # statement key -> that member's response


def _check_prior(prior: float, prior_weight: float) -> None:
    if not 0.0 <= prior <= 1.0:
        raise ValueError("prior must be in [0, 1]")
    if prior_weight < 0.0:
        raise ValueError("prior_weight must not be negative")


# --- Scalar reference --------------------------------------------------------------------


def satisfaction(
    prefs_of_a: Answers,
    answers_of_b: Answers,
    *,
    prior: float = PRIOR,
    prior_weight: float = PRIOR_WEIGHT,
) -> float:
    """How well B's answers meet A's preferences: the importance-weighted share of A's
    preferences, over statements both answered, shrunk toward `prior` (module docstring).
    Dealbreakers are not considered here; see `pair_score`."""
    _check_prior(prior, prior_weight)
    met = total = 0.0
    for key, mine in prefs_of_a.items():
        theirs = answers_of_b.get(key)
        if theirs is None:
            continue
        total += mine.weight
        if mine.accepts(theirs.choice):
            met += mine.weight
    denominator = total + prior_weight
    if denominator == 0.0:  # only with prior_weight=0 and nothing that matters shared
        return prior
    return (met + prior_weight * prior) / denominator


def violates_dealbreaker(prefs_of_a: Answers, answers_of_b: Answers) -> bool:
    """True if B answered a statement A marked a dealbreaker with an answer A does not
    accept. One direction only; `pair_score` checks both."""
    for key, mine in prefs_of_a.items():
        if not mine.dealbreaker:
            continue
        theirs = answers_of_b.get(key)
        if theirs is not None and not mine.accepts(theirs.choice):
            return True
    return False


def pair_score(
    a: Answers,
    b: Answers,
    *,
    prior: float = PRIOR,
    prior_weight: float = PRIOR_WEIGHT,
) -> float | None:
    """The mutual values score of A and B in [0, 1], or None when a dealbreaker on either
    side is violated (the pair must then never be suggested, nudged or paired)."""
    if violates_dealbreaker(a, b) or violates_dealbreaker(b, a):
        return None
    a_side = satisfaction(a, b, prior=prior, prior_weight=prior_weight)
    b_side = satisfaction(b, a, prior=prior, prior_weight=prior_weight)
    return (a_side * b_side) ** 0.5


def shared_priorities(
    a: Answers, b: Answers, *, min_importance: int = Importance.SOMEWHAT
) -> list[Hashable]:
    """Statement keys both members consider important and agree on, most important to
    both first (ties keep A's order): the raw material of reasons such as "you both
    prioritise harm reduction".

    Built from agreement only: a key is listed when both rated it at least
    `min_importance` and each accepts the other's answer. Symmetric as a set, and empty
    for an excluded pair, so a reason never hints at an answer, a disagreement or a
    dealbreaker (see Privacy in the module docstring)."""
    if violates_dealbreaker(a, b) or violates_dealbreaker(b, a):
        return []
    found = []
    for key, mine in a.items():
        theirs = b.get(key)
        if (
            theirs is not None
            and min(mine.importance, theirs.importance) >= min_importance
            and mine.accepts(theirs.choice)
            and theirs.accepts(mine.choice)
        ):
            found.append((key, mine.importance, theirs.importance))
    # sorted() is stable: equal importance keeps the questionnaire order of `a`.
    found.sort(key=lambda item: (-min(item[1], item[2]), -max(item[1], item[2])))
    return [key for key, _, _ in found]


# --- Columnar snapshot and the vectorised scorer -----------------------------------------


def _check_columns(choice_bit, accepted, weight, dealbreaker) -> None:
    """The snapshot contract, for a (N, Q) block or one (Q,) row: an unanswered cell is
    all zeros (choice_bit 0, accepted 0, weight 0, not a dealbreaker); an answered one
    has exactly one choice bit and a non-empty accepted mask."""
    for name, array, dtype in (
        ("choice_bit", choice_bit, np.uint8),
        ("accepted", accepted, np.uint8),
        ("weight", weight, np.float32),
        ("dealbreaker", dealbreaker, np.bool_),
    ):
        if array.dtype != dtype:
            raise ValueError(f"{name} must be {np.dtype(dtype).name}, not {array.dtype}")
        if array.shape != choice_bit.shape:
            raise ValueError(f"{name} has shape {array.shape}, expected {choice_bit.shape}")
    answered = choice_bit != 0
    if np.any(choice_bit & (choice_bit - np.uint8(1))):
        raise ValueError("choice_bit must have at most one bit set per cell")
    if np.any(answered != (accepted != 0)):
        raise ValueError("accepted must be non-empty exactly where a statement is answered")
    if np.any(~answered & ((weight != 0) | dealbreaker)):
        raise ValueError("an unanswered statement must have weight 0 and no dealbreaker")
    if not np.all(np.isfinite(weight)) or np.any(weight < 0):
        raise ValueError("weights must be finite and non-negative")


@dataclass(frozen=True, slots=True)
class Row:
    """One member's answers as (Q,) columns, in the snapshot's statement order."""

    choice_bit: np.ndarray
    accepted: np.ndarray
    weight: np.ndarray
    dealbreaker: np.ndarray

    def __post_init__(self) -> None:
        _check_columns(self.choice_bit, self.accepted, self.weight, self.dealbreaker)
        if self.choice_bit.ndim != 1:
            raise ValueError("a row is one-dimensional")

    @classmethod
    def from_answers(cls, answers: Answers, keys: Sequence[Hashable]) -> Row:
        """Encode a member's answers; statements not in `keys` are ignored (e.g. answers
        to an older questionnaire version)."""
        block = _encode([answers], keys)
        return cls(*(column[0] for column in block))


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everyone's answers as four (N, Q) arrays, row i a member, column j `keys[j]`.

    Stored column-major (Fortran order): scoring works one statement at a time across all
    members, and contiguous columns let numpy stream them with SIMD loops. Row-major
    input is converted once, here. Memory: 7 bytes per cell (14 MB for 100,000 x 20).
    """

    keys: tuple[Hashable, ...]
    choice_bit: np.ndarray  # uint8: 1 << choice, 0 when unanswered
    accepted: np.ndarray  # uint8: acceptable options, 0 when unanswered
    weight: np.ndarray  # float32: WEIGHTS[importance], 0 when unanswered
    dealbreaker: np.ndarray  # bool: False when unanswered

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(self.keys))
        for name in ("choice_bit", "accepted", "weight", "dealbreaker"):
            object.__setattr__(self, name, np.asfortranarray(getattr(self, name)))
        if self.choice_bit.ndim != 2 or self.choice_bit.shape[1] != len(self.keys):
            raise ValueError("arrays must be (members, len(keys))")
        _check_columns(self.choice_bit, self.accepted, self.weight, self.dealbreaker)

    def __len__(self) -> int:
        return self.choice_bit.shape[0]

    def row(self, index: int) -> Row:
        return Row(
            self.choice_bit[index].copy(),
            self.accepted[index].copy(),
            self.weight[index].copy(),
            self.dealbreaker[index].copy(),
        )

    @classmethod
    def from_answers(cls, members: Sequence[Answers], keys: Sequence[Hashable]) -> Snapshot:
        """Build from per-member mappings (clear, but a Python loop: for tests and small
        sets; use `from_answer_rows` for the whole membership)."""
        return cls(tuple(keys), *_encode(members, keys))

    @classmethod
    def from_answer_rows(
        cls,
        *,
        keys: Sequence[Hashable],
        n_members: int,
        member_pos: np.ndarray,
        statement_pos: np.ndarray,
        choice: np.ndarray,
        accepted: np.ndarray,
        importance: np.ndarray,
        dealbreaker: np.ndarray,
    ) -> Snapshot:
        """Build from one entry per answer, as a database query returns them: the
        member's row index, the statement's column index, and the answer's fields.
        Vectorised (no Python loop per answer). Each (member, statement) cell may appear
        once: mapping two questionnaire versions onto one column is the caller's call."""
        member_pos = np.asarray(member_pos, dtype=np.intp)
        statement_pos = np.asarray(statement_pos, dtype=np.intp)
        choice = np.asarray(choice, dtype=np.int64)
        accepted = np.asarray(accepted, dtype=np.int64)
        importance = np.asarray(importance, dtype=np.int64)
        dealbreaker = np.asarray(dealbreaker, dtype=bool)
        shape = (n_members, len(keys))
        if member_pos.size and (
            member_pos.min() < 0
            or member_pos.max() >= shape[0]
            or statement_pos.min() < 0
            or statement_pos.max() >= shape[1]
        ):  # numpy would wrap a negative index round silently
            raise ValueError("member or statement position out of range")
        if np.any((choice < 0) | (choice >= MAX_OPTIONS)):
            raise ValueError("choice out of range")
        if np.any((accepted <= 0) | (accepted >= 1 << MAX_OPTIONS)):
            raise ValueError("accepted out of range")
        if np.any((importance < 0) | (importance >= len(WEIGHTS))):
            raise ValueError("importance out of range")
        bits = np.zeros(shape, np.uint8, order="F")
        acc = np.zeros(shape, np.uint8, order="F")
        weight = np.zeros(shape, np.float32, order="F")
        breaker = np.zeros(shape, np.bool_, order="F")
        where = (member_pos, statement_pos)
        bits[where] = np.left_shift(1, choice).astype(np.uint8)
        acc[where] = accepted.astype(np.uint8)
        weight[where] = _WEIGHTS_F32[importance]
        breaker[where] = dealbreaker
        # Every cell written holds one set bit, so fewer set cells than entries means a
        # cell was written twice (numpy does not say which write wins).
        if np.count_nonzero(bits) != choice.size:
            raise ValueError("a (member, statement) pair appears more than once")
        return cls(tuple(keys), bits, acc, weight, breaker)


def _encode(members: Sequence[Answers], keys: Sequence[Hashable]):
    shape = (len(members), len(keys))
    bits = np.zeros(shape, np.uint8)
    acc = np.zeros(shape, np.uint8)
    weight = np.zeros(shape, np.float32)
    breaker = np.zeros(shape, np.bool_)
    for i, answers in enumerate(members):
        for j, key in enumerate(keys):
            response = answers.get(key)
            if response is not None:
                bits[i, j] = 1 << response.choice
                acc[i, j] = response.accepted
                weight[i, j] = response.weight
                breaker[i, j] = response.dealbreaker
    return bits, acc, weight, breaker


def score_against_all(
    me: int | Row,
    snapshot: Snapshot,
    *,
    prior: float = PRIOR,
    prior_weight: float = PRIOR_WEIGHT,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> tuple[np.ndarray, np.ndarray]:
    """Score one member (a row index of `snapshot`, or a `Row`) against every row.

    Returns `(scores, excluded)`: float32 (N,) equal to `pair_score` with each row, and
    a bool (N,) mask of rows excluded by a dealbreaker on either side, whose score is
    `EXCLUDED`. The member's own row, if present, is scored like any other: dropping
    oneself, blocked members and other exclusions is the caller's job.

    How it stays fast (~6 ms for 100,000 x 20 on a two-core machine): both directions
    are computed in one pass over row chunks small enough for their temporaries to stay
    in cache; the per-statement tests are uint8 bit operations on contiguous columns;
    each weighted sum over statements is a float32 matrix-vector product (BLAS), never a
    float64 array or a Python loop over members.
    """
    _check_prior(prior, prior_weight)
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be positive")
    mine = snapshot.row(me) if isinstance(me, int | np.integer) else me
    n_members, n_questions = snapshot.choice_bit.shape
    if mine.choice_bit.shape != (n_questions,):
        raise ValueError("the row does not match the snapshot's statements")

    my_bit = mine.choice_bit
    my_answered = (my_bit != 0).astype(np.float32)
    my_dealbreakers = np.flatnonzero(mine.dealbreaker)
    everything = np.ones(n_questions, np.float32)

    # Rows: my satisfaction met / total, theirs met / total.
    sums = np.empty((4, n_members), np.float32)
    excluded = np.zeros(n_members, np.bool_)
    rows = max(1, min(chunk_rows, n_members))
    bits_buf = np.empty((rows, n_questions), np.uint8, order="F")
    float_buf = np.empty((rows, n_questions), np.float32, order="F")
    flag_buf = np.empty((rows, n_questions), np.bool_, order="F")

    for start in range(0, n_members, rows):
        stop = min(start + rows, n_members)
        n = stop - start
        their_bit = snapshot.choice_bit[start:stop]
        their_accepted = snapshot.accepted[start:stop]
        their_weight = snapshot.weight[start:stop]
        their_breaker = snapshot.dealbreaker[start:stop]
        bits, floats, flags = bits_buf[:n], float_buf[:n], flag_buf[:n]

        # My preferences against their answers. My accepted mask is 0 where I did not
        # answer and their bit is 0 where they did not, so "met" implies both answered.
        np.bitwise_and(their_bit, mine.accepted, out=bits)
        np.not_equal(bits, 0, out=floats)
        np.matmul(floats, mine.weight, out=sums[0, start:stop])
        if my_dealbreakers.size:  # rare, and only a few columns: index them
            answered = their_bit[:, my_dealbreakers] != 0
            unmet = bits[:, my_dealbreakers] == 0
            excluded[start:stop] |= (answered & unmet).any(axis=1)
        np.not_equal(their_bit, 0, out=floats)
        np.matmul(floats, mine.weight, out=sums[1, start:stop])

        # Their preferences against my answers. Their weight is 0 where they did not
        # answer; my bit is 0 where I did not, so "met" implies both answered.
        np.bitwise_and(their_accepted, my_bit, out=bits)
        np.not_equal(bits, 0, out=floats)
        np.multiply(floats, their_weight, out=floats)
        np.matmul(floats, everything, out=sums[2, start:stop])
        np.matmul(their_weight, my_answered, out=sums[3, start:stop])
        # Their dealbreaker, my answer not accepted, on a statement I answered.
        np.equal(bits, 0, out=flags)
        np.logical_and(flags, their_breaker, out=flags)
        np.logical_and(flags, my_bit != 0, out=flags)
        excluded[start:stop] |= flags.any(axis=1)

    my_side = _shrink(sums[0], sums[1], prior, prior_weight)
    their_side = _shrink(sums[2], sums[3], prior, prior_weight)
    scores = np.multiply(my_side, their_side, out=my_side)
    np.sqrt(scores, out=scores)
    # met <= total holds exactly for integer weights; the clip guards float rounding
    # with fractional ones, so a score never leaves [0, 1].
    np.minimum(scores, np.float32(1.0), out=scores)
    scores[excluded] = np.float32(EXCLUDED)
    return scores, excluded


def _shrink(met: np.ndarray, total: np.ndarray, prior: float, prior_weight: float):
    k = np.float32(prior_weight)
    numerator = met + np.float32(prior_weight * prior)
    denominator = total + k
    # prior_weight=0 and nothing shared: 0/0, which is "no evidence", so the prior.
    out = np.full(met.shape, np.float32(prior), dtype=np.float32)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
