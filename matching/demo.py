"""Matching's demo module: believable values answers for demo members, in bulk and
deterministic. `seed_demo` (hive/demo.py) calls `seed()` after members' demo module
has made the people.

Demo members fall into a few clusters of like-minded colleagues; each cluster has a
typical answer to every statement (its "centre") and a few statements it holds dear
("core"). A member mostly answers like their cluster, sometimes like the community at
large, and now and then off the scale altogether, so `/matches/` has real structure to
find without every cluster being a clone. Importance follows what the cluster holds
dear; accepted answers are mostly generous (a band around one's own answer, often
everything); a few answers are dealbreakers, mostly on conversion practices and
LGBTQ+-affirming care.

`plan_values` draws everything as numpy arrays (no Python loop over members), and
`seed_values` writes the rows with PostgreSQL's binary COPY: 100,000 members x 19
statements is ~1.7 million rows, and building that many model instances for
`bulk_create` alone takes longer than the whole COPY. The database still checks every
row against the table's constraints.
"""

from __future__ import annotations

import struct
from collections.abc import Collection, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from hive.demo import DemoContext
from matching.models import Answer, Questionnaire, ValuesConsent
from matching.scoring import Importance

# Cluster names, and how many members each has (shares sum to 1).
CLUSTERS = (
    ("affirming", 0.26),  # affirming, anti-oppressive, social-justice minded
    ("evidence", 0.22),  # evidence-based, CBT-minded, works with prescribers
    ("faith", 0.12),  # integrates faith and spirituality
    ("community", 0.20),  # harm reduction, community mental health, sliding scale
    ("relational", 0.20),  # relational and psychodynamic
)

# The community at large, where a cluster has no view of its own: option indexes (a
# float sits between two options). Keys missing from the questionnaire are ignored and
# statements missing here fall back to the middle of their scale, so the questionnaire
# can change without breaking the seed.
COMMUNITY = {
    "lgbtq-affirming-care": 1,
    "conversion-practices": 0.3,
    "harm-reduction": 1,
    "faith-integration": 1.3,
    "anti-oppressive-practice": 1,
    "weight-inclusive-care": 0.8,
    "sliding-scale": 1.2,
    "evidence-and-relationship": 1.2,
    "psychiatric-medication": 1.2,
    "self-disclosure": 1,
    "social-justice-in-session": 1,
    "trauma-informed-care": 0.6,
    "neurodiversity-affirming": 0.6,
    "sexual-relationship-diversity": 1,
    "collaborative-care": 0.8,
    "risk-and-autonomy": 1,
    "cultural-humility": 1,
    "ongoing-consultation": 0.1,
    "video-therapy": 0.8,
}

# Per cluster: statement key -> (centre, core). Core statements are answered tightly
# and rated important.
CENTRES: dict[str, dict[str, tuple[float, bool]]] = {
    "affirming": {
        "lgbtq-affirming-care": (0, True),
        "conversion-practices": (0, True),
        "anti-oppressive-practice": (0, True),
        "social-justice-in-session": (0, True),
        "weight-inclusive-care": (0, False),
        "neurodiversity-affirming": (0, False),
        "sexual-relationship-diversity": (0.4, False),
        "cultural-humility": (0, False),
        "trauma-informed-care": (0, False),
    },
    "evidence": {
        "evidence-and-relationship": (0.6, True),
        "psychiatric-medication": (0.3, True),
        "collaborative-care": (0, True),
        "risk-and-autonomy": (0.4, False),
        "self-disclosure": (1.8, False),
        "social-justice-in-session": (1.6, False),
        "anti-oppressive-practice": (1.6, False),
        "video-therapy": (0.2, False),
        "weight-inclusive-care": (1.4, False),
    },
    "faith": {
        "faith-integration": (0, True),
        "conversion-practices": (1.3, False),
        "lgbtq-affirming-care": (1.7, False),
        "sexual-relationship-diversity": (1.8, False),
        "sliding-scale": (0.3, True),
        "social-justice-in-session": (1.7, False),
        "harm-reduction": (1.8, False),
        "self-disclosure": (1, False),
        "psychiatric-medication": (1.2, False),
    },
    "community": {
        "harm-reduction": (0, True),
        "sliding-scale": (0, True),
        "sexual-relationship-diversity": (0.2, True),
        "anti-oppressive-practice": (0.3, False),
        "social-justice-in-session": (0.4, False),
        "risk-and-autonomy": (1.7, False),
        "collaborative-care": (0.2, False),
        "video-therapy": (0.3, False),
        "weight-inclusive-care": (0.3, False),
    },
    "relational": {
        "evidence-and-relationship": (2, True),
        "self-disclosure": (1.6, False),
        "psychiatric-medication": (2, False),
        "video-therapy": (1.6, True),
        "ongoing-consultation": (0, True),
        "risk-and-autonomy": (1.2, False),
        "trauma-informed-care": (0.6, False),
    },
}

