"""The suggestion engine: a columnar, in-memory snapshot of every member who may be
suggested, patched per request, and the ranking of one viewer against all of them.

Why in memory, per process
--------------------------
A viewer's suggestions depend on their answers against everyone else's, so any
precomputed list (a row per pair, or a top-20 per member kept by a Celery task) goes
stale for N members whenever one member changes an answer, and an N x N table at
100,000 members is 10^10 pairs. Scoring on the fly is cheap instead: the whole
membership fits in ~20 MB of arrays (7 bytes per answer cell, ~40 bytes of purpose
features per member), `matching.scoring.score_against_all` scores one member against
100,000 in a few milliseconds, and the purpose fits (matching.purposes) are a dozen
vectorised operations more. So each web process holds one snapshot, and a request
ranks everyone exactly, with no approximation (recall is 1.0 by construction).

What is in the snapshot
-----------------------
Every eligible member (approved, active account, "suggest me in matches" on), one row
each: the values arrays (`scoring.Snapshot`, built with `Snapshot.from_answer_rows`
from one query over the current questionnaire's answers), a bitset of the statements
they answered (evidence, see purposes.NO_EVIDENCE), and their purpose features
(`purposes.Features`, read from profiles by matching.features). Privacy: a feature is
filled only from a field group its owner shows to all members, as the directory does;
a hidden group stays "unknown", so it contributes nothing to any ranking and reasons
(matching.reasons, built from the same masked data) cannot name it. Answers drive the
values score and are never shown.

Exclusions are not in the snapshot: blocks, dual relationships, dismissals and
connections are read per request (matching.suggestions) and masked in numpy before the
top k are taken, with the dealbreaker mask `score_against_all` returns.

Freshness
---------
`snapshot()` runs on every request. One query on indexed timestamps asks what changed
since the last look: answers (`Answer.updated_at`), profiles (`Profile.updated_at`,
saved with every edit, privacy switch and term change), applications
(`Application.updated_at`, saved with every status change: approved, lapsed,
suspended), and `MatchingChange` rows (written by `matching.services.matching_changed`,
e.g. when an answer is withdrawn, which leaves no timestamp). The members concerned
are reloaded and patched in place (two small queries); a newcomer is appended into
spare capacity kept at build time. The whole snapshot is rebuilt when the
questionnaire version changes, when more members changed at once than patching is
worth, when the spare capacity runs out, and after MAX_AGE as a backstop for what no
timestamp records (an account deactivated in the admin).

Where a look starts (the high-water mark `look_back`) needs care, because a row saved
at t by a transaction that commits later carries t: see matching.freshness. Rows
already applied (by a patch, or loaded by the build, which notes them first) are
recognised by row and stamp and skipped, so a bulk import costs one rebuild, not one
per request; any other stamp on a known row counts as a new write.

The database stays the final authority: the snapshot only ranks. The page loads the
few best candidates with `User.objects.visible_to(viewer)`, membership status and the
matches switch checked again in SQL (matching.suggestions); a candidate the database
drops is queued for `recheck` and reloaded on the next request.

Concurrency: one lock per process guards refreshing and ranking, so a ranking never
reads a half-patched row. Ranking holds it for a few milliseconds.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from django.db import DatabaseError, connections
from django.utils import timezone

from matching import answer_columns, features, freshness, purposes, scoring
from matching.models import Answer, Questionnaire, Statement
from matching.purposes import Features, Member, Vocabulary
from members.models import Profile, User

logger = logging.getLogger(__name__)

MAX_AGE = timedelta(hours=6)
SPARE_ROWS = 0.10  # capacity kept for new members, as a share of the membership
MIN_SPARE_ROWS = 256
# Patching costs Python work per member; past this many changed members a vectorised
# rebuild is cheaper.
MAX_PATCH = 2000
MAX_PATCH_SHARE = 0.02


@dataclass
class MatchingSnapshot:
    """Everyone who may be suggested, as arrays of `capacity` rows; rows from `size` on
    are spare (all zeros, never eligible)."""

    questionnaire_id: int | None
    version: int  # 0 when no questionnaire is loaded
    keys: tuple[str, ...]  # statement keys, in column order
    topics: dict[str, str]  # statement key -> topic, for reasons
    statement_column: dict[int, int]  # Statement id -> column
    vocabulary: Vocabulary
    values: scoring.Snapshot
    answered: np.ndarray  # uint64 bitset of answered columns (when <= 64 columns)
    features: Features
    user_ids: np.ndarray  # int64, 0 in spare rows
    eligible: np.ndarray  # bool
    row_of: dict[int, int]
    size: int
    built_at: datetime
    look_back: datetime  # the high-water mark: the next look asks for changes after it
    # (source, row id) -> the stamp already applied, for changes inside the look-back.
    applied: dict[tuple[int, int], datetime] = field(default_factory=dict)
    recheck: set[int] = field(default_factory=set)
    patches: int = 0

    @property
    def capacity(self) -> int:
        return self.user_ids.shape[0]

    @property
    def nbytes(self) -> int:
        arrays = [self.answered, self.user_ids, self.eligible]
        arrays += [getattr(self.values, name) for name in ("choice_bit", "accepted")]
        arrays += [getattr(self.values, name) for name in ("weight", "dealbreaker")]
        arrays += [getattr(self.features, name) for name in Features.__slots__]
        return sum(array.nbytes for array in arrays)

    def answers_of(self, user_id: int) -> dict[str, scoring.Response]:
        """One member's answers as `scoring` mappings, decoded from the arrays (for
        shared_priorities; never shown)."""
        row = self.row_of.get(user_id)
        if row is None:
            return {}
        return _decode(self.keys, *(getattr(self.values, name)[row] for name in _CELLS))


_IMPORTANCE_OF_WEIGHT = {weight: level for level, weight in enumerate(scoring.WEIGHTS)}
_CELLS = ("choice_bit", "accepted", "weight", "dealbreaker")


def _decode(keys, choice_bit, accepted, weight, dealbreaker) -> dict[str, scoring.Response]:
    """One member's (Q,) cells back into `scoring` mappings (via Python lists: indexing
    numpy scalars one by one costs several times more)."""
    answers = {}
    columns = (choice_bit, accepted, weight, dealbreaker)
    for key, bit, ok, w, breaker in zip(keys, *(c.tolist() for c in columns), strict=True):
        if bit:
            answers[key] = scoring.Response(
                bit.bit_length() - 1, ok, _IMPORTANCE_OF_WEIGHT[w], breaker
            )
    return answers


def _answered_bits(choice_bit: np.ndarray) -> np.ndarray:
    """Each row's answered columns as a uint64 bitset (columns past 64 are left out;
    `shared_statements` then counts with a matrix product instead)."""
    columns = min(choice_bit.shape[1], 64)
    weights = np.left_shift(np.uint64(1), np.arange(columns, dtype=np.uint64))
    return ((choice_bit[:, :columns] != 0) * weights).sum(axis=1, dtype=np.uint64)


# --- Building and patching ---------------------------------------------------------------


def _questionnaire():
    """The current questionnaire's id and version, its statement keys in order, their
    topics, and each statement id's column (one query)."""
    current = Questionnaire.objects.order_by("-version").values_list("pk", flat=True)[:1]
    statements = list(
        Statement.objects.filter(questionnaire_id__in=current)
        .order_by("position")
        .values_list("pk", "questionnaire_id", "questionnaire__version", "key", "topic")
    )
    questionnaire_id, version = statements[0][1:3] if statements else (None, 0)
    keys = tuple(row[3] for row in statements)
    topics = {row[3]: row[4] for row in statements}
    columns = {row[0]: column for column, row in enumerate(statements)}
    return questionnaire_id, version, keys, topics, columns


