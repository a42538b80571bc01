"""A round's seekers as a `Community`, from the matching engine's snapshot.

Answers and places come from `matching.engine.snapshot()`: the values arrays and the
purpose features (places as unit vectors, masked by the member's privacy settings as
every suggestion is). A seeker missing from the snapshot (they turned "suggest me in
matches" off, or joined since it was built, or their row is switched off and so no
longer kept up to date) is read from the database in two batched
queries with the same functions the engine patches rows with: their answers
(`answer_columns.read`) and their place (`features.profile_rows`, under the same
privacy mask). So every seeker is scored on their real answers and dealbreakers:
scoring a missing member as "no answers" would let a pair cross a dealbreaker of theirs.
A member with no answers at all (never consented, or withdrew: answers exist only with
consent) has an all-zero row: the neutral values score, discounted as "no evidence",
and the coffee fit decides. A place hidden from members, or never given, is unknown:
that member is paired by video only, since nobody may learn they are near.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from coffee.pairing.community import Community, Seeker
from matching import answer_columns, features, scoring
from members.models import Profile


def community(seekers: Sequence[Seeker], snap) -> Community:
    """The seekers' rows, from `snap` (a `matching.engine.MatchingSnapshot`) and, for
    those it lacks, from the database."""
    ids = [int(s.user_id) for s in seekers]
    n, q = len(ids), len(snap.keys)
    rows = np.array([snap.row_of.get(uid, -1) for uid in ids], np.int64)
    # A row switched off (no longer suggested) is no longer patched: it may be stale.
    known = (rows >= 0) & snap.eligible[np.maximum(rows, 0)]
    cells = {
        name: np.zeros((n, q), getattr(snap.values, name).dtype)
        for name in ("choice_bit", "accepted", "weight", "dealbreaker")
    }
    xyz = np.full((n, 3), np.nan, np.float32)
    if known.any():
        for name, block in cells.items():
            block[known] = getattr(snap.values, name)[rows[known]]
        for axis, name in enumerate("xyz"):
            xyz[known, axis] = getattr(snap.features, name)[rows[known]]
    missing = [uid for uid, there in zip(ids, known, strict=True) if not there]
    if missing:
        _load_missing(missing, ids, snap, cells, xyz)
    values = scoring.Snapshot(snap.keys, *cells.values())
    return Community.build(seekers, values=values, xyz=xyz)


def _load_missing(missing, ids, snap, cells, xyz) -> None:
    """Fill the rows of members the snapshot lacks: two queries, whatever their number."""
    position = {uid: i for i, uid in enumerate(ids)}
    member, column, choice, accepted, importance, breaker = answer_columns.read(
        snap.statement_column, missing
    )
    at = np.fromiter((position[int(m)] for m in member), np.int64, member.size)
    cells["choice_bit"][at, column] = np.left_shift(1, choice).astype(np.uint8)
    cells["accepted"][at, column] = accepted.astype(np.uint8)
    cells["weight"][at, column] = np.asarray(scoring.WEIGHTS, np.float32)[importance]
    cells["dealbreaker"][at, column] = breaker
    profiles = features.profile_rows(Profile.objects.filter(user_id__in=missing))
    if profiles:
        found = features.features(profiles, snap.vocabulary)
        at = np.array([position[row[0]] for row in profiles], np.int64)
        for axis, name in enumerate("xyz"):
            xyz[at, axis] = getattr(found, name)