# Statements where a dealbreaker is most believable, and how likely one is on each kind.
DEALBREAKER_KEYS = {"conversion-practices", "lgbtq-affirming-care"}
DEALBREAKER_P = {"likely": 0.5, "core": 0.12, "other": 0.02}

# Importance (irrelevant, a little, somewhat, very) on core statements and the rest.
IMPORTANCE_CORE = (0.02, 0.08, 0.35, 0.55)
IMPORTANCE_OTHER = (0.12, 0.33, 0.40, 0.15)
# How far from their own answer a member accepts, by importance: radius 0, 1, 2 or
# "anything" (a radius wider than any scale). Generous unless it matters a lot.
ANYTHING = 9
RADIUS_CHOICES = (0, 1, 2, ANYTHING)
RADIUS_P = (
    (0.0, 0.0, 0.0, 1.0),  # irrelevant: it does not count, so accept everything
    (0.0, 0.30, 0.35, 0.35),  # a little
    (0.10, 0.50, 0.25, 0.15),  # somewhat
    (0.30, 0.55, 0.13, 0.02),  # very
)
TEMPERATURE_CORE = 0.35  # how tightly a cluster agrees on what it holds dear
TEMPERATURE_OTHER = 0.6
NOISE = 0.04  # any option at random: people are not predictable
# Each member answers each statement like the community at large rather than their
# cluster with a probability drawn from Beta(2, 10) (mean 0.17).
DRIFT_BETA = (2.0, 10.0)
MIX_BETA = (1.5, 10.0)  # the share answered like one's second cluster (mean 0.13)
PERSONAL_PRIORITIES = 2.5  # statements per member rated "very" whatever their cluster
RELAXED_CORE = 0.3  # a cluster's core statement that matters one step less to a member
NOT_STARTED = 0.05
PARTIAL = 0.10  # of the rest: some statements left unanswered
PARTIAL_ANSWERED = (0.3, 0.85)  # the share of statements a partial member answered
STREAM = 0x5EED_7A1E  # keeps this stream apart from other users of the same --seed


@dataclass(frozen=True)
class ValuesPlan:
    """Everyone's answers as (members, statements) arrays; `answered` marks the cells
    that become rows."""

    cluster: np.ndarray  # (N,) index into CLUSTERS
    answered: np.ndarray  # (N, Q) bool
    choice: np.ndarray  # (N, Q) int
    accepted: np.ndarray  # (N, Q) int bitmask
    importance: np.ndarray  # (N, Q) int
    dealbreaker: np.ndarray  # (N, Q) bool


def _rng(rng_seed: int) -> np.random.Generator:
    # SeedSequence wants non-negative entropy; --seed may be any integer.
    return np.random.default_rng([rng_seed % 2**63, STREAM])