def build() -> MatchingSnapshot:
    """Load every eligible member into a fresh snapshot (a handful of queries; the
    answers are one query, whatever the membership), then give the memory the loading
    used back to the system."""
    snap = _load()
    _give_back_memory()
    return snap


def _load() -> MatchingSnapshot:
    """The snapshot, read from the database (`build` without the clean-up)."""
    started = timezone.now()
    questionnaire_id, version, keys, topics, statement_column = _questionnaire()
    # Asked before loading, so all it lists is committed and in the load: noted as
    # applied, the next refreshes skip it instead of patching it all again (after a
    # bulk import that could be a rebuild per request until the look-back passes).
    recent = freshness.changes(freshness.look_back(started, started), version, limit=MAX_PATCH)
    applied = {(source, row): stamp for source, row, _, stamp in recent.rows}
    look_back = freshness.look_back(recent.horizon, started)
    if recent.truncated:
        # A bulk write just landed: too many rows to note one by one. Look from the
        # build's start instead; only a transaction open across it can be missed, and
        # MAX_AGE covers that.
        applied, look_back = {}, started
    vocabulary = features.vocabulary()
    rows = features.profile_rows(features.eligible_profiles())
    n = len(rows)
    capacity = n + max(MIN_SPARE_ROWS, int(n * SPARE_ROWS))
    user_ids = np.zeros(capacity, np.int64)
    user_ids[:n] = [row[0] for row in rows]
    purpose_features = features.features(rows, vocabulary, capacity)
    # The rows (~70 MB of Python objects at 100,000 members) go before the answers are
    # read, so the two never take memory at the same time.
    del rows
    members, columns, choice, accepted, importance, breaker = answer_columns.read(statement_column)
    # Rows are in user id order, so a member's row is a binary search away. Answers of
    # members not in the snapshot (not eligible, or eligible only since the profile
    # query: patched in by the next refresh) find no row and are dropped.
    position = np.searchsorted(user_ids[:n], members)
    found = (position < n) & (user_ids[np.minimum(position, max(n - 1, 0))] == members)
    values = scoring.Snapshot.from_answer_rows(
        keys=keys,
        n_members=capacity,
        member_pos=position[found],
        statement_pos=columns[found],
        choice=choice[found],
        accepted=accepted[found],
        importance=importance[found],
        dealbreaker=breaker[found],
    )
    eligible = np.zeros(capacity, bool)
    eligible[:n] = True
    return MatchingSnapshot(
        questionnaire_id=questionnaire_id,
        version=version,
        keys=keys,
        topics=topics,
        statement_column=statement_column,
        vocabulary=vocabulary,
        values=values,
        answered=_answered_bits(values.choice_bit),
        features=purpose_features,
        user_ids=user_ids,
        eligible=eligible,
        row_of={int(uid): i for i, uid in enumerate(user_ids[:n])},
        size=n,
        built_at=started,
        look_back=look_back,
        applied=applied,
    )


def _give_back_memory() -> None:
    """Return the heap the build freed to the operating system.

    A build's temporaries peak at ~150 MB at 100,000 members, then are freed, but glibc
    keeps freed heap for reuse: every web process would carry ~250 MB for a 31 MB
    snapshot. `malloc_trim` hands the free pages back (measured: 332 -> 173 MB RSS).
    Skipped where the C library has no such call (musl, macOS)."""
    trim = getattr(_LIBC, "malloc_trim", None)
    if trim is not None:
        trim(0)


try:
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
except OSError:  # no C library to load by that name: nothing to trim
    _LIBC = None


def _patch(snap: MatchingSnapshot, member_ids: set[int]) -> bool:
    """Reload these members' rows in place (False: no room for the newcomers, rebuild).
    A member no longer eligible keeps their row, switched off."""
    rows = features.profile_rows(features.eligible_profiles().filter(user_id__in=member_ids))
    eligible_ids = [row[0] for row in rows]
    newcomers = [uid for uid in eligible_ids if uid not in snap.row_of]
    if snap.size + len(newcomers) > snap.capacity:
        return False
    for uid in newcomers:
        snap.row_of[uid] = snap.size
        snap.user_ids[snap.size] = uid
        snap.size += 1
    for uid in member_ids.difference(eligible_ids):
        if uid in snap.row_of:
            snap.eligible[snap.row_of[uid]] = False
    if rows:
        target = np.array([snap.row_of[uid] for uid in eligible_ids], np.intp)
        fresh = features.features(rows, snap.vocabulary)
        for name in Features.__slots__:
            getattr(snap.features, name)[target] = getattr(fresh, name)
        members, columns, choice, accepted, importance, breaker = answer_columns.read(
            snap.statement_column, eligible_ids
        )
        local = {uid: i for i, uid in enumerate(eligible_ids)}
        patch = scoring.Snapshot.from_answer_rows(
            keys=snap.keys,
            n_members=len(eligible_ids),
            member_pos=np.fromiter((local[m] for m in members), np.intp, len(members)),
            statement_pos=columns,
            choice=choice,
            accepted=accepted,
            importance=importance,
            dealbreaker=breaker,
        )
        for name in ("choice_bit", "accepted", "weight", "dealbreaker"):
            getattr(snap.values, name)[target] = getattr(patch, name)
        snap.answered[target] = _answered_bits(patch.choice_bit)
        snap.eligible[target] = True
    snap.patches += 1
    return True