def plan_values(
    *,
    n_members: int,
    keys: Sequence[str],
    option_counts: Sequence[int],
    rng_seed: int,
    partly: Collection[int] = (),
) -> ValuesPlan:
    """Draw answers for `n_members` to statements `keys` (with `option_counts` options
    each). Rows listed in `partly` answer only the first third of the statements.
    Deterministic for the same arguments."""
    rng = _rng(rng_seed)
    n, q = n_members, len(keys)
    counts = np.asarray(option_counts, dtype=np.int64)
    width = int(counts.max()) if q else 1
    options = np.arange(width)
    valid = options[None, :] < counts[:, None]  # (Q, width)

    # Answer distributions: one row per cluster, then the community at large.
    n_clusters = len(CLUSTERS)
    centre = np.empty((n_clusters + 1, q))
    core = np.zeros((n_clusters + 1, q), dtype=bool)
    for j, key in enumerate(keys):
        default = min(COMMUNITY.get(key, (counts[j] - 1) / 2), counts[j] - 1)
        centre[n_clusters, j] = default
        for c, (name, _) in enumerate(CLUSTERS):
            spot, dear = CENTRES[name].get(key, (default, False))
            centre[c, j] = min(spot, counts[j] - 1)
            core[c, j] = dear
    temperature = np.where(core, TEMPERATURE_CORE, TEMPERATURE_OTHER)
    distance = np.abs(options[None, None, :] - centre[:, :, None])
    weights = np.exp(-distance / temperature[:, :, None]) * valid[None]
    probs = weights / weights.sum(axis=2, keepdims=True)
    probs = (1 - NOISE) * probs + NOISE * valid[None] / counts[None, :, None]
    cumulative = np.cumsum(probs, axis=2)

    shares = np.array([share for _, share in CLUSTERS])
    cluster = rng.choice(n_clusters, size=n, p=shares / shares.sum())
    drift = rng.beta(*DRIFT_BETA, size=n)
    # Most people sit between two outlooks: a second cluster they answer like now and
    # then (a share drawn per member), beside the community at large.
    second = rng.choice(n_clusters, size=n, p=shares / shares.sum())
    mix = rng.beta(*MIX_BETA, size=n)
    roll = rng.random((n, q))
    source = np.where(
        roll < drift[:, None],
        n_clusters,
        np.where(roll < (drift + mix)[:, None], second[:, None], cluster[:, None]),
    )
    # Inverse-CDF sampling for every (member, statement) at once.
    cell_cdf = cumulative[source, np.arange(q)[None, :]]  # (N, Q, width)
    choice = (rng.random((n, q, 1)) > cell_cdf).sum(axis=2)
    choice = np.minimum(choice, counts[None, :] - 1)  # rounding at the top of the CDF

    # Importance: what the member's own cluster holds dear matters more to them.
    dear = core[cluster]  # (N, Q)
    draw = rng.random((n, q))
    importance = np.where(
        dear,
        np.searchsorted(np.cumsum(IMPORTANCE_CORE), draw, side="right"),
        np.searchsorted(np.cumsum(IMPORTANCE_OTHER), draw, side="right"),
    )
    importance = np.minimum(importance, Importance.VERY)
    # Each person also holds a few priorities of their own, whatever their cluster, and
    # lets some of the cluster's go: shared priorities then say something about a pair.
    personal = rng.random((n, q)) < PERSONAL_PRIORITIES / max(q, 1)
    relaxed = dear & ~personal & (rng.random((n, q)) < RELAXED_CORE)
    importance = np.where(personal, Importance.VERY, importance)
    importance = np.where(relaxed, np.maximum(importance - 1, Importance.A_LITTLE), importance)

    # Accepted: every option within a radius of one's own answer.
    radius_cdf = np.cumsum(np.asarray(RADIUS_P), axis=1)[importance]  # (N, Q, 4)
    radius = np.asarray(RADIUS_CHOICES)[
        np.minimum((rng.random((n, q, 1)) > radius_cdf).sum(axis=2), len(RADIUS_CHOICES) - 1)
    ]
    near = np.abs(options[None, None, :] - choice[:, :, None]) <= radius[:, :, None]
    bits = (1 << options).astype(np.int64)
    accepted = ((near & valid[None]) * bits).sum(axis=2)
    everything = (valid * bits).sum(axis=1)  # (Q,)

    # Dealbreakers: only where it matters and where something is actually refused.
    likely = np.array([key in DEALBREAKER_KEYS for key in keys])
    p_breaker = np.where(
        likely[None, :] & (importance == Importance.VERY),
        DEALBREAKER_P["likely"],
        np.where(dear, DEALBREAKER_P["core"], DEALBREAKER_P["other"]),
    )
    dealbreaker = (
        (rng.random((n, q)) < p_breaker)
        & (importance >= Importance.SOMEWHAT)
        & (accepted != everything[None, :])
    )

    # Who answered what: most everything, some a part, a few not yet started.
    kind = rng.random(n)
    share = rng.uniform(*PARTIAL_ANSWERED, size=n)
    answered = np.where(
        ((kind >= NOT_STARTED) & (kind < NOT_STARTED + PARTIAL))[:, None],
        rng.random((n, q)) < share[:, None],
        (kind >= NOT_STARTED)[:, None],
    )
    if partly:
        rows = np.fromiter(partly, dtype=np.int64)
        answered[rows] = False
        answered[rows, : max(1, q // 3)] = True
    return ValuesPlan(cluster, answered, choice, accepted, importance, dealbreaker)


def seed(context: DemoContext) -> None:
    """Answers for every demo person with a profile, in the order they were created, so
    the same seed gives the same people the same answers. The demo member login answers
    only a third, so its home page still offers the questionnaire. No `clear()`: answers
    and consents go with the people they belong to."""
    partly = [context.login_ids["member"]] if "member" in context.login_ids else []
    count = seed_values(user_ids=context.people, rng_seed=context.seed, partly=partly)
    context.summary.append(f"{count} values answers")


@transaction.atomic
def seed_values(*, user_ids: Sequence[int], rng_seed: int, partly: Collection[int] = ()) -> int:
    """Give the members `user_ids` (who have no answers yet) answers to the current
    questionnaire; return how many answers were written. `partly` lists user ids that
    answer only the first third, so the demo login still sees the questionnaire offered
    on its home page. Deterministic for the same ids in the same order."""
    questionnaire = Questionnaire.objects.current()
    if questionnaire is None or not user_ids:
        return 0
    statements = list(questionnaire.statements.order_by("position"))
    position = {user_id: row for row, user_id in enumerate(user_ids)}
    plan = plan_values(
        n_members=len(user_ids),
        keys=[s.key for s in statements],
        option_counts=[s.option_count for s in statements],
        rng_seed=rng_seed,
        partly=[position[user_id] for user_id in partly if user_id in position],
    )
    rows, cols = np.nonzero(plan.answered)
    if not rows.size:
        return 0
    # Everyone who answers agreed first, as the questionnaire asks them to.
    ValuesConsent.objects.bulk_create(
        [ValuesConsent(member_id=int(user_ids[row])) for row in np.unique(rows)],
        batch_size=10_000,
        ignore_conflicts=True,
    )
    payload = _copy_payload(
        member=np.asarray(user_ids, dtype=np.int64)[rows],
        statement=np.asarray([s.pk for s in statements], dtype=np.int64)[cols],
        choice=plan.choice[rows, cols],
        accepted=plan.accepted[rows, cols],
        importance=plan.importance[rows, cols],
        dealbreaker=plan.dealbreaker[rows, cols],
    )
    if rows.size >= BULK_LOAD_ROWS:
        with _rebuilt_after(Answer._meta.db_table):
            _copy(payload)
    else:
        _copy(payload)
    return int(rows.size)


# PostgreSQL's binary COPY: a header, then per row a field count and each field as its
# length and big-endian bytes, then -1. Every field here has a fixed width, so the whole
# payload is one numpy structured array: no Python loop per row, no text formatting
# (formatting ~1.7 million rows as text takes longer than PostgreSQL takes to load them).
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_COPY_TRAILER = struct.pack(">h", -1)
_BINARY = {"bigint": ">i8", "integer": ">i4", "smallint": ">i2", "boolean": "u1"}
_COPY_FIELDS = ("member", "statement", "choice", "accepted", "importance", "dealbreaker")
# timestamptz travels as microseconds since 2000-01-01 UTC.
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# From this many rows on, loading without the table's secondary indexes, unique and
# foreign-key constraints and rebuilding them afterwards is faster (PostgreSQL's own
# advice for populating a database): one foreign-key check per row per key was most of
# the time at 100,000 members (~3.4 million checks), where re-adding a constraint
# validates it with one join.
BULK_LOAD_ROWS = 50_000


def _copy_payload(**columns: np.ndarray) -> tuple[str, bytes]:
    """The COPY statement and its binary payload for these answer columns."""
    fields = [Answer._meta.get_field(name) for name in _COPY_FIELDS]
    layout: list[tuple[str, str]] = [("count", ">i2")]
    for field in fields:
        layout += [(f"{field.name}_len", ">i4"), (field.name, _BINARY[field.db_type(connection)])]
    layout += [("updated_at_len", ">i4"), ("updated_at", ">i8")]
    table = np.empty(len(columns["member"]), dtype=np.dtype(layout))
    table["count"] = len(fields) + 1
    for field in fields:
        table[f"{field.name}_len"] = table.dtype[field.name].itemsize
        table[field.name] = columns[field.name]
    table["updated_at_len"] = 8
    table["updated_at"] = (timezone.now() - _PG_EPOCH) // timedelta(microseconds=1)
    quote = connection.ops.quote_name
    names = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"COPY {quote(Answer._meta.db_table)} ({names}, {quote('updated_at')}) "
        "FROM STDIN WITH (FORMAT binary)"
    )
    return sql, _COPY_HEADER + table.tobytes() + _COPY_TRAILER


def _copy(payload: tuple[str, bytes]) -> None:
    sql, data = payload
    with connection.cursor() as cursor, cursor.copy(sql) as copy:
        copy.write(data)


@contextmanager
def _rebuilt_after(table: str):
    """Drop `table`'s foreign keys, unique constraints and plain indexes, and re-create
    them from their own definitions on the way out. Only inside a transaction: if
    anything fails, PostgreSQL rolls the DDL back with the rest. Re-adding a unique
    constraint or a foreign key checks every row, so nothing unchecked slips in."""
    if not connection.in_atomic_block:
        raise RuntimeError("_rebuilt_after must run inside a transaction")
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        # Unique constraints before foreign keys ('u' > 'f'), so re-adding runs in a
        # sensible order; names keep each definition's own.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conrelid = %s::regclass AND contype IN ('f', 'u') "
            "ORDER BY contype DESC, conname",
            [table],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass) "
            "ORDER BY indexname",
            [table, table],
        )
        indexes = cursor.fetchall()
        for name, _ in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
        for name, _ in indexes:
            cursor.execute(f"DROP INDEX {quote(name)}")
        yield
        for _, definition in indexes:
            cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}")