def refresh(snap: MatchingSnapshot) -> MatchingSnapshot:
    """The snapshot brought up to date: patched in place, or a new one when a rebuild is
    due (module docstring). One query when nothing changed."""
    now = timezone.now()
    if now - snap.built_at > MAX_AGE:
        return build()
    found = freshness.changes(snap.look_back, snap.version, limit=MAX_PATCH)
    if found.newer_questionnaire or found.truncated:
        return build()
    changed = set(snap.recheck)
    stamps: dict[tuple[int, int], datetime] = {}
    for source, row, member_id, stamp in found.rows:
        # Any other stamp than the one applied is a new write, even an older one: two
        # transactions can save the same row, the one with the earlier stamp last.
        if snap.applied.get((source, row)) != stamp:
            changed.add(member_id)
            stamps[source, row] = stamp
    if len(changed) > max(MAX_PATCH, MAX_PATCH_SHARE * snap.size):
        return build()
    if changed and not _patch(snap, changed):
        return build()
    snap.recheck.clear()
    # Never back: after a bulk write the build looks from its own start (see build()),
    # and stepping back to the usual window would find those rows again and rebuild on
    # every other request until they age out of it.
    snap.look_back = max(snap.look_back, freshness.look_back(found.horizon, now))
    # A stamp at or before the next look-back is never returned again: forget it.
    snap.applied.update(stamps)
    snap.applied = {key: at for key, at in snap.applied.items() if at > snap.look_back}
    return snap


# --- The per-process snapshot ------------------------------------------------------------

_lock = threading.Lock()
_current: MatchingSnapshot | None = None


def snapshot() -> MatchingSnapshot:
    """This process's snapshot, up to date: built on first use, then patched (call it
    once per request)."""
    global _current
    with _lock:
        _current = build() if _current is None else refresh(_current)
        return _current


def recheck(user_ids) -> None:
    """Reload these members on the next `snapshot()` call: the database disagreed with
    the snapshot about them (e.g. an account deactivated, which leaves no timestamp)."""
    with _lock:
        if _current is not None:
            _current.recheck.update(int(uid) for uid in user_ids)


def warm_in_background() -> threading.Thread:
    """Build this process's snapshot in a thread of its own, so the first /matches/
    request of a new web process does not pay for the build (seconds at 100,000
    members). gunicorn.conf.py starts it as each worker boots; the worker serves other
    pages meanwhile, and a /matches/ request that arrives first waits for the build
    (the lock) rather than starting another. A database that cannot be reached is
    logged, not raised: the first request then builds the snapshot as usual."""

    def run() -> None:
        started = time.perf_counter()
        try:
            snap = snapshot()
        except DatabaseError:
            logger.warning("Could not warm the matching snapshot.", exc_info=True)
        else:
            took = time.perf_counter() - started
            logger.info("Matching snapshot ready: %d members in %.1f s.", snap.size, took)
        finally:
            connections.close_all()  # this thread's connections only

    thread = threading.Thread(target=run, name="matching-warm-up", daemon=True)
    thread.start()
    return thread


def reset() -> None:
    """Forget the snapshot (tests; the next call builds a new one)."""
    global _current
    with _lock:
        _current = None


# --- Ranking -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The member suggestions are for, encoded against a snapshot's statements."""

    user_id: int
    answers: dict[str, scoring.Response]  # statement key -> their answer
    values: scoring.Row
    answered: int  # bitset of answered columns
    member: Member  # their features, masked like everyone's

    @property
    def answered_count(self) -> int:
        return len(self.answers)


def viewer_for(user: User, profile: Profile, snap: MatchingSnapshot) -> Viewer:
    """The viewer's answers (one query) and features (from `profile`: its `term_ids`
    annotation, or its terms). Loaded fresh rather than read from the snapshot: the
    viewer may not be in it ("suggest me in matches" off) and sees their own latest
    answers at once."""
    rows = Answer.objects.filter(
        member=user, statement__questionnaire_id=snap.questionnaire_id
    ).values_list("statement__key", "choice", "accepted", "importance", "dealbreaker")
    answers = {
        key: scoring.Response(choice, accepted, importance, breaker)
        for key, choice, accepted, importance, breaker in rows
    }
    values = scoring.Row.from_answers(answers, snap.keys)
    answered = int(_answered_bits(values.choice_bit[np.newaxis, :])[0])
    member = features.member_features(profile, snap.vocabulary)
    return Viewer(user.pk, answers, values, answered, member)


@dataclass(frozen=True)
class Ranked:
    """The best candidates, best first, with a copy of their answer cells (taken under
    the lock, decoded later and only for the candidates a page shows)."""

    user_ids: list[int]
    scores: list[float]
    keys: tuple[str, ...]
    cells: tuple[np.ndarray, ...]  # (k, Q) choice_bit, accepted, weight, dealbreaker

    def answers_of(self, user_id: int) -> dict[str, scoring.Response]:
        """A candidate's answers as `scoring` mappings, for shared_priorities only."""
        i = self.user_ids.index(user_id)
        return _decode(self.keys, *(column[i] for column in self.cells))


def _shared_statements(snap: MatchingSnapshot, viewer: Viewer, rows: np.ndarray) -> np.ndarray:
    """How many statements the viewer and each of `rows` both answered."""
    if len(snap.keys) <= 64:
        return np.bitwise_count(snap.answered[rows] & np.uint64(viewer.answered))
    mine = (viewer.values.choice_bit != 0).astype(np.float32)
    return (snap.values.choice_bit[rows] != 0).astype(np.float32) @ mine


def rank(
    snap: MatchingSnapshot,
    viewer: Viewer,
    purpose: str | None,
    *,
    exclude=(),
    k: int = 20,
    damp: dict[int, float] | None = None,
) -> Ranked:
    """The viewer's `k` best candidates for `purpose` (None: values alone), exactly:
    everyone is scored, then the ineligible, the dealbreaker-excluded, `exclude` (user
    ids) and the viewer are masked out before the top k are taken (purposes.top_k).
    `damp`: profession id -> a factor in (0, 1] multiplying the scores of candidates of
    that profession (what the viewer's feedback taught, matching.suggestions); applied
    to the rows still allowed only, so it reorders, never lets anyone in."""
    with _lock:
        scores, dealbroken = scoring.score_against_all(viewer.values, snap.values)
        allowed = snap.eligible & ~dealbroken
        masked = [snap.row_of[uid] for uid in {*exclude, viewer.user_id} if uid in snap.row_of]
        allowed[masked] = False
        fit = None
        if purpose is not None:
            fit = purposes.FITS[purpose](viewer.member, snap.features)
            allowed &= fit.allowed
        # Blend and sort only the rows still in the running (the gates leave few).
        rows = np.flatnonzero(allowed)
        final = purposes.with_evidence(scores[rows], _shared_statements(snap, viewer, rows))
        if fit is not None:
            final = purposes.blend(final, fit.score[rows], purpose)
        if damp:
            professions = snap.features.profession[rows]
            for profession, factor in damp.items():
                final[professions == profession] *= np.float32(factor)
        top = purposes.top_k(final, purposes.tie_key(viewer.user_id, snap.user_ids[rows]), k)
        best = rows[top]
        user_ids = [int(uid) for uid in snap.user_ids[best]]
        return Ranked(
            user_ids=user_ids,
            scores=[float(score) for score in final[top]],
            keys=snap.keys,
            cells=tuple(getattr(snap.values, name)[best] for name in _CELLS),
        )
